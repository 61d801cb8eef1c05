"""Consumer pact: the SDK's real clients against user-service.

What every service relies on when it verifies a token: user-service publishes RSA signing keys
as JWKs with `kty`, `kid`, `alg`, `use`, `n` and `e`. What a service relies on when it calls
another for work no user asked for: user-service answers the OAuth2 client-credentials grant
with a bearer token. Both interactions are in one test (one Pact object, so one file:
`contracts/pacts/shopkit-sdk-user-service.json`); user-service verifies it in its own test run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pact import Pact, match
from shopkit.auth import JWKSClient, client_credentials_provider, dev_client_secret
from shopkit.config import ServiceClientSettings
from shopkit.http import ServiceUnavailable

os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

pytestmark = pytest.mark.contract

PACT_DIR = Path(__file__).resolve().parents[3] / "contracts" / "pacts"
JWKS_PATH = "/api/auth/.well-known/jwks.json"
TOKEN_PATH = "/api/auth/token"
CLIENT = "order-service"
# A well-formed token (the client reads only `exp` to schedule its refresh; services verify it).
EXAMPLE_SERVICE_TOKEN = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImV4YW1wbGUta2V5LTEiLCJ0eXAiOiJKV1QifQ."
    "eyJzdWIiOiJzZXJ2aWNlOm9yZGVyLXNlcnZpY2UiLCJyb2xlcyI6WyJzZXJ2aWNlIl0sInNjb3BlIjoicGF5bWVudHM6"
    "Y3JlYXRlIiwiZXhwIjo0MTAyNDQ0ODAwLCJ0eXAiOiJhY2Nlc3MifQ.c2lnbmF0dXJl"
)

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


async def test_the_sdk_reads_signing_keys_and_gets_service_tokens(pact: Pact) -> None:
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

    form = (
        f"grant_type=client_credentials&client_id={CLIENT}"
        f"&client_secret={dev_client_secret(CLIENT)}&scope=payments%3Acreate"
    )
    (
        pact.upon_receiving("a client-credentials grant from a registered service")
        .given("the service client order-service is registered", scope="payments:create")
        .with_request("POST", TOKEN_PATH)
        .with_header("Content-Type", "application/x-www-form-urlencoded")
        .with_body(form, content_type="application/x-www-form-urlencoded")
        .will_respond_with(200)
        .with_header("Content-Type", "application/json")
        .with_body(
            {
                "access_token": match.regex(
                    EXAMPLE_SERVICE_TOKEN, regex=r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
                ),
                "token_type": match.regex("Bearer", regex=r"^Bearer$"),
                "expires_in": match.integer(300),
                "scope": match.string("payments:create"),
            }
        )
    )

    (
        pact.upon_receiving("a client-credentials grant with a wrong secret")
        .given("the service client order-service is registered", scope="payments:create")
        .with_request("POST", TOKEN_PATH)
        .with_header("Content-Type", "application/x-www-form-urlencoded")
        .with_body(
            f"grant_type=client_credentials&client_id={CLIENT}"
            "&client_secret=not-the-secret&scope=payments%3Acreate",
            content_type="application/x-www-form-urlencoded",
        )
        .will_respond_with(401)
        .with_header("Content-Type", "application/problem+json")
        .with_body({"status": 401, "title": match.string("Unauthorized")})
    )

    with pact.serve(addr="127.0.0.1") as server:
        base = str(server.url).rstrip("/")
        async with JWKSClient(f"{base}{JWKS_PATH}") as jwks:
            key = await jwks.get_signing_key(EXAMPLE_KEY["kid"])
            assert key.algorithm_name == "RS256"
            assert jwks.key_ids == {EXAMPLE_KEY["kid"]}
            assert jwks.fetch_count == 1
        tokens = client_credentials_provider(
            ServiceClientSettings(token_url=f"{base}{TOKEN_PATH}"), CLIENT, ["payments:create"]
        )
        assert await tokens.headers() == {"Authorization": f"Bearer {EXAMPLE_SERVICE_TOKEN}"}
        assert await tokens.token() == EXAMPLE_SERVICE_TOKEN  # reused: one request only
        impostor = client_credentials_provider(
            ServiceClientSettings(token_url=f"{base}{TOKEN_PATH}", secret="not-the-secret"),
            CLIENT,
            ["payments:create"],
        )
        with pytest.raises(ServiceUnavailable) as refused:
            await impostor.token()
        assert refused.value.status_code == 503  # the caller's request may be retried

    pact.write_file(PACT_DIR, overwrite=True)
