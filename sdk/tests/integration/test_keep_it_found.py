"""The OpenAPI documents the problems a service really sends, and the fuzz and the authorization
walk in `shopkit.testing` find what a service gets wrong, on a tiny app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from _app_support import create_app
from litestar import Litestar, get, post, put
from litestar.params import FromPath, JSONBody
from shopkit.auth import (
    CurrentPrincipal,
    TokenVerifier,
    auth_middleware,
    requires_admin,
    requires_authenticated,
    verifier_from_settings,
)
from shopkit.config import AuthSettings, ServiceSettings
from shopkit.errors import ConflictError, NotFoundError
from shopkit.openapi_problems import problem_responses
from shopkit.testing import callers_for, client_for, fuzz_api, walk_authorization
from shopkit.testing._auth import JWKSServer

pytestmark = pytest.mark.integration

NOTES: dict[int, dict[str, str]] = {}


class Note(msgspec.Struct):
    text: str


class NoteOut(msgspec.Struct):
    id: int
    text: str


@get("/status", operation_id="status", security=[{}])
async def status() -> dict[str, str]:
    return {"status": "ok"}


@post(
    "/notes",
    operation_id="createNote",
    guards=[requires_authenticated],
    responses=problem_responses(409),
)
async def create_note(data: JSONBody[Note], principal: CurrentPrincipal) -> NoteOut:
    if data.text == "taken":
        raise ConflictError("That note exists.")
    note_id = len(NOTES) + 1
    NOTES[note_id] = {"owner": principal.subject, "text": data.text}
    return NoteOut(note_id, data.text)


@get(
    "/notes/{note_id:int}",
    operation_id="getNote",
    guards=[requires_authenticated],
)
async def get_note(note_id: FromPath[int], principal: CurrentPrincipal) -> NoteOut:
    note = NOTES.get(note_id)
    if note is None or note["owner"] != principal.subject:
        raise NotFoundError(f"No note {note_id}.")
    return NoteOut(note_id, note["text"])


@put("/notes/{note_id:int}/pin", operation_id="pinNote", guards=[requires_admin])
async def pin_note(note_id: FromPath[int]) -> dict[str, int]:
    if note_id not in NOTES:
        raise NotFoundError(f"No note {note_id}.")
    return {"pinned": note_id}


@put("/notes/{note_id:int}/legacy", operation_id="legacyNote", responses=problem_responses(400))
async def legacy_note(note_id: FromPath[int], data: JSONBody[Note]) -> dict[str, int]:
    return {"kept": note_id}


# What the fuzz and the walk must catch: an undeclared 409, a 500, a leak to anyone.
@post("/tags", operation_id="createTag", security=[{}])
async def create_tag(data: JSONBody[Note]) -> dict[str, str]:
    if not data.text:
        raise ConflictError("The empty tag is taken.")
    if len(data.text) == 1:
        raise RuntimeError("boom")
    return {"tag": data.text}


@get("/leaky/{note_id:int}", operation_id="leakyNote")
async def leaky_note(note_id: FromPath[int]) -> dict[str, Any]:
    return {"id": note_id, **NOTES.get(note_id, {})}


GOOD = [status, create_note, get_note, pin_note, legacy_note]
BAD = [create_tag, leaky_note]


def make_app(handlers: list[Any], verifier: TokenVerifier | None = None) -> Litestar:
    return create_app(
        service=ServiceSettings(name="notes-service"),
        route_handlers=handlers,
        auth_middleware=auth_middleware(verifier) if verifier else None,
    )


@pytest.fixture
async def verifier(auth_settings: AuthSettings, jwks_server: JWKSServer) -> AsyncIterator[Any]:
    jwks_server.reset()
    verifier = verifier_from_settings(auth_settings)
    yield verifier
    await verifier.jwks.aclose()


def responses_of(app: Litestar, path: str, method: str) -> dict[str, Any]:
    operation = app.openapi_schema.to_schema()["paths"][path][method]
    return {
        status: next(iter(response.get("content", {None: None})))
        for status, response in operation["responses"].items()
    }


def test_each_operation_documents_the_problems_it_can_send() -> None:
    app = make_app(GOOD)
    problem = "application/problem+json"
    assert responses_of(app, "/status", "get") == {"200": "application/json"}
    assert responses_of(app, "/notes", "post") == {
        "201": "application/json",
        "401": problem,
        "409": problem,
        "422": problem,
    }
    assert responses_of(app, "/notes/{note_id}", "get") == {
        "200": "application/json",
        "401": problem,
        "404": problem,
        "422": problem,
    }
    assert responses_of(app, "/notes/{note_id}/pin", "put") == {
        "200": "application/json",
        "401": problem,
        "403": problem,
        "404": problem,
        "422": problem,
    }
    # A handler that declares a 400 keeps it; nobody else gets Litestar's generic one.
    assert "400" in responses_of(app, "/notes/{note_id}/legacy", "put")
    document = app.openapi_schema.to_schema()
    error = document["paths"]["/notes/{note_id}"]["get"]["responses"]["404"]
    assert error["content"][problem]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert {"title", "status"} <= set(document["components"]["schemas"]["Problem"]["required"])


async def test_the_fuzz_passes_an_app_that_answers_as_documented(
    verifier: TokenVerifier, jwks_server: JWKSServer
) -> None:
    async with client_for(make_app(GOOD, verifier)) as client:
        report = await fuzz_api(client, callers_for(jwks_server.issuer()), examples=10)
    assert {"status", "createNote", "getNote", "pinNote"} <= set(report.operations)
    assert report.requests > 100
    assert not report.failures, report.explain()


async def test_the_fuzz_finds_an_undocumented_status_and_a_server_error(
    verifier: TokenVerifier, jwks_server: JWKSServer
) -> None:
    async with client_for(make_app(GOOD + BAD, verifier)) as client:
        report = await fuzz_api(client, callers_for(jwks_server.issuer()), examples=40)
    found = {(failure.check, failure.status) for failure in report.failures_of("createTag")}
    assert ("Undocumented status code", 409) in found, report.explain()
    assert ("Server error", 500) in found, report.explain()
    assert not report.unexpected(["createTag"]), report.explain()


async def test_the_walk_passes_guarded_routes_and_finds_a_leak(
    verifier: TokenVerifier, jwks_server: JWKSServer
) -> None:
    issuer = jwks_server.issuer()
    owner = issuer.issue_access_token("owner-1", ["customer"])
    other = issuer.issue_access_token("other-2", ["customer"])
    async with client_for(make_app(GOOD + BAD, verifier)) as client:
        created = await client.post(
            "/notes", json={"text": "mine"}, headers={"Authorization": f"Bearer {owner}"}
        )
        assert created.status_code == 201
        note_id = str(created.json()["id"])
        violations = await walk_authorization(
            client,
            issuer,
            other_customer=other,
            owned={"note_id": note_id},
            bodies={"createNote": {"text": "hello"}, "legacyNote": {"text": "x"}},
        )
    described = [str(violation) for violation in violations]
    # The leak needs a token by its (default) security, yet answers anyone who sends none, and
    # another customer; a forged or expired token is refused by the middleware all the same.
    assert {v.caller for v in violations if v.route.startswith("GET /leaky")} == {
        "anonymous",
        "another customer",
    }, described
    # legacyNote has no guard either, so the walk flags it the same way.
    flagged = {v.route.split(" ")[1] for v in violations}
    assert flagged == {"/leaky/{note_id}", "/notes/{note_id}/legacy"}, described
