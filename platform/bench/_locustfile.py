"""The shop's read-heavy traffic mix through the gateway, as a shopper and an app produce it."""

from __future__ import annotations

import random

from locust import HttpUser, between, task

QUERIES = ["headphones", "hedphones", "laptop", "speaker", "shoe", "lamp", "kettle"]
CURRENCIES = ["EUR", "USD", "GBP", "JPY"]


class Shopper(HttpUser):
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        # Each simulated shopper comes from an address of its own, as real ones do: the gateway
        # rate-limits per client, and trusts X-Forwarded-For from the local machine.
        self.client.headers["X-Forwarded-For"] = (
            f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
        )
        page = self.client.get("/api/products?limit=50", name="/api/products").json()
        self.products = [item["id"] for item in page.get("items", [])] or [None]
        self.skus = [
            variant["sku"] for item in page.get("items", []) for variant in item["variants"]
        ] or [None]

    @task(5)
    def browse(self) -> None:
        currency = random.choice(CURRENCIES)
        self.client.get(f"/api/products?limit=20&currency={currency}", name="/api/products")

    @task(4)
    def product(self) -> None:
        if product_id := random.choice(self.products):
            self.client.get(f"/api/products/{product_id}", name="/api/products/{id}")

    @task(4)
    def search(self) -> None:
        query = random.choice(QUERIES)
        self.client.get(f"/api/search?q={query}", name="/api/search")

    @task(2)
    def suggest(self) -> None:
        self.client.get(f"/api/search/suggest?q={random.choice(QUERIES)[:3]}", name="/suggest")

    @task(2)
    def stock(self) -> None:
        if sku := random.choice(self.skus):
            self.client.get(f"/api/inventory/{sku}", name="/api/inventory/{sku}")

    @task(1)
    def jwks(self) -> None:
        self.client.get("/api/auth/.well-known/jwks.json", name="jwks")
