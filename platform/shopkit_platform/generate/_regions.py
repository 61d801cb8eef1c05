"""Generated regions inside hand-written files.

A region is the lines between two marker comments, which the hand-written file places where
the generated lines belong (their indentation is the region's):

    # BEGIN GENERATED <name> by `make generate` from platform/services.toml: do not edit
    ...
    # END GENERATED <name>

Markdown uses `<!-- ... -->` for the same words. Everything outside the markers is left as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["GenerateError", "marker", "replace"]


class GenerateError(RuntimeError):
    """A file cannot be generated (a marker is missing, a fact is missing); says which."""


def marker(name: str, *, markdown: bool = False, end: bool = False) -> str:
    """The text of a region's begin or end marker (without indentation)."""
    words = (
        f"END GENERATED {name}"
        if end
        else f"BEGIN GENERATED {name} by `make generate` from platform/services.toml: do not edit"
    )
    return f"<!-- {words} -->" if markdown else f"# {words}"


def replace(text: str, name: str, body: str, path: Path) -> str:
    """`text` with the lines between region `name`'s markers replaced by `body`."""
    begin = re.search(rf"^[ \t]*(#|<!--) BEGIN GENERATED {re.escape(name)} .*\n", text, re.M)
    end = re.search(rf"^[ \t]*(#|<!--) END GENERATED {re.escape(name)}\b.*$", text, re.M)
    if begin is None or end is None or end.start() < begin.end():
        raise GenerateError(
            f"{path}: the markers of the generated region {name!r} are missing or out of order "
            f"(`{marker(name)}` ... `{marker(name, end=True)}`)"
        )
    return text[: begin.end()] + body + text[end.start() :]
