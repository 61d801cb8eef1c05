"""What callers send and get for accounts and addresses (snake_case JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

Email = Annotated[
    str, msgspec.Meta(min_length=3, max_length=320, pattern=r"^\s*[^@\s]+@[^@\s]+\s*$")
]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
PersonName = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
Line = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
City = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
PostalCode = Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
CountryCode = Annotated[
    str, msgspec.Meta(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2, e.g. DE")
]
Phone = Annotated[str, msgspec.Meta(min_length=3, max_length=32, pattern=r"^\+?[0-9 ()./-]+$")]


class User(msgspec.Struct):
    id: UUID
    email: str
    name: str
    roles: list[str]
    created_at: datetime


class UserCreate(msgspec.Struct, forbid_unknown_fields=True):
    """`POST /api/auth/register`: the email is normalised (trimmed, lower-case)."""

    email: Email
    password: Password
    name: PersonName


class UserUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """`PATCH /api/users/me`: only the display name; email and roles are not self-service."""

    name: PersonName | msgspec.UnsetType = msgspec.UNSET


class Address(msgspec.Struct):
    id: UUID
    label: str | None
    name: str
    line1: str
    line2: str | None
    city: str
    postal_code: str
    country: str
    phone: str | None
    created_at: datetime


class AddressCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: PersonName
    line1: Line
    city: City
    postal_code: PostalCode
    country: CountryCode
    label: Label | None = None
    line2: Line | None = None
    phone: Phone | None = None
