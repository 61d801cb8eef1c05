"""Who is calling: what a verified access token says, and nothing that was not verified."""

from __future__ import annotations

from typing import Final

import msgspec

__all__ = ["ROLE_ADMIN", "ROLE_CUSTOMER", "ROLE_SERVICE", "Principal"]

ROLE_CUSTOMER: Final = "customer"
ROLE_ADMIN: Final = "admin"
ROLE_SERVICE: Final = "service"


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The caller behind a verified token; `subject` is the user id (or `service:<name>`).

    Frozen so that no handler can grant itself a role after verification.
    """

    subject: str
    roles: frozenset[str] = frozenset()
    email: str | None = None
    token_id: str | None = None
    expires_at: int | None = None
    scopes: frozenset[str] = frozenset()
    """What a service token allows (the OAuth2 `scope` claim); empty for people's tokens."""

    def has_role(self, *roles: str) -> bool:
        """True when the caller holds any of `roles`; no role implies another."""
        return not self.roles.isdisjoint(roles)

    @property
    def is_service(self) -> bool:
        return ROLE_SERVICE in self.roles

    def has_scope(self, *scopes: str) -> bool:
        """True when the caller is a service holding any of `scopes`."""
        return self.is_service and not self.scopes.isdisjoint(scopes)
