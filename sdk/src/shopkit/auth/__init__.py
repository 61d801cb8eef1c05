"""Access tokens: verified against the user service's JWKS, read as a `Principal`, role-guarded.

Typical wiring in a service's `app.py`::

    jwks = JWKSClient(settings.jwks_url, settings.jwks_cache_seconds)
    verifier = TokenVerifier(jwks, settings.issuer, settings.audience, settings.leeway_seconds)
    app = Litestar(..., middleware=[auth_middleware(verifier)], on_shutdown=[jwks.aclose])

and on routes `guards=[requires_admin]`, or a `principal: CurrentPrincipal` parameter (an app
wired by `shopkit.app.ShopkitPlugin` provides `principal`; declaring it again is refused by
Litestar; elsewhere `dependencies={"principal": Provide(provide_principal)}`).
"""

from __future__ import annotations

from shopkit.auth._guards import (
    CurrentPrincipal,
    current_principal,
    optional_principal,
    provide_principal,
    requires_admin,
    requires_authenticated,
    requires_role,
    requires_scope,
)
from shopkit.auth._issuer import (
    ACCESS_TOKEN_TYPE,
    PrivateKey,
    SigningAlgorithm,
    SigningKey,
    TokenIssuer,
    generate_signing_key,
)
from shopkit.auth._jwks import (
    ASYMMETRIC_ALGORITHMS,
    JWKSClient,
    KeySetUnavailableError,
    UnknownKeyError,
)
from shopkit.auth._middleware import JWTAuthenticationMiddleware, auth_middleware
from shopkit.auth._principal import ROLE_ADMIN, ROLE_CUSTOMER, ROLE_SERVICE, Principal
from shopkit.auth._service import (
    ServiceTokenProvider,
    ServiceTokenUnavailableError,
    client_credentials_provider,
    dev_client_secret,
)
from shopkit.auth._verifier import KeySource, TokenVerifier
from shopkit.config import AuthSettings

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "ASYMMETRIC_ALGORITHMS",
    "ROLE_ADMIN",
    "ROLE_CUSTOMER",
    "ROLE_SERVICE",
    "CurrentPrincipal",
    "JWKSClient",
    "JWTAuthenticationMiddleware",
    "KeySetUnavailableError",
    "KeySource",
    "Principal",
    "PrivateKey",
    "ServiceTokenProvider",
    "ServiceTokenUnavailableError",
    "SigningAlgorithm",
    "SigningKey",
    "TokenIssuer",
    "TokenVerifier",
    "UnknownKeyError",
    "auth_middleware",
    "client_credentials_provider",
    "current_principal",
    "dev_client_secret",
    "generate_signing_key",
    "optional_principal",
    "provide_principal",
    "requires_admin",
    "requires_authenticated",
    "requires_role",
    "requires_scope",
    "verifier_from_settings",
]


def verifier_from_settings(settings: AuthSettings) -> TokenVerifier:
    """The verifier built from `AUTH_*` settings; close `verifier.jwks` on shutdown."""
    jwks = JWKSClient(settings.jwks_url, settings.jwks_cache_seconds)
    return TokenVerifier(jwks, settings.issuer, settings.audience, settings.leeway_seconds)
