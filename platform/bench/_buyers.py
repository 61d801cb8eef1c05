"""The checkout and flash-sale load generator, run as its own process (`python -m
bench._buyers config.json`) so the sampler can tell its CPU from the shop's.

checkout: each customer buys in a loop: cart -> add a random SKU -> POST /api/orders -> pay with
pm_card_visa -> follow the order until confirmed or cancelled, as the storefront's order page
does (each ask waits for the order's next change: `Prefer: wait`). After the window
closes each customer finishes the order in hand, and starts no new one.

flash: every buyer (a customer of its own, with a connection of its own, as a browser has)
arrives at the same moment: cart -> add the sale SKU -> order -> pay -> follow; a step answered
429/503 with Retry-After is waited out and sent again (the cart built so far stays), until the
buyer's patience ends; each buyer's answer (confirmed, sold out, queued, error, timeout) and how
long it took are written out. A few light browsers read the catalog meanwhile.

Writes one CSV line per request (see `_stats`) and a JSON file of per-order outcomes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import resource
import ssl
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO

import httpx

ADDRESS = {
    "name": "Bench Buyer", "line1": "1 Load Street", "city": "Berlin",
    "postal_code": "10115", "country": "DE",
}  # fmt: skip
FINAL = {"confirmed", "cancelled", "refunded"}
# How long one ask waits for the order to change (order-service holds it at most 20 s).
WAIT_SECONDS = 10
_TLS = ssl.create_default_context()
OUTCOMES = {"confirmed": "confirmed", "cancelled": "sold out",
            "refunded": "sold out after paying (refunded)"}  # fmt: skip


class Failed(Exception):
    """A request that did not give what the flow needs; `kind` says how."""

    def __init__(
        self, endpoint: str, kind: str, status: int = 0, retry_after: float | None = None
    ) -> None:
        super().__init__(f"{endpoint}: {kind}")
        self.endpoint, self.kind, self.status, self.retry_after = (
            endpoint,
            kind,
            status,
            retry_after,
        )


class Api:
    def __init__(self, client: httpx.AsyncClient, out: TextIO) -> None:
        self.client, self.out = client, out

    @contextlib.asynccontextmanager
    async def own_client(self) -> AsyncIterator[Api]:
        """The same recorder over a client of its own, as a shopper's browser has: one httpx
        pool shared by thousands of shoppers queues them inside the load generator (its pool
        is searched linearly per request), which then, not the shop, sets the pace."""
        limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
        async with httpx.AsyncClient(
            base_url=self.client.base_url, limits=limits, timeout=self.client.timeout,
            verify=_TLS,  # one context for all: building one per client blocks for ~10 ms
        ) as client:  # fmt: skip
            yield Api(client, self.out)

    async def call(
        self, endpoint: str, method: str, path: str, *, token: str | None, ip: str,
        json_body: Any = None, headers: dict[str, str] | None = None, ok: tuple[int, ...] = (200,),
    ) -> Any:  # fmt: skip
        reply = await self.answer(
            endpoint, method, path, token=token, ip=ip, json_body=json_body, headers=headers, ok=ok
        )
        return reply.json() if reply.content else None

    async def answer(
        self, endpoint: str, method: str, path: str, *, token: str | None, ip: str,
        json_body: Any = None, headers: dict[str, str] | None = None, ok: tuple[int, ...] = (200,),
    ) -> httpx.Response:  # fmt: skip
        sent = {"X-Forwarded-For": ip, **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        started = time.time()
        clock = time.perf_counter()
        try:
            reply = await self.client.request(method, path, json=json_body, headers=sent)
        except httpx.TimeoutException:
            self._write(started, endpoint, clock, "timeout")
            raise Failed(endpoint, "timeout") from None
        except httpx.HTTPError as error:
            self._write(started, endpoint, clock, f"connect {error.__class__.__name__}")
            raise Failed(endpoint, "connect") from None
        if reply.status_code not in ok:
            self._write(started, endpoint, clock, f"http {reply.status_code}")
            after = reply.headers.get("Retry-After")
            retry = float(after) if after and after.replace(".", "", 1).isdigit() else None
            raise Failed(endpoint, f"http {reply.status_code}", reply.status_code, retry)
        self._write(started, endpoint, clock, "ok")
        return reply

    def _write(self, started: float, endpoint: str, clock: float, outcome: str) -> None:
        ms = (time.perf_counter() - clock) * 1000
        self.out.write(f"{started:.4f},{endpoint},{ms:.2f},{outcome}\n")


async def _settle(
    api: Api, token: str, ip: str, order_id: str, patience: float, etag: str | None = None
) -> str:
    """Follow the order as the storefront's order page does until it is final or patience
    ends: ask with the ETag it had when it was placed (`If-None-Match`, `Prefer: wait=N`),
    which order-service answers the moment the order changes (or 304 when N seconds pass),
    and again with each new ETag."""
    deadline = time.monotonic() + patience
    while (left := deadline - time.monotonic()) > 0:
        wait = min(WAIT_SECONDS, max(1, int(left)))
        headers = {"If-None-Match": etag, "Prefer": f"wait={wait}"} if etag else None
        try:
            reply = await api.answer(
                "GET /api/orders/{id} (waits)" if etag else "GET /api/orders/{id}", "GET",
                f"/api/orders/{order_id}", token=token, ip=ip, headers=headers, ok=(200, 304),
            )  # fmt: skip
        except Failed:
            await asyncio.sleep(1.0)
            continue
        etag = reply.headers.get("etag")
        if reply.status_code == 200:
            status = str(reply.json()["status"])
            if status in FINAL:
                return status
        if not etag:  # a shop that cannot wait: ask once a second
            await asyncio.sleep(1.0)
    return "timeout"


async def payment_of(
    api: Api, token: str, ip: str, order: dict[str, Any], etag: str | None, patience: float = 30.0
) -> str:
    """The order's `payment_id`: at once, or, when payment-service was away as the order was
    placed, once order-service has created the payment (followed like the order's status)."""
    if order.get("payment_id"):
        return str(order["payment_id"])
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        headers = {"If-None-Match": etag, "Prefer": f"wait={WAIT_SECONDS}"} if etag else None
        try:
            reply = await api.answer(
                "GET /api/orders/{id} (waits)", "GET", f"/api/orders/{order['id']}", token=token,
                ip=ip, headers=headers, ok=(200, 304),
            )  # fmt: skip
        except Failed:
            await asyncio.sleep(1.0)
            continue
        etag = reply.headers.get("etag") or etag
        if reply.status_code == 200 and reply.json().get("payment_id"):
            return str(reply.json()["payment_id"])
        if not etag:
            await asyncio.sleep(1.0)
    raise Failed("GET /api/orders/{id} (waits)", "no payment")


OnBusy = Callable[[Failed], Awaitable[None]]


async def _step(on_busy: OnBusy | None, call: Callable[[], Awaitable[Any]]) -> Any:
    """One request of the flow; with `on_busy`, a 429/503 with Retry-After is waited out (by
    `on_busy`) and the same request sent again, as a shopper presses the button again: the cart
    built so far stays built."""
    while True:
        try:
            return await call()
        except Failed as failure:
            if on_busy is None or failure.status not in (429, 503) or failure.retry_after is None:
                raise
            await on_busy(failure)


async def _buy(
    api: Api, token: str, ip: str, sku: str, *, guest: bool, on_busy: OnBusy | None = None
) -> tuple[str, str | None]:
    """Cart, add, order, pay; returns (order id, the order's ETag when it was placed)."""
    auth = None if guest else token
    cart = await _step(on_busy, lambda: api.call(
        "POST /api/carts", "POST", "/api/carts", token=auth, ip=ip,
        json_body={"currency": "EUR"}, ok=(200, 201),
    ))  # fmt: skip
    for line in cart.get("lines", []):  # left over from an order cart-service has not cleared
        path = f"/api/carts/{cart['id']}/items/{line['sku']}"
        await _step(on_busy, lambda path=path: api.call(
            "DELETE /api/carts/{id}/items/{sku}", "DELETE", path, token=token, ip=ip,
            ok=(200, 204),
        ))  # fmt: skip
    await _step(on_busy, lambda: api.call(
        "POST /api/carts/{id}/items", "POST", f"/api/carts/{cart['id']}/items", token=auth,
        ip=ip, json_body={"sku": sku, "quantity": 1}, ok=(200, 201),
    ))  # fmt: skip
    key = uuid.uuid4().hex
    placed = await _step(on_busy, lambda: api.answer(
        "POST /api/orders", "POST", "/api/orders", token=token, ip=ip,
        json_body={"cart_id": cart["id"], "shipping_address": ADDRESS, "currency": "EUR"},
        headers={"Idempotency-Key": key}, ok=(200, 201),
    ))  # fmt: skip
    order = placed.json()
    payment_id = await payment_of(api, token, ip, order, placed.headers.get("etag"))
    await _step(on_busy, lambda: api.call(
        "POST /api/payments/{id}/confirm", "POST",
        f"/api/payments/{payment_id}/confirm", token=token, ip=ip,
        json_body={"payment_method": "pm_card_visa"},
    ))  # fmt: skip
    return str(order["id"]), placed.headers.get("etag")


async def checkout(config: dict[str, Any], api: Api) -> list[dict[str, Any]]:
    rng = random.Random(1)
    outcomes: list[dict[str, Any]] = []
    end = config["end_at"]

    async def customer(index: int, token: str) -> None:
        ip = config["addresses"][index]
        # Everyone starts when the clock does, spread over its first two seconds.
        await asyncio.sleep(max(0.0, config["start_at"] - time.time()) + rng.random() * 2)
        while time.time() < end:
            started = time.time()
            try:
                order_id, etag = await _buy(api, token, ip, rng.choice(config["skus"]), guest=False)
            except Failed as failure:
                outcomes.append({"at": started, "outcome": f"failed: {failure}"})
                await asyncio.sleep(1.0)
                continue
            status = await _settle(api, token, ip, order_id, config["patience"], etag)
            outcomes.append({"at": started, "order_id": order_id, "outcome": status,
                             "seconds": round(time.time() - started, 3)})  # fmt: skip

    await asyncio.gather(*(customer(i, t) for i, t in enumerate(config["tokens"])))
    return outcomes


async def _browse(api: Api, config: dict[str, Any], until: float, index: int) -> None:
    """A light shopper: a catalog read every half second."""
    rng = random.Random(index)
    ip = f"10.254.{index // 250}.{index % 250 + 1}"
    reads = [
        ("browse: GET /api/products", "/api/products?limit=20"),
        ("browse: GET /api/search", "/api/search?q=headphones"),
        ("browse: GET /api/products/{id}", f"/api/products/{rng.choice(config['products'])}"),
    ]
    async with api.own_client() as own:
        while time.time() < until:
            endpoint, path = rng.choice(reads)
            with contextlib.suppress(Failed):
                await own.call(endpoint, "GET", path, token=None, ip=ip)
            await asyncio.sleep(0.5)


async def flash(config: dict[str, Any], api: Api) -> list[dict[str, Any]]:
    tokens, sku, patience = config["tokens"], config["sku"], config["patience"]
    start = config["start_at"]
    browsing = [
        asyncio.create_task(_browse(api, config, start + config["browse_seconds"], i))
        for i in range(config["browsers"])
    ]

    async def attempt(
        api: Api, token: str, ip: str, arrived: float, seen: dict[str, Any]
    ) -> dict[str, Any]:

        async def wait_out(failure: Failed) -> None:
            seen["first"] = seen["first"] or time.time() - arrived
            seen["queued"] = True
            await asyncio.sleep(failure.retry_after or 1.0)  # patience bounds the whole wait

        while True:
            try:
                order_id, etag = await _buy(api, token, ip, sku, guest=False, on_busy=wait_out)
            except Failed as failure:
                seen["first"] = seen["first"] or time.time() - arrived
                if failure.status in (409, 410, 422):
                    answer = "sold out"
                elif failure.kind == "timeout":
                    answer = "timeout"
                else:
                    answer = f"error ({failure.kind})"
                return {"answer": answer, "detail": str(failure)}
            seen["first"] = seen["first"] or time.time() - arrived
            status = await _settle(api, token, ip, order_id, patience, etag)
            answer = OUTCOMES.get(status, status)
            return {"answer": answer, "order_id": order_id}

    async def buyer(index: int) -> dict[str, Any]:
        """One buyer's answer; `first` is when the shop first answered the checkout (order
        placed, refused or queued), `seconds` when the buyer knew the outcome. A buyer gives up
        after `patience` seconds in all (answer: timeout)."""
        token, ip = tokens[index], config["addresses"][index]
        async with api.own_client() as own:
            await asyncio.sleep(max(0.0, start - time.time()))
            arrived = time.time()
            seen: dict[str, Any] = {"first": None, "queued": False}
            try:
                result = await asyncio.wait_for(attempt(own, token, ip, arrived, seen), patience)
            except TimeoutError:
                result = {"answer": "queued" if seen["queued"] else "timeout"}
        return {**result, **seen, "seconds": time.time() - arrived}

    results = await asyncio.gather(*(buyer(i) for i in range(config["buyers"])))
    for task in browsing:
        task.cancel()
    return list(results)


async def drive(config: dict[str, Any], out: TextIO) -> list[dict[str, Any]]:
    connections = config.get("connections", 1000)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    timeout = httpx.Timeout(config.get("timeout", 30.0), pool=None)
    async with httpx.AsyncClient(
        base_url=config["gateway"], limits=limits, timeout=timeout
    ) as client:
        run = checkout if config["mode"] == "checkout" else flash
        return await run(config, Api(client, out))


def main(config: dict[str, Any]) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # thousands of connections
    with Path(config["records"]).open("w", buffering=1 << 16) as out:
        outcomes = asyncio.run(drive(config, out))
    Path(config["outcomes"]).write_text(json.dumps(outcomes))


if __name__ == "__main__":
    main(json.loads(Path(sys.argv[1]).read_text()))
