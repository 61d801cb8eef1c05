"""The admin's real gateway client (`admin.gateway.Gateway`) pointed at a Pact mock server.

Each test module builds the `pact` of one upstream (module scope); `api` is the client a page
gets for a logged-in admin, sending `ACCESS_TOKEN` as the bearer token.
"""

from __future__ import annotations

import os

os.environ.setdefault("PACT_DO_NOT_TRACK", "true")  # before pact is imported anywhere

from collections.abc import AsyncIterator, Iterator

import pytest
from admin_pacts import ACCESS_TOKEN
from pact import Pact
from shopkit.config import HttpSettings
from shopkit.testing import pact_mock_server

from admin.gateway import Api, Gateway


@pytest.fixture(scope="module")
def mock_url(pact: Pact) -> Iterator[str]:
    """One mock server per module, started once every interaction of its pact is declared."""
    with pact_mock_server(pact) as url:
        yield url


@pytest.fixture
async def gateway(mock_url: str) -> AsyncIterator[Gateway]:
    # No retries: a request the pact does not describe gets a 500 from the mock, which must
    # fail the test at once.
    gateway = Gateway(mock_url, HttpSettings(timeout_seconds=5.0, retries=0))
    try:
        yield gateway
    finally:
        await gateway.aclose()


@pytest.fixture
def api(gateway: Gateway) -> Api:
    return gateway.bind(token=ACCESS_TOKEN, forwarded_for="203.0.113.7")


@pytest.fixture
def anonymous(gateway: Gateway) -> Api:
    """The client of the login form: no token yet."""
    return gateway.bind(forwarded_for="203.0.113.7")
