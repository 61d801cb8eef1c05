"""Carts that must outlive every fault: a few customers fill a cart before the first fault and
leave it alone; after the last one their carts must hold exactly what they put in them."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from bench._shop import GATEWAY


@dataclass(frozen=True)
class KeptCart:
    token: str
    cart_id: str
    lines: dict[str, int]  # SKU -> quantity


def fill(tokens: list[str], skus: list[str]) -> list[KeptCart]:
    kept = []
    with httpx.Client(base_url=GATEWAY, timeout=30) as client:
        for index, token in enumerate(tokens):
            auth = {"Authorization": f"Bearer {token}"}
            cart = client.post("/api/carts", json={"currency": "EUR"}, headers=auth)
            cart.raise_for_status()
            cart_id = cart.json()["id"]
            for line in cart.json().get("lines", []):  # what an earlier run left
                client.delete(f"/api/carts/{cart_id}/items/{line['sku']}", headers=auth)
            lines = {skus[(index + n) % len(skus)]: n + 1 for n in range(2)}
            for sku, quantity in lines.items():
                added = client.post(f"/api/carts/{cart_id}/items", headers=auth,
                                    json={"sku": sku, "quantity": quantity})  # fmt: skip
                added.raise_for_status()
            kept.append(KeptCart(token, cart_id, lines))
    return kept


def lost(kept: list[KeptCart]) -> list[str]:
    """What is missing from each kept cart now (empty when every cart is whole)."""
    missing = []
    with httpx.Client(base_url=GATEWAY, timeout=30) as client:
        for cart in kept:
            reply = client.get(
                f"/api/carts/{cart.cart_id}", headers={"Authorization": f"Bearer {cart.token}"}
            )
            if reply.status_code != 200:
                missing.append(f"cart {cart.cart_id}: answered {reply.status_code}")
                continue
            now = {line["sku"]: line["quantity"] for line in reply.json().get("lines", [])}
            if now != cart.lines:
                missing.append(f"cart {cart.cart_id}: held {cart.lines}, now {now}")
    return missing
