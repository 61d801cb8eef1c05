"""The running shop as the bench sees it: is `make up` there, where each service listens, and
the handful of public-API calls every profile needs (admin token, customers, catalog, stock)."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import random
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from shopkit_platform._paths import ROOT, RUN, UP_STATE
from shopkit_platform.registry import load

from . import _db

GATEWAY = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080").rstrip("/")
ADMIN = ("admin@shopkit.local", "shopkit-admin-2026")  # make up's documented dev credential
PASSWORD = "correct-horse-battery-42"
ADDRESS = {
    "name": "Bench Buyer", "line1": "1 Load Street", "city": "Berlin",
    "postal_code": "10115", "country": "DE",
}  # fmt: skip


class ShopNotRunning(RuntimeError):
    """`make up` is not answering; the message says what to do."""


def bench_dir() -> Path:
    """Where reports and raw runs go (BENCH_DIR moves it, e.g. for the smoke test)."""
    return Path(os.environ.get("BENCH_DIR", RUN / "bench"))


def service_ports() -> dict[str, int]:
    """Each registered service's own port (127.0.0.1:<port>), from platform/services.toml."""
    return {s.slug: s.port for s in load() if not s.is_app}


def check_running() -> None:
    """Refuse to measure a shop that is not there: a clear message instead of a wall of errors."""
    try:
        reply = httpx.get(f"{GATEWAY}/api/products?limit=1", timeout=5)
    except httpx.HTTPError as error:
        raise ShopNotRunning(
            f"the shop does not answer at {GATEWAY} ({error.__class__.__name__}); "
            "start it with `make up` in another shell, then try again"
        ) from None
    if reply.status_code != 200:
        raise ShopNotRunning(
            f"{GATEWAY}/api/products answered {reply.status_code}; is `make up` healthy?"
        )
    if not UP_STATE.exists():
        raise ShopNotRunning(
            f"no {UP_STATE.relative_to(ROOT)}: the shop at {GATEWAY} was not started by `make up`,"
            " so its processes cannot be sampled"
        )


