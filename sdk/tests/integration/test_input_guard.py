"""Input no service can store is a 422 problem naming where it is, never a 500 (issue 9, item 6).

Invalid UTF-8, NUL characters and integers no column can hold are refused before the handler
runs (`shopkit.guard`); what still reaches PostgreSQL and is refused there is a 422 too
(`shopkit.errors`), with nothing stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import msgspec
import pytest
from _app_support import create_app
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from litestar import Litestar, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody
from litestar.testing import AsyncTestClient
from shopkit.config import DatabaseSettings, ServiceSettings
from shopkit.db import LimitOffset, sqlalchemy_config
from shopkit.schemas import MinorUnits, Quantity
from shopkit.testing import client_for
from sqlalchemy import Integer, String, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

pytestmark = pytest.mark.integration


class _Base(DeclarativeBase):
    pass


class GuardLine(_Base):
    __tablename__ = "guard_lines"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    sku: Mapped[str] = mapped_column(String(5))
    quantity: Mapped[int] = mapped_column(Integer)


class GuardLineRepository(SQLAlchemyAsyncRepository[GuardLine]):
    model_type = GuardLine


class Address(msgspec.Struct):
    city: str


class Line(msgspec.Struct):
    sku: str
    quantity: int
    address: Address | None = None


class TypedLine(msgspec.Struct):
    quantity: Quantity
    price: MinorUnits


class Signup(msgspec.Struct):
    name: str


@post("/lines", security=[{}])
async def create_line(data: JSONBody[Line]) -> Line:
    return data


@post("/any", security=[{}])
async def create_any(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    return data


@post("/typed-lines", security=[{}])
async def create_typed_line(data: JSONBody[TypedLine]) -> TypedLine:
    return data


@post("/signups", security=[{}])
async def signup(
    data: Annotated[Signup, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Signup:
    return data


@get("/search", security=[{}])
async def search(q: FromQuery[str]) -> str:
    return q


@get("/lines/{sku:str}", security=[{}])
async def get_line(sku: FromPath[str]) -> str:
    return sku


@get("/lines", security=[{}])
async def list_lines(page: NamedDependency[LimitOffset]) -> dict[str, int]:
    return {"limit": page.limit, "offset": page.offset}


@post("/stored-lines", security=[{}])
async def store_line(data: JSONBody[Line], db_session: NamedDependency[AsyncSession]) -> None:
    """Through advanced-alchemy's repository, as services store things."""
    await GuardLineRepository(session=db_session).add(
        GuardLine(sku=data.sku, quantity=data.quantity)
    )


@post("/raw-lines", security=[{}])
async def store_raw_line(data: JSONBody[Line], db_session: NamedDependency[AsyncSession]) -> None:
    """Through a plain SQLAlchemy statement."""
    await db_session.execute(insert(GuardLine).values(sku=data.sku, quantity=data.quantity))


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[AsyncTestClient[Litestar]]:
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(_Base.metadata.create_all)
        await connection.execute(GuardLine.__table__.delete())
    app = create_app(
        service=ServiceSettings(name="guard-sample", version="1.0.0"),
        route_handlers=[
            create_line,
            create_any,
            create_typed_line,
            signup,
            search,
            get_line,
            list_lines,
            store_line,
            store_raw_line,
        ],
        database=sqlalchemy_config(DatabaseSettings(url=database_url)),
    )
    async with client_for(app) as client:
        yield client
    await engine.dispose()


async def _stored(database_url: str) -> int:
    engine = create_async_engine(database_url)
    async with engine.connect() as connection:
        count = (await connection.execute(select(func.count()).select_from(GuardLine))).scalar()
    await engine.dispose()
    return int(count or 0)


