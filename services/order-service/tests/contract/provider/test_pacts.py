"""Every pact a consumer wrote against order-service is replayed against the real app:
HTTP interactions against the app served over HTTP (with `provider_states.request_headers`,
e.g. a token it accepts), message interactions against the real event builders
(`provider_states.MESSAGES`), provider states set up by `provider_states.STATES`."""

from __future__ import annotations

import pytest

# A plain module beside this file (pytest puts this folder on the path).
from provider_states import MESSAGES, STATES, request_headers
from shopkit.auth import ServiceTokenProvider
from shopkit.testing import TokenFactory, pact_files_for, serve_app, verify_pacts

from order_service.app import create_app
from order_service.config import SLUG, Settings

pytestmark = pytest.mark.contract

PACTS = pact_files_for(SLUG)


@pytest.mark.skipif(not PACTS, reason="no consumer has a pact with order-service yet")
def test_every_consumer_pact_is_honoured(
    settings: Settings, token_factory: TokenFactory, service_tokens: ServiceTokenProvider
) -> None:
    with serve_app(create_app(settings, service_tokens=service_tokens)) as base_url:
        verify_pacts(
            SLUG,
            PACTS,
            base_url=base_url,
            states={name: setup(settings) for name, setup in STATES.items()},
            messages={name: build(settings) for name, build in MESSAGES.items()},
            headers=request_headers(token_factory),
        )
