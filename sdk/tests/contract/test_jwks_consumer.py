"""Consumer pact: the SDK's real `JWKSClient` against user-service's JWKS endpoint.

What every service relies on when it verifies a token: user-service publishes RSA signing keys
as JWKs with `kty`, `kid`, `alg`, `use`, `n` and `e`. The pact is written to the repository's
`contracts/pacts/shopkit-sdk-user-service.json`; user-service verifies it in its own test run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pact import Pact, match
from shopkit.auth import JWKSClient

os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

pytestmark = pytest.mark.contract

PACT_DIR = Path(__file__).resolve().parents[3] / "contracts" / "pacts"
JWKS_PATH = "/api/auth/.well-known/jwks.json"

# A real RSA public key (its private half was thrown away), so the client can parse the example.
EXAMPLE_KEY = {
    "kty": "RSA",
    "kid": "example-key-1",
    "alg": "RS256",
    "use": "sig",
    "e": "AQAB",
    "n": (
        "vF0DUAfGxH3PGKtUR3V__0JpJ9Y5DLuIM6Y9drwgm9Ft1cleqhdD1OpoTuKLbG5bEcchK0Eppj6UdXiF7Fxsq9i-"
        "CqOvBP3L6UTaOD56gxvS4E5thUA2qyYszehd5TMKgITQClYSVvcZWUZSUUfPi01HSPly7A1NV7SZ2Wd2ax5XQv--"
        "g4l4sxmI2SvTj8ombL06yLBXmJu3WKlQat1oydGZaV_E3RfntFG3U-zScXEYn5dwUY_TNlFON9mwYO9WH_4XWPKH0"
        "atb2sRCEfklA7WOULhFUgO3s-IlhRKIJD_iK8F41Nfjk8w3ooly5WXcxga-n3eADL36nisrAmr6-Q"
    ),
}


@pytest.fixture
def pact() -> Pact:
    return Pact("shopkit-sdk", "user-service").with_specification("V4")


async def test_the_jwks_client_reads_the_signing_keys(pact: Pact) -> None:
    (
        pact.upon_receiving("a request for the JSON Web Key Set")
        .given("a signing key exists")
        .with_request("GET", JWKS_PATH)
        .will_respond_with(200)
        .with_header("Content-Type", "application/json")
        .with_body(
            {
                "keys": match.each_like(
                    {
                        "kty": match.regex(EXAMPLE_KEY["kty"], regex=r"^RSA$"),
                        "kid": match.string(EXAMPLE_KEY["kid"]),
                        "alg": match.regex(EXAMPLE_KEY["alg"], regex=r"^RS256$"),
                        "use": match.regex(EXAMPLE_KEY["use"], regex=r"^sig$"),
                        "n": match.regex(EXAMPLE_KEY["n"], regex=r"^[A-Za-z0-9_-]+$"),
                        "e": match.regex(EXAMPLE_KEY["e"], regex=r"^[A-Za-z0-9_-]+$"),
                    },
                    min=1,
                )
            }
        )
    )

    with pact.serve(addr="127.0.0.1") as server:
        async with JWKSClient(f"{str(server.url).rstrip('/')}{JWKS_PATH}") as jwks:
            key = await jwks.get_signing_key(EXAMPLE_KEY["kid"])
            assert key.algorithm_name == "RS256"
            assert jwks.key_ids == {EXAMPLE_KEY["kid"]}
            assert jwks.fetch_count == 1

    pact.write_file(PACT_DIR, overwrite=True)
