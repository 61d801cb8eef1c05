"""Pact on both sides. Consumers: `message_pact` writes a message pact of event envelopes
(`event_envelope`). Providers: every pact naming a service is replayed against the real app,
served over real HTTP, with provider states set up through the service's own code."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "event_envelope",
    "find_pact_dir",
    "free_port",
    "message_pact",
    "pact_files_for",
    "pact_mock_server",
    "serve_app",
    "verify_pacts",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def find_pact_dir(start: Path | None = None) -> Path | None:
    """`PACT_DIR`, else the nearest `contracts/pacts` above `start` (the monorepo's)."""
    if env := os.environ.get("PACT_DIR"):
        return Path(env)
    for folder in [(start or Path.cwd()).resolve(), *(start or Path.cwd()).resolve().parents]:
        candidate = folder / "contracts" / "pacts"
        if candidate.is_dir():
            return candidate
    return None


def event_envelope(event_type: str, producer: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A message pact's body: the envelope fields every inbox relies on (the id deduplicates,
    the type routes) around the `payload` matchers the consumer reads."""
    from pact import match

    return {
        "id": match.str("0193a5b2-7c1d-7e4f-9a10-5b6c7d8e9f01"),
        "type": event_type,
        "version": 1,
        "occurred_at": match.str("2026-11-25T10:00:00.000000Z"),
        "producer": match.str(producer),
        "payload": payload,
    }


@contextmanager
def message_pact(
    consumer: str, producer: str, messages: Iterable[tuple[str, str, dict[str, Any]]]
) -> Iterator[Any]:
    """A V4 pact of `(description, event type, payload)` messages from `producer`, written to
    the repository's pact folder (`find_pact_dir`) once the block ends; for a module fixture:
    `with message_pact("payment-service", "order-service", MESSAGES) as pact: yield pact`."""
    from pact import Pact

    pact = Pact(consumer, producer).with_specification("V4")
    for description, event_type, payload in messages:
        pact.upon_receiving(description, "Async").with_body(
            event_envelope(event_type, producer, payload), "application/json"
        )
    yield pact
    folder = find_pact_dir()
    if folder is None:
        raise RuntimeError("no contracts/pacts folder above here: run inside the repository")
    pact.write_file(folder, overwrite=True)


def pact_files_for(provider: str, pact_dir: Path | None = None) -> list[Path]:
    """Every pact file whose provider is `provider`."""
    folder = pact_dir or find_pact_dir()
    if folder is None or not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.glob("*.json")
        if json.loads(path.read_text(encoding="utf-8")).get("provider", {}).get("name") == provider
    )


@contextmanager
def pact_mock_server(pact: Any) -> Iterator[str]:
    """`pact.serve()` for a pact that also holds message interactions; yields its base URL.

    pact-python 4.2 (pact_ffi 0.5) panics in the mock server's "all matched" exit check when
    the pact also holds message interactions, and refuses new interactions once a mock server
    has run, so one Pact object per consumer/provider pair cannot use `with pact.serve()`.
    Nothing is lost: the mock answers a request the pact does not describe with a 500, which
    the consumer's client turns into an error, and the test asserts on what it received.
    """
    import gc

    server = pact.serve(addr="127.0.0.1", raises=False)
    server.__enter__()
    try:
        yield str(server.url).rstrip("/")
    finally:
        del server
        gc.collect()  # the server handle stops the mock server when it is collected


@contextmanager
def serve_app(app: Any, *, startup_timeout: float = 15.0) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free local port for as long as the block runs."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="pact-provider", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app under verification did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def verify_pacts(
    provider: str,
    pact_files: list[Path],
    *,
    base_url: str | None = None,
    states: Mapping[str, Callable[..., None]] | None = None,
    messages: Mapping[str, Callable[..., Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Replay each pact against the provider; raises with Pact's report when one fails.

    `headers` are added to every replayed request: a consumer's pact shows the shape of its
    bearer token, the provider's test supplies one its app accepts.
    """
    from pact import Verifier

    verifier = Verifier(provider, host="127.0.0.1")
    if base_url is not None:
        verifier.add_transport(url=base_url)
    if headers:
        verifier.add_custom_headers(dict(headers))
    if messages:
        verifier.message_handler(dict(messages))
    if states:

        def no_state(**_: Any) -> None:
            return None

        verifier.state_handler({"": no_state, **states}, teardown=False)
    for path in pact_files:
        verifier.add_source(path)
    verifier.verify()
