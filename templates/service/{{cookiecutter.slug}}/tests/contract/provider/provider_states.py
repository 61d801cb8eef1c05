"""What this service's consumers may ask of it in their pacts.

- `STATES`: provider state name -> `setup(settings)` returning the function Pact calls (with the
  state's parameters) to put the real database in that state before an HTTP interaction.
- `MESSAGES`: message description -> `build(settings)` returning the function Pact calls to get
  the message, produced by the same code the service publishes with (never a hand-made dict).
- `request_headers(token_factory)`: headers added to every replayed HTTP request; a consumer's
  pact shows the shape of its bearer token, this supplies one the app under test accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from {{ cookiecutter.package }}.config import Settings

StateSetup = Callable[[Settings], Callable[..., None]]
MessageBuilder = Callable[[Settings], Callable[..., Any]]

STATES: dict[str, StateSetup] = {}
MESSAGES: dict[str, MessageBuilder] = {}


def request_headers(consumer: str, token_factory: Callable[..., str]) -> dict[str, str]:
    """None needed yet; e.g. `{"Authorization": f"Bearer {token_factory(roles=("customer",))}"}`."""
    del consumer  # every consumer's requests carry the same headers
    del token_factory
    return {}
