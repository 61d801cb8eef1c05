"""Who may call this service's routes: signed-in customers and admins, each for their own data."""

from __future__ import annotations

from shopkit.auth import ROLE_ADMIN, ROLE_CUSTOMER, requires_role

requires_user = requires_role(ROLE_CUSTOMER, ROLE_ADMIN)
