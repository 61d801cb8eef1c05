"""What the admin's pacts share: the participants, the shapes of ids, timestamps, money and the
bearer token, and the one way each pact file is written.

Each upstream gets one `Pact` object (one file, `contracts/pacts/admin-<provider>.json`,
replaced whole by `overwrite=True`). Ids are pinned by regex and amounts and counts by type, so
a contract says what the admin reads, not which demo row a provider happens to return.

Authorization: the admin sends the logged-in admin's access token on every call, so the
requests of admin-only routes pin `Authorization: Bearer ...` by regex; a provider replays them
with a token of its own test issuer (`provider_states.request_headers`).
"""

from __future__ import annotations

from typing import Any

from pact import Pact, match
from shopkit.testing import find_pact_dir

CONSUMER = "admin"

UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# What Litestar writes for a datetime (msgspec): ISO 8601 with a zone; the admin parses it with
# `datetime.fromisoformat` after turning a trailing Z into +00:00.
TIMESTAMP_RE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
ACCESS_TOKEN = "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl"
BEARER = match.regex(f"Bearer {ACCESS_TOKEN}", regex=r"^Bearer \S+$")
PROBLEM_JSON = "application/problem+json"


def uuid(example: str) -> Any:
    return match.regex(example, regex=UUID_RE)


def timestamp(example: str = "2026-12-02T09:30:00.123456Z") -> Any:
    return match.regex(example, regex=TIMESTAMP_RE)


def currency(example: str = "EUR") -> Any:
    return match.regex(example, regex=r"^[A-Z]{3}$")


def money(amount: int, code: str = "EUR") -> dict[str, Any]:
    """`{"amount": <integer minor units>, "currency": "EUR"}`: never a float."""
    return {"amount": match.integer(amount), "currency": currency(code)}


def problem(status: int) -> dict[str, Any]:
    """The problem+json fields the admin turns into a readable sentence (`ApiError.message`)."""
    return {"status": status, "title": match.str("Conflict"), "detail": match.str("Why not.")}


def admin_pact(provider: str) -> Pact:
    return Pact(CONSUMER, provider).with_specification("V4")


def write(pact: Pact) -> None:
    folder = find_pact_dir()
    assert folder is not None, "run from inside the repository (or set PACT_DIR)"
    pact.write_file(folder, overwrite=True)
