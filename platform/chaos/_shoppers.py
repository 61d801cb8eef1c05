"""The chaos run's load generator (`python -m chaos._shoppers config.json`, a process of its
own): logged-in customers buying in a loop through the gateway, as a shopper at a busy checkout
does.

Each step (cart, add, order, pay) that fails with a 5xx, a 429, a refused or dropped
connection or a timeout is sent again after a pause (the shop's Retry-After, at most
`MAX_PAUSE`, else `RETRY_PAUSE`) until `STEP_PATIENCE` seconds have passed for that step: the
order again with the same Idempotency-Key, the payment again with the same card, as the
storefront's buttons do. Every attempt is one CSV record (`bench._stats`), so a fault's
failures are counted, not hidden by the retries. Any other 4xx is not an outage but a bug: that
order is given up and the refusal recorded. After a paid order the customer follows it until it
is confirmed or cancelled, as the order page does.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench._buyers import ADDRESS, Api, Failed, _settle, payment_of

RETRY_PAUSE = 0.5  # seconds between attempts of a failed step without a Retry-After
MAX_PAUSE = 5.0
STEP_PATIENCE = 60.0  # seconds one step is tried before the customer gives up on the order
FOLLOW_PATIENCE = 90.0  # seconds a paid order is followed


class GaveUp(Exception):
    """A step failed for good; `order_id` is set when the order had been placed."""

    def __init__(self, failure: Failed, order_id: str | None = None) -> None:
        super().__init__(str(failure))
        self.failure, self.order_id = failure, order_id


def _retryable(failure: Failed) -> bool:
    return failure.status in (0, 429) or failure.status >= 500


async def _persist(
    api: Api, endpoint: str, method: str, path: str, *, with_etag: bool = False, **kwargs: Any
) -> Any:
    """The reply's body to one step (with its ETag if asked), sent again while it fails for a
    reason a fault explains."""
    deadline = time.monotonic() + STEP_PATIENCE
    while True:
        try:
            reply = await api.answer(endpoint, method, path, **kwargs)
        except Failed as failure:
            if not _retryable(failure) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(min(MAX_PAUSE, failure.retry_after or RETRY_PAUSE))
            continue
        body = reply.json() if reply.content else None
        return (body, reply.headers.get("etag")) if with_etag else body


async def _order_and_pay(api: Api, token: str, ip: str, sku: str) -> str:
    """Cart, add, order, pay; returns the order id (`GaveUp` when a step fails for good)."""
    who = {"token": token, "ip": ip}
    try:
        cart = await _persist(api, "POST /api/carts", "POST", "/api/carts",
                              json_body={"currency": "EUR"}, ok=(200, 201), **who)  # fmt: skip
        for line in cart.get("lines", []):  # left over from an order cart-service has not cleared
            await _persist(api, "DELETE /api/carts/{id}/items/{sku}", "DELETE",
                           f"/api/carts/{cart['id']}/items/{line['sku']}", ok=(200, 204),
                           **who)  # fmt: skip
        await _persist(api, "POST /api/carts/{id}/items", "POST", f"/api/carts/{cart['id']}/items",
                       json_body={"sku": sku, "quantity": 1}, ok=(200, 201), **who)  # fmt: skip
        order, etag = await _persist(
            api, "POST /api/orders", "POST", "/api/orders", ok=(200, 201), with_etag=True,
            json_body={"cart_id": cart["id"], "shipping_address": ADDRESS, "currency": "EUR"},
            headers={"Idempotency-Key": uuid.uuid4().hex}, **who,
        )  # fmt: skip
    except Failed as failure:
        raise GaveUp(failure) from None
    try:
        payment_id = await payment_of(api, token, ip, order, etag, STEP_PATIENCE)
        await _persist(api, "POST /api/payments/{id}/confirm", "POST",
                       f"/api/payments/{payment_id}/confirm",
                       json_body={"payment_method": "pm_card_visa"}, **who)  # fmt: skip
    except Failed as failure:
        raise GaveUp(failure, str(order["id"])) from None
    return str(order["id"])


async def shop(config: dict[str, Any], api: Api) -> list[dict[str, Any]]:
    rng = random.Random(2)
    outcomes: list[dict[str, Any]] = []
    stop = Path(config["stop_file"])  # the run's end: each customer finishes the order in hand

    async def customer(index: int, token: str) -> None:
        ip = config["addresses"][index]
        await asyncio.sleep(max(0.0, config["start_at"] - time.time()) + rng.random() * 2)
        while time.time() < config["end_at"] and not stop.exists():  # noqa: ASYNC240 - a stat
            started = time.time()
            try:
                order_id = await _order_and_pay(api, token, ip, rng.choice(config["skus"]))
            except GaveUp as gave_up:
                outcomes.append({"at": started, "order_id": gave_up.order_id,
                                 "outcome": f"gave up: {gave_up.failure}"})  # fmt: skip
                continue
            status = await _settle(api, token, ip, order_id, FOLLOW_PATIENCE)
            outcomes.append({"at": started, "order_id": order_id, "outcome": status,
                             "seconds": round(time.time() - started, 3)})  # fmt: skip

    await asyncio.gather(*(customer(i, t) for i, t in enumerate(config["tokens"])))
    return outcomes


async def drive(config: dict[str, Any], out: Any) -> list[dict[str, Any]]:
    connections = max(8, len(config["tokens"]) * 2)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    # A request the shop holds longer than this counts as a timeout: a shopper gives up too.
    timeout = httpx.Timeout(config.get("timeout", 15.0), pool=None)
    async with httpx.AsyncClient(
        base_url=config["gateway"], limits=limits, timeout=timeout
    ) as client:
        return await shop(config, Api(client, out))


def main(config: dict[str, Any]) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with Path(config["records"]).open("w", buffering=1) as out:  # line by line: read live
        outcomes = asyncio.run(drive(config, out))
    Path(config["outcomes"]).write_text(json.dumps(outcomes))


if __name__ == "__main__":
    main(json.loads(Path(sys.argv[1]).read_text()))
