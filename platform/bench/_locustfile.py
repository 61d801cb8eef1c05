"""The browse profile's shoppers (Locust, run as its own process by `browse.py`).

Shopper: reads the catalog, searches, looks at stock, now and then fills a guest cart, with a
shopper's think time between actions (BENCH_THINK, default 5-15 s). Buyer: a logged-in customer
(token from BENCH_TOKENS) who checks out: cart -> add -> order -> pay -> follow the order
(each ask waits for its next change) until confirmed.
Every request is also written to BENCH_RECORDS/<pid>.csv in the bench's common record format,
so every profile's figures and plots are computed the same way.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, events, task

QUERIES = ["headphones", "hedphones", "laptop", "speaker", "shoe", "lamp", "kettle"]
CURRENCIES = ["EUR", "USD", "GBP", "JPY"]
THINK = [float(x) for x in os.environ.get("BENCH_THINK", "5,15").split(",")]
_TOKENS_FILE = os.environ.get("BENCH_TOKENS")
TOKENS: list[str] = json.loads(Path(_TOKENS_FILE).read_text()) if _TOKENS_FILE else []
FINAL = frozenset({"confirmed", "cancelled", "refunded"})
ADDRESS = {"name": "Bench Buyer", "line1": "1 Load Street", "city": "Berlin",
           "postal_code": "10115", "country": "DE"}  # fmt: skip
_out: Any = None


@events.request.add_listener
def _record(name: str, response_time: float, exception: Any, start_time: float = 0.0,
            response: Any = None, **_: Any) -> None:  # fmt: skip
    global _out
    if _out is None:
        path = Path(os.environ.get("BENCH_RECORDS", ".")) / f"{os.getpid()}.csv"
        _out = path.open("a", buffering=1 << 16)
    if exception is None:
        outcome = "ok"
    else:
        status = getattr(response, "status_code", 0) or 0
        outcome = f"http {status}" if status else type(exception).__name__
    _out.write(f"{start_time:.4f},{name},{response_time:.2f},{outcome}\n")


@events.quitting.add_listener
def _flush(**_: Any) -> None:
    if _out is not None:
        _out.flush()


def _address() -> str:
    # Each simulated shopper comes from an address of its own, as real ones do: the gateway
    # rate-limits per client, and trusts X-Forwarded-For from the local machine.
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


class Shopper(FastHttpUser):
    wait_time = between(*THINK)
    weight = 99

    def on_start(self) -> None:
        self.headers = {"X-Forwarded-For": _address()}
        page = self.client.get(
            "/api/products?limit=50", name="/api/products", headers=self.headers
        ).json()
        self.products = [item["id"] for item in page.get("items", [])] or [None]
        self.skus = [v["sku"] for item in page.get("items", []) for v in item["variants"]] or [None]

    def get(self, path: str, name: str) -> None:
        self.client.get(path, name=name, headers=self.headers)

    @task(5)
    def browse(self) -> None:
        self.get(f"/api/products?limit=20&currency={random.choice(CURRENCIES)}", "/api/products")

    @task(4)
    def product(self) -> None:
        if product_id := random.choice(self.products):
            self.get(f"/api/products/{product_id}", "/api/products/{id}")

    @task(4)
    def search(self) -> None:
        self.get(f"/api/search?q={random.choice(QUERIES)}", "/api/search")

    @task(2)
    def suggest(self) -> None:
        self.get(f"/api/search/suggest?q={random.choice(QUERIES)[:3]}", "/api/search/suggest")

    @task(2)
    def stock(self) -> None:
        if sku := random.choice(self.skus):
            self.get(f"/api/inventory/{sku}", "/api/inventory/{sku}")

    @task(1)
    def jwks(self) -> None:
        self.get("/api/auth/.well-known/jwks.json", "/api/auth/.well-known/jwks.json")

    @task(2)
    def cart(self) -> None:
        """A guest cart filled with one item and looked at, as a shopper about to buy."""
        cart = self.client.post("/api/carts", json={"currency": "EUR"}, name="POST /api/carts",
                                headers=self.headers).json()  # fmt: skip
        if sku := random.choice(self.skus):
            self.client.post(f"/api/carts/{cart['id']}/items", json={"sku": sku, "quantity": 1},
                             name="POST /api/carts/{id}/items", headers=self.headers)  # fmt: skip
        self.get(f"/api/carts/{cart['id']}", "/api/carts/{id}")


class Buyer(FastHttpUser):
    """A few of the shoppers check out (fixed_count from BENCH_BUYERS_IN_BROWSE)."""

    wait_time = between(*THINK)
    fixed_count = int(os.environ.get("BENCH_BUYERS_IN_BROWSE", "0"))

    def on_start(self) -> None:
        self.headers = {"X-Forwarded-For": _address()}
        if TOKENS:
            self.headers["Authorization"] = f"Bearer {random.choice(TOKENS)}"
        page = self.client.get("/api/products?limit=50", name="/api/products",
                               headers=self.headers).json()  # fmt: skip
        self.skus = [v["sku"] for item in page.get("items", []) for v in item["variants"]]

    @task
    def checkout(self) -> None:
        if not TOKENS or not self.skus:
            return
        h = self.headers
        cart = self.client.post("/api/carts", json={"currency": "EUR"}, name="POST /api/carts",
                                headers=h).json()  # fmt: skip
        for line in cart.get("lines", []):
            self.client.delete(f"/api/carts/{cart['id']}/items/{line['sku']}", headers=h,
                               name="DELETE /api/carts/{id}/items/{sku}")  # fmt: skip
        self.client.post(f"/api/carts/{cart['id']}/items", headers=h,
                         json={"sku": random.choice(self.skus), "quantity": 1},
                         name="POST /api/carts/{id}/items")  # fmt: skip
        reply = self.client.post(
            "/api/orders", name="POST /api/orders",
            json={"cart_id": cart["id"], "shipping_address": ADDRESS, "currency": "EUR"},
            headers={**h, "Idempotency-Key": uuid.uuid4().hex},
        )  # fmt: skip
        if reply.status_code not in (200, 201):
            return
        order = reply.json()
        paid = self._pay(order)
        # Follow the order as its page does: read it, then ask with its ETag, which waits
        # (up to 10 s) for the next change; 30 s in all. An order placed while payment-service
        # was away gets its payment_id meanwhile: it is paid then.
        etag = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            wait = {"If-None-Match": etag, "Prefer": "wait=10"} if etag else {}
            reply = self.client.get(
                f"/api/orders/{order['id']}", headers={**h, **wait},
                name="GET /api/orders/{id} (waits)" if etag else "GET /api/orders/{id}",
            )  # fmt: skip
            etag = reply.headers.get("etag")
            if reply.status_code == 200:
                seen = reply.json()
                paid = paid or self._pay(seen)
                if seen.get("status") in FINAL:
                    return
            if not etag or reply.status_code not in (200, 304):
                self._sleep(1.0)

    def _pay(self, order: dict[str, Any]) -> bool:
        if not order.get("payment_id"):
            return False
        self.client.post(f"/api/payments/{order['payment_id']}/confirm", headers=self.headers,
                         json={"payment_method": "pm_card_visa"},
                         name="POST /api/payments/{id}/confirm")  # fmt: skip
        return True

    def _sleep(self, seconds: float) -> None:
        import gevent

        gevent.sleep(seconds)
