"""What the storefront's consumer pacts share: the matchers for the shapes it reads, a mock
server that must see every interaction before its pact is written, and a real `Shop` (session,
`ShopApi`, `Gateway`) pointed at that mock server.

Each pact pins only what the storefront's code and templates read, with matchers, so the
provider's demo data can change freely; the request shapes are exactly what the storefront
sends (Pact refuses unexpected query parameters).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar import Request
from litestar.datastructures import State
from pact import Pact, match
from shopkit.testing import find_pact_dir
from storefront.config import GatewaySettings, load_settings
from storefront.gateway import Gateway
from storefront.pages import Shop
from storefront.reference import ReferenceData

CONSUMER = "storefront"

UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
CURRENCY_RE = r"^[A-Z]{3}$"


def uuid_like(example: str) -> Any:
    return match.regex(example, regex=UUID_RE)


def money(amount: int, currency: str) -> dict[str, Any]:
    """A price in the currency the storefront asked for: integer minor units, that currency."""
    return {"amount": match.integer(amount), "currency": currency}


def new_pact(provider: str) -> Pact:
    return Pact(CONSUMER, provider).with_specification("V4")


@contextmanager
def recorded(pact: Pact) -> Iterator[str]:
    """The pact's mock server for as long as the block runs; leaving it fails unless every
    interaction was requested and nothing else was, and only then is the pact file written."""
    with pact.serve(addr="127.0.0.1") as server:
        yield str(server.url).rstrip("/")
    folder = find_pact_dir()
    assert folder is not None, "run from inside the repository (or set PACT_DIR)"
    pact.write_file(folder, overwrite=True)


def shop_at(gateway: Gateway, session: dict[str, Any] | None = None) -> Shop:
    """The `Shop` a page handler gets, for one shopper with `session`, calling `gateway`."""
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("storefront.test", 80),
        "root_path": "",
        "path": "/",
        "query_string": b"",
        "headers": [],
        "client": ("203.0.113.7", 50000),
        "session": dict(session or {}),
        "path_params": {},
        "state": {},
    }
    state = State({"settings": load_settings(), "gateway": gateway, "reference": ReferenceData()})
    return Shop(Request(scope), state)  # type: ignore[arg-type]


def gateway_at(url: str) -> Gateway:
    return Gateway(GatewaySettings(url=url))
