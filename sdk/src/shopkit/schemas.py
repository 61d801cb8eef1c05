"""Helpers for the `X` / `XCreate` / `XUpdate` msgspec schemas every service declares."""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["set_fields"]


def set_fields(update: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body actually carried (those left `msgspec.UNSET` are not changes)."""
    return {
        name: value
        for name, value in msgspec.structs.asdict(update).items()
        if value is not msgspec.UNSET
    }
