"""`Server-Timing: app;dur=<ms>` on every response: the time until the response started, which
the browser's dev tools show and `platform/bench/storefront_pages.py` checks (< 200 ms)."""

from __future__ import annotations

import time

from litestar.types import ASGIApp, Message, Receive, Scope, Send


def server_timing_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_timing(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = (time.perf_counter() - started) * 1000
                headers = list(message.get("headers", []))
                headers.append((b"server-timing", f"app;dur={elapsed:.1f}".encode()))
                message["headers"] = headers
            await send(message)

        await app(scope, receive, send_with_timing)

    return middleware
