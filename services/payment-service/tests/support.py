"""Plain helpers the tests share (a module beside conftest.py, which pytest puts on the path)."""

from __future__ import annotations

from dataclasses import dataclass

WEBHOOK_SECRET = "whsec_shopkit_test_secret"


@dataclass(frozen=True)
class Customer:
    """A signed-in customer: their id (the token's subject) and the headers they send."""

    id: str
    headers: dict[str, str]
