"""The reads profile's fallback when wrk is not installed: a small asyncio + httpx prober run
as its own process (`python -m bench._prober config.json`), printing wrk's figures as JSON.

It is far slower than wrk (Python spends more CPU per request than most handlers here), so its
absolute req/s understate every endpoint; the ratios to the bare handler, probed the same way
in the same run, are what it is good for.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import httpx


async def probe(config: dict[str, Any]) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    end = time.monotonic() + config["seconds"]
    limits = httpx.Limits(max_connections=config["connections"])

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.monotonic() < end:
            headers = dict(config["headers"])
            if config["rotate_xff"]:
                headers["X-Forwarded-For"] = (
                    f"10.77.{random.randrange(256)}.{random.randrange(1, 255)}"
                )
            started = time.perf_counter()
            try:
                reply = await client.get(config["url"], headers=headers)
                if reply.status_code >= 400:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.monotonic()
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        await asyncio.gather(*(worker(client) for _ in range(config["connections"])))
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] if latencies else 0

    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "errors": errors,
            "p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99)}  # fmt: skip


if __name__ == "__main__":
    result = asyncio.run(probe(json.loads(Path(sys.argv[1]).read_text())))
    print(json.dumps(result))
