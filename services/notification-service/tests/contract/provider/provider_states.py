"""What this service's consumers may ask of it in their pacts.

- `STATES`: provider state name -> `setup(settings)` returning the function Pact calls (with the
  state's parameters) to put the real database in that state before an HTTP interaction.
- `MESSAGES`: message description -> `build(settings)` returning the function Pact calls to get
  the message, produced by the same code the service publishes with (never a hand-made dict).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from notification_service.config import Settings

StateSetup = Callable[[Settings], Callable[..., None]]
MessageBuilder = Callable[[Settings], Callable[..., Any]]

STATES: dict[str, StateSetup] = {}
MESSAGES: dict[str, MessageBuilder] = {}


def request_headers(consumer: str, token_factory: Callable[..., str]) -> dict[str, str]:
    """No HTTP interaction of this service needs a caller's token yet."""
    del consumer  # every consumer's requests carry the same headers
    del token_factory
    return {}
