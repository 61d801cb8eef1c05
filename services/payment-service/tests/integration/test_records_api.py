"""Records through HTTP against the real database and broker: who may do what, what is stored,
what is published."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.messaging import payload_as
from shopkit.testing import CollectorFactory

from payment_service.events.events import RecordCreated

pytestmark = pytest.mark.integration

PREFIX = "/api/payments"


async def test_admin_creates_a_record_that_anyone_can_read(
    client: AsyncTestClient[Litestar], admin_headers: dict[str, str]
) -> None:
    created = await client.post(PREFIX, json={"name": "alpha"}, headers=admin_headers)
    assert created.status_code == 201, created.text
    record_id = created.json()["id"]

    fetched = await client.get(f"{PREFIX}/{record_id}")
    assert fetched.status_code == 200
    assert fetched.json()["name"] == "alpha"


async def test_lists_are_paged_in_the_public_shape(
    client: AsyncTestClient[Litestar], admin_headers: dict[str, str]
) -> None:
    for name in ("page-a", "page-b", "page-c"):
        await client.post(PREFIX, json={"name": name}, headers=admin_headers)
    page = (await client.get(PREFIX, params={"limit": 2, "offset": 1})).json()
    assert set(page) == {"items", "total", "limit", "offset"}
    assert (page["limit"], page["offset"], len(page["items"])) == (2, 1, 2)
    assert page["total"] >= 3


async def test_anonymous_callers_get_401_and_customers_403_and_nothing_is_written(
    client: AsyncTestClient[Litestar], customer_headers: dict[str, str]
) -> None:
    anonymous = await client.post(PREFIX, json={"name": "sneaky"})
    customer = await client.post(PREFIX, json={"name": "sneaky"}, headers=customer_headers)
    assert anonymous.status_code == 401
    assert customer.status_code == 403
    assert customer.headers["content-type"] == "application/problem+json"
    names = [r["name"] for r in (await client.get(PREFIX, params={"limit": 100})).json()["items"]]
    assert "sneaky" not in names


async def test_a_duplicate_name_is_409_and_bad_input_422_naming_the_field(
    client: AsyncTestClient[Litestar], admin_headers: dict[str, str]
) -> None:
    await client.post(PREFIX, json={"name": "unique"}, headers=admin_headers)
    duplicate = await client.post(PREFIX, json={"name": "unique"}, headers=admin_headers)
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "record-name-taken"

    invalid = await client.post(PREFIX, json={"name": ""}, headers=admin_headers)
    assert invalid.status_code == 422
    assert invalid.json()["invalid_params"][0]["name"] == "name"


async def test_an_unknown_record_is_404(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get(f"{PREFIX}/01890000-0000-7000-8000-000000000000")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_creating_a_record_publishes_its_event_after_commit(
    client: AsyncTestClient[Litestar],
    admin_headers: dict[str, str],
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector(RecordCreated.event_type)
    created = await client.post(PREFIX, json={"name": "announced"}, headers=admin_headers)

    record_id = created.json()["id"]
    # Earlier tests' events may still be on their way; ours must arrive among them.
    for _ in range(20):
        received = await collector.next(timeout=5)
        if payload_as(received.envelope, RecordCreated).id == record_id:
            break
    else:
        pytest.fail("the record.created event never arrived")
    assert received.envelope.type == RecordCreated.event_type
    assert received.envelope.producer == "payment-service"


async def test_ready_checks_database_and_broker(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200, response.text
    assert set(response.json()["checks"]) >= {"database", "broker"}
