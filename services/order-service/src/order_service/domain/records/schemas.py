from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
Description = Annotated[str, msgspec.Meta(max_length=2000)]


class Record(msgspec.Struct):
    id: UUID
    name: str
    description: str
    created_at: datetime
    updated_at: datetime


class RecordCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    description: Description = ""


class RecordUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
