"""The reads profile's fallback when wrk is not installed: a small asyncio prober run as its
own process (`python -m bench._prober config.json`), printing wrk's figures as JSON.

Plain HTTP/1.1 keep-alive over asyncio streams (no client library: httpx spends more CPU per
request than most handlers here). It is still far slower than wrk, so its absolute req/s
understate every endpoint; the ratios to the bare handler, probed the same way in the same run,
are what it is good for.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, keep the connection) after reading one whole response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection", "").lower() != "close"


async def probe(config: dict[str, Any]) -> dict[str, Any]:
    """One URL for config["seconds"] with config["connections"] concurrent connections."""
    url = urlsplit(config["url"])
    target = url.path + (f"?{url.query}" if url.query else "")
    host, port = url.hostname or "127.0.0.1", url.port or 80
    latencies: list[float] = []
    errors = 0
    end = time.monotonic() + config["seconds"]

    def request() -> bytes:
        headers = {"Host": f"{host}:{port}", **config["headers"]}
        if config["rotate_xff"]:
            headers["X-Forwarded-For"] = f"10.77.{random.randrange(256)}.{random.randrange(1, 255)}"
        lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return f"GET {target} HTTP/1.1\r\n{lines}\r\n".encode("latin-1")

    async def connection() -> None:
        nonlocal errors
        reader = writer = None
        while time.monotonic() < end:
            started = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                assert reader is not None
                writer.write(request())
                status, keep = await asyncio.wait_for(_read_response(reader), 10)
                errors += status >= 400
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                errors, keep = errors + 1, False
            latencies.append((time.perf_counter() - started) * 1000)
            if not keep and writer is not None:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    started = time.monotonic()
    await asyncio.gather(*(connection() for _ in range(config["connections"])))
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] if latencies else 0

    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "errors": errors,
            "p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99)}  # fmt: skip


async def probe_all(config: dict[str, Any]) -> dict[str, Any]:
    common = {"seconds": config["seconds"], "connections": config["connections"]}
    return {p["name"]: await probe({**common, **p}) for p in config["probes"]}


if __name__ == "__main__":
    result = asyncio.run(probe_all(json.loads(Path(sys.argv[1]).read_text())))
    print(json.dumps(result))
