"""One progress line per step, the same look in every command."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def warn(message: str) -> None:
    print(f"!!  {message}", file=sys.stderr, flush=True)


class StepFailed(Exception):
    """A set-up step that cannot go on; its message says what to do."""


@contextmanager
def step(title: str) -> Iterator[list[str]]:
    """Print `title ... result (time)`; the body appends a short result note to the list."""
    started = time.monotonic()
    print(f"==> {title} ...", end="", flush=True)
    notes: list[str] = []
    try:
        yield notes
    except BaseException:
        print(f" failed ({time.monotonic() - started:.1f}s)", flush=True)
        raise
    note = ", ".join(notes) if notes else "ok"
    print(f" {note} ({time.monotonic() - started:.1f}s)", flush=True)


def tail(path: object, lines: int = 30) -> str:
    """The last lines of a log file, for error messages."""
    from pathlib import Path

    p = Path(str(path))
    if not p.exists():
        return f"(no log at {p})"
    text = p.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])
