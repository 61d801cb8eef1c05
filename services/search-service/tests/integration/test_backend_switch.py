"""Switching the backend changes nothing a client sees: the same validation, answered before
the backend is reached, and the same problem+json when the index cannot be reached."""

from __future__ import annotations

import msgspec
import pytest
from shopkit.testing import client_for, free_port

from search_service.app import create_app
from search_service.config import ElasticsearchSettings, Settings

pytestmark = pytest.mark.integration

BAD_QUERIES = [
    {"min_price": "abc"},
    {"max_price": "-1"},
    {"currency": "XYZ"},
    {"sort": "popular"},
    {"min_price": "900", "max_price": "100"},
]


def without_request_id(body: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in body.items() if k != "request_id"}


async def test_both_backends_refuse_bad_input_identically(settings: Settings) -> None:
    # Nothing listens on this port: no cluster is needed to check validation.
    elastic = msgspec.structs.replace(
        settings,
        elasticsearch=ElasticsearchSettings(
            url=f"http://127.0.0.1:{free_port()}", request_timeout_seconds=0.5
        ),
    )
    async with client_for(create_app(settings)) as pg, client_for(create_app(elastic)) as es:
        # Each app searches where its settings say: only the Elasticsearch one checks a cluster.
        assert "elasticsearch" in (await es.get("/health/ready")).json()["checks"]
        assert "elasticsearch" not in (await pg.get("/health/ready")).json()["checks"]
        for params in BAD_QUERIES:
            from_pg = await pg.get("/api/search", params=params)
            from_es = await es.get("/api/search", params=params)
            assert from_pg.status_code == from_es.status_code == 422
            assert without_request_id(from_pg.json()) == without_request_id(from_es.json())

        unreachable = await es.get("/api/search", params={"q": "headphones"})
        assert unreachable.status_code == 503
        assert unreachable.headers["content-type"] == "application/problem+json"
        assert unreachable.json()["code"] == "dependency-unavailable"