def commit() -> str:
    """The commit measured (with `+dirty` when the tree has changes), to label the run."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
            check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}+dirty" if dirty else head


def address(index: int) -> str:
    """A client address of its own for simulated shopper `index`: the gateway rate-limits per
    client IP and trusts X-Forwarded-For from the local machine."""
    return f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255 or 1}"


def admin_token() -> str:
    reply = httpx.post(
        f"{GATEWAY}/api/auth/login",
        json={"email": ADMIN[0], "password": ADMIN[1]},
        headers={"X-Forwarded-For": "10.255.255.1"},
        timeout=30,
    )
    reply.raise_for_status()
    return str(reply.json()["access_token"])


@dataclass
class Sku:
    sku: str
    product_id: str


def catalog_skus(limit: int = 100) -> list[Sku]:
    """The SKUs of products on sale (first `limit` products of the public catalog)."""
    reply = httpx.get(f"{GATEWAY}/api/products?limit={limit}", timeout=30)
    reply.raise_for_status()
    return [
        Sku(variant["sku"], item["id"])
        for item in reply.json()["items"]
        for variant in item["variants"]
    ]


def stock(sku: str) -> dict[str, int]:
    reply = httpx.get(f"{GATEWAY}/api/inventory/{sku}", timeout=30)
    reply.raise_for_status()
    return {k: int(v) for k, v in reply.json().items() if k != "sku"}


def set_available(token: str, sku: str, available: int) -> int:
    """Set a SKU so that exactly `available` units are free (admin API); returns the old
    on-hand count so the caller can put it back."""
    level = stock(sku)
    reply = httpx.put(
        f"{GATEWAY}/api/inventory/{sku}",
        json={"on_hand": level["reserved"] + available},
        headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "10.255.255.1"},
        timeout=30,
    )
    reply.raise_for_status()
    return level["on_hand"]


def top_up(token: str, skus: list[str], floor: int) -> int:
    """Make at least `floor` units of each SKU free (admin API), so stock cannot run out during
    a run; returns how many SKUs needed it. The demo stock stays topped up afterwards."""
    free = _db.available(skus)
    short = [sku for sku in skus if free.get(sku, 0) < floor]
    for sku in short:
        set_available(token, sku, floor)
    return len(short)


def restore_on_hand(token: str, sku: str, on_hand: int) -> None:
    level = stock(sku)
    httpx.put(
        f"{GATEWAY}/api/inventory/{sku}",
        json={"on_hand": max(on_hand, level["reserved"])},
        headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "10.255.255.1"},
        timeout=30,
    ).raise_for_status()


# --- customers --------------------------------------------------------------------------------
# Registering and logging in costs an argon2 hash each (0.2 s of CPU here), so the bench keeps
# its customers in .run/bench/customers.json (they stay registered in user-service) and reuses
# their access tokens while valid, or renews them with their refresh tokens (no argon2), logging
# in or registering only when that fails. All of it happens before the clock starts.

CUSTOMERS = RUN / "bench" / "customers.json"


async def _post(client: httpx.AsyncClient, path: str, body: Any, headers: Any) -> httpx.Response:
    """A POST that rides out a service being restarted (5xx or no answer) for ~20 s."""
    for attempt in range(10):
        try:
            reply = await client.post(path, json=body, headers=headers)
        except httpx.TransportError:
            if attempt == 9:
                raise
        else:
            if reply.status_code < 500 or attempt == 9:
                return reply
        await asyncio.sleep(2)
    raise AssertionError("unreachable")


async def _token(client: httpx.AsyncClient, entry: dict[str, Any], index: int) -> None:
    if entry.get("access_token") and entry.get("expires_at", 0) > time.time() + 600:
        return
    headers = {"X-Forwarded-For": address(200000 + index)}
    reply = None
    if entry.get("refresh_token"):
        reply = await _post(
            client, "/api/auth/refresh", {"refresh_token": entry["refresh_token"]}, headers
        )
    if reply is None or reply.status_code != 200:
        login = {"email": entry["email"], "password": PASSWORD}
        reply = await _post(client, "/api/auth/login", login, headers)
        if reply.status_code != 200:
            registered = await _post(
                client, "/api/auth/register", {**login, "name": "Bench Buyer"}, headers
            )
            if registered.status_code not in (201, 409):
                raise RuntimeError(f"registering {entry['email']}: {registered.status_code}")
            reply = await _post(client, "/api/auth/login", login, headers)
    reply.raise_for_status()
    body = reply.json()
    entry.update(access_token=body["access_token"], refresh_token=body["refresh_token"],
                 expires_at=time.time() + float(body.get("expires_in", 900)))  # fmt: skip


async def _customers(known: list[dict[str, Any]], save: Any) -> None:
    # argon2 is CPU-bound: more at once only queues at user-service
    gate = asyncio.Semaphore(int(os.environ.get("BENCH_LOGIN_CONCURRENCY", "4")))
    done = 0

    async def one(client: httpx.AsyncClient, index: int) -> None:
        nonlocal done
        async with gate:
            await _token(client, known[index], index)
            done += 1
            if done % 200 == 0:
                save()  # a long first registration keeps what it did if interrupted

    async with httpx.AsyncClient(base_url=GATEWAY, timeout=120) as client:
        await asyncio.gather(*(one(client, i) for i in range(len(known))))


def _load() -> list[dict[str, Any]]:
    try:
        known: list[dict[str, Any]] = json.loads(CUSTOMERS.read_text())
    except (OSError, ValueError):
        known = []
    return known


def _save(mine: list[dict[str, Any]]) -> None:
    """Merge into the file under a lock, atomically: two benches (two engineers) may renew the
    same customers at once; per customer the most recently issued tokens win."""
    CUSTOMERS.parent.mkdir(parents=True, exist_ok=True)
    with CUSTOMERS.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        merged = {entry["email"]: entry for entry in _load()}
        for entry in mine:
            theirs = merged.get(entry["email"])
            if theirs is None or entry.get("expires_at", 0) >= theirs.get("expires_at", 0):
                merged[entry["email"]] = entry
        partial = CUSTOMERS.with_suffix(".partial")
        partial.write_text(json.dumps(list(merged.values())))
        partial.replace(CUSTOMERS)


def customers(count: int) -> list[str]:
    """Access tokens of `count` registered, logged-in bench customers (the first run that needs
    many registers them once: about 0.4 s of the shop's CPU each)."""
    started = time.monotonic()
    known = _load()
    new = max(0, count - len(known))
    known += [{"email": f"bench-{uuid.uuid4().hex[:12]}@example.com"} for _ in range(new)]
    if new > 50:
        print(f"    registering {new} new bench customers once (argon2; kept in {CUSTOMERS})")
    try:
        asyncio.run(_customers(known[:count], lambda: _save(known)))
    finally:
        _save(known)
    elapsed = time.monotonic() - started
    print(f"    {count} customers logged in ({elapsed:.1f}s, before the clock)", flush=True)
    return [str(entry["access_token"]) for entry in known[:count]]


def pick(rng: random.Random, items: list[Any]) -> Any:
    return items[rng.randrange(len(items))]