def _refused(response: Any, name: str) -> str:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    param = response.json()["invalid_params"][0]
    assert param["name"] == name, response.text
    return str(param["reason"])


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
async def test_a_body_that_is_not_utf8_is_422_naming_the_body(
    client: AsyncTestClient[Litestar], content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post(
        "/lines", content=b'{"sku": "caf\xe9", "quantity": 1}', headers=headers
    )
    assert "UTF-8" in _refused(response, "body")


async def test_a_body_for_a_free_form_handler_that_is_not_utf8_is_422(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.post("/any", content=b'{"note": "\xff"}', headers=JSON)
    _refused(response, "body")


async def test_a_nul_in_a_json_string_is_422_naming_the_field(
    client: AsyncTestClient[Litestar],
) -> None:
    body = b'{"sku": "a", "quantity": 1, "address": {"city": "Ber\\u0000lin"}}'
    response = await client.post("/lines", content=body, headers=JSON)
    assert "NUL" in _refused(response, "address.city")


async def test_a_nul_in_a_key_or_a_list_item_is_422(client: AsyncTestClient[Litestar]) -> None:
    listed = await client.post("/any", content=b'{"tags": ["ok", "b\\u0000d"]}', headers=JSON)
    _refused(listed, "tags[1]")
    keyed = await client.post("/any", content=b'{"a\\u0000": 1}', headers=JSON)
    assert keyed.status_code == 422


async def test_an_escaped_backslash_before_u0000_is_ordinary_text(
    client: AsyncTestClient[Litestar],
) -> None:
    """`"\\\\u0000"` is a backslash followed by `u0000`, not a NUL: it is accepted as written."""
    body = b'{"sku": "a\\\\u0000", "quantity": 1}'
    response = await client.post("/lines", content=body, headers=JSON)
    assert response.status_code == 201, response.text
    assert response.json()["sku"] == "a\\u0000"


@pytest.mark.parametrize("quantity", [2**63, -(2**63) - 1, 10**30])
async def test_an_integer_beyond_64_bits_is_422_naming_the_field(
    client: AsyncTestClient[Litestar], quantity: int
) -> None:
    body = b'{"sku": "a", "quantity": ' + str(quantity).encode() + b"}"
    response = await client.post("/lines", content=body, headers=JSON)
    assert "out of range" in _refused(response, "quantity")


async def test_the_largest_64_bit_integer_and_long_digit_strings_pass(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.post("/lines", json={"sku": "1" * 40, "quantity": 2**63 - 1})
    assert response.status_code == 201, response.text


async def test_a_body_nested_too_deeply_is_422(client: AsyncTestClient[Litestar]) -> None:
    body = b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = await client.post("/any", content=body, headers=JSON)
    _refused(response, "body")


async def test_a_nul_in_a_query_parameter_is_422_naming_it(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/search?q=head%00phones")
    assert "NUL" in _refused(response, "q")


async def test_a_nul_in_a_path_parameter_is_422_naming_it(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/lines/SKU%00-1")
    _refused(response, "sku")


async def test_a_nul_in_a_form_field_is_422_naming_it(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post(
        "/signups",
        content=b"name=Ada%00Lovelace",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    _refused(response, "name")
    ok = await client.post("/signups", data={"name": "Ada Lovelace"})
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize("offset", ["9223372036854775808", "1000001"])
async def test_an_offset_beyond_the_deepest_page_is_422(
    client: AsyncTestClient[Litestar], offset: str
) -> None:
    response = await client.get(f"/lines?offset={offset}")
    _refused(response, "offset")


async def test_the_deepest_page_is_served(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/lines?offset=1000000")
    assert response.json() == {"limit": 20, "offset": 1_000_000}


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"quantity": 2**31, "price": 100}, "quantity"),
        ({"quantity": 0, "price": 100}, "quantity"),
        ({"quantity": 1, "price": 2**63 - 1}, None),
    ],
)
async def test_bounded_sdk_types_refuse_what_a_column_cannot_hold(
    client: AsyncTestClient[Litestar], body: dict[str, int], name: str | None
) -> None:
    response = await client.post("/typed-lines", json=body)
    if name is None:
        assert response.status_code == 201, response.text
    else:
        _refused(response, name)


@pytest.mark.parametrize("path", ["/stored-lines", "/raw-lines"])
async def test_a_number_the_column_cannot_hold_is_422_and_nothing_is_stored(
    client: AsyncTestClient[Litestar], database_url: str, path: str
) -> None:
    response = await client.post(path, json={"sku": "a", "quantity": 2**40})
    assert "out of range" in _refused(response, "request")
    assert await _stored(database_url) == 0


@pytest.mark.parametrize("path", ["/stored-lines", "/raw-lines"])
async def test_a_text_longer_than_its_column_is_422_and_nothing_is_stored(
    client: AsyncTestClient[Litestar], database_url: str, path: str
) -> None:
    response = await client.post(path, json={"sku": "much-too-long", "quantity": 1})
    assert "longer" in _refused(response, "request")
    assert await _stored(database_url) == 0
    stored = await client.post(path, json={"sku": "short", "quantity": 1})
    assert stored.status_code == 201, stored.text
    assert await _stored(database_url) == 1
