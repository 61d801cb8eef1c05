"""The input every service refuses before a handler runs, decided once for the whole shop.

`create_app` installs `guard_request` as the `before_request` hook. It answers 422
problem+json, naming the parameter or field, for:

- a NUL character in a path or query parameter (`%00`) or in a form field: PostgreSQL cannot
  store one in text, and no name, address or search term needs one;
- a JSON body that is not UTF-8, is not JSON, holds a NUL (`"\\u0000"`) in a string or a key,
  or holds an integer outside the signed 64-bit range (no column can store it);
- a JSON body that fits the handler's `data` type only after coercion (`"7"` or `7.0` for an
  int): a quantity or an amount is never guessed at.

The JSON body is checked whatever `Content-Type` the caller sent, since Litestar decodes a
handler's JSON `data` from any body. Scans that need a second decode run only when the raw
bytes could hold what they look for (`\\u0000`, a run of 19 digits), so ordinary requests pay
for one strict decode. What slips past (a value too long or too large for its column) is
caught when the database refuses it: see `shopkit.errors`.

Litestar keeps only the innermost layer's `before_request`: a controller or handler that sets
its own replaces this hook, so such a hook must `await guard_request(request)` first.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.params import BodyKwarg

from shopkit.schemas import INT64_MAX, INT64_MIN

__all__ = ["guard_request"]

_NUL = "\x00"
_ESCAPED_NUL = b"\\u0000"
_LONG_DIGITS = re.compile(rb"\d{19}")
_NO_BODY = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})


def _refuse(name: str, message: str, source: str) -> ValidationException:
    return ValidationException(
        detail="Validation failed", extra=[{"message": message, "key": name, "source": source}]
    )


def _nul_refused(name: str, source: str) -> ValidationException:
    return _refuse(name, "must not contain a NUL character", source)


def _check_path_and_query(request: Request[Any, Any, Any]) -> None:
    if _NUL in request.scope["path"]:
        for name, value in request.path_params.items():
            if isinstance(value, str) and _NUL in value:
                raise _nul_refused(name, "path")
        raise _nul_refused("path", "path")
    if b"%00" in request.scope["query_string"]:
        for key, value in request.query_params.multi_items():
            if _NUL in key or _NUL in value:
                raise _nul_refused(key.replace(_NUL, "\\u0000"), "query")


def _where(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _first_unstorable(value: Any, path: str = "") -> tuple[str, str] | None:
    """The first string with a NUL or integer beyond int64 in decoded JSON, with its path."""
    if isinstance(value, str):
        return (path or "body", "must not contain a NUL character") if _NUL in value else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if INT64_MIN <= value <= INT64_MAX:
            return None
        return path or "body", f"is out of range (from {INT64_MIN} to {INT64_MAX})"
    if isinstance(value, dict):
        for key, item in value.items():
            if _NUL in key:
                return _where(path, key.replace(_NUL, "\\u0000")), "names a field with a NUL"
            if found := _first_unstorable(item, _where(path, key)):
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if found := _first_unstorable(item, f"{path}[{index}]"):
                return found
    return None


def _check_json(body: bytes, annotation: Any) -> None:
    try:
        suspect = _ESCAPED_NUL in body or _LONG_DIGITS.search(body) is not None
        if suspect and (found := _first_unstorable(msgspec.json.decode(body))):
            raise _refuse(found[0], found[1], "body")
        msgspec.json.decode(body, type=annotation, strict=True)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$")
        raise _refuse(where.rstrip("`").lstrip(".") or "data", message, "body") from None
    except RecursionError:
        raise _refuse("body", "The body is nested too deeply.", "body") from None
    except UnicodeDecodeError:
        raise _refuse("body", "The body is not valid UTF-8.", "body") from None
    except msgspec.DecodeError:
        raise _refuse("body", "The body is not valid JSON.", "body") from None


def _check_form(body: bytes) -> None:
    if b"%00" not in body:
        return
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        if _NUL in key or _NUL in value:
            raise _nul_refused(key.replace(_NUL, "\\u0000"), "body")


async def guard_request(request: Request[Any, Any, Any]) -> None:
    """`before_request` hook: refuse what no handler should see (see the module docstring)."""
    _check_path_and_query(request)
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data is None or request.method in _NO_BODY:
        return
    kwarg = data.kwarg_definition
    encoding = kwarg.media_type if isinstance(kwarg, BodyKwarg) else RequestEncodingType.JSON
    if encoding == RequestEncodingType.MULTI_PART:
        return
    body = await request.body()
    if not body:
        return
    if encoding == RequestEncodingType.URL_ENCODED:
        _check_form(body)
    elif encoding != RequestEncodingType.MESSAGEPACK:
        _check_json(body, data.annotation)
