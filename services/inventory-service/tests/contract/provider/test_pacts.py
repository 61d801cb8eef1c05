"""Every pact a consumer wrote against inventory-service is replayed against the real
app, one pact at a time: HTTP interactions against the app served over HTTP, with the headers
that consumer really sends (`provider_states.request_headers(consumer, ...)`, e.g. its kind of
token), message interactions against the real event builders (`provider_states.MESSAGES`),
provider states set up by `provider_states.STATES`."""

from __future__ import annotations

from pathlib import Path

import pytest

# A plain module beside this file (pytest puts this folder on the path).
from provider_states import MESSAGES, STATES, request_headers
from shopkit.testing import TokenFactory, pact_files_for, serve_app, verify_pacts

from inventory_service.app import create_app
from inventory_service.config import SLUG, Settings

pytestmark = pytest.mark.contract

PACTS = pact_files_for(SLUG)


@pytest.mark.skipif(not PACTS, reason="no consumer has a pact with inventory-service yet")
@pytest.mark.parametrize("pact", PACTS, ids=[path.stem for path in PACTS])
def test_every_consumer_pact_is_honoured(
    settings: Settings, token_factory: TokenFactory, pact: Path
) -> None:
    consumer = pact.stem.removesuffix(f"-{SLUG}")  # pact files are <consumer>-<provider>.json
    with serve_app(create_app(settings)) as base_url:
        verify_pacts(
            SLUG,
            [pact],
            base_url=base_url,
            states={name: setup(settings) for name, setup in STATES.items()},
            messages={name: build(settings) for name, build in MESSAGES.items()},
            headers=request_headers(consumer, token_factory),
        )
