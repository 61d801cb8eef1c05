from __future__ import annotations

from typing import Annotated

import msgspec

from notification_service.domain.preferences._rules import E164

Phone = Annotated[
    str, msgspec.Meta(pattern=E164, description="E.164, e.g. +4915123456789", max_length=16)
]


class Preferences(msgspec.Struct, kw_only=True):
    """The caller's channels. Transactional email ignores `email` (see the README)."""

    email: bool
    sms: bool
    phone: str | None


class PreferencesUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`phone` left out keeps the stored number; `null` removes it (and needs `sms: false`)."""

    email: bool
    sms: bool
    phone: Phone | msgspec.UnsetType | None = msgspec.UNSET
