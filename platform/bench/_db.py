"""What the services' own databases say happened: the figures a client cannot fake.

Read-only queries against order-service's, payment-service's and inventory-service's databases
(make up's local PostgreSQL, as the services themselves reach it).
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime
from typing import Any

import asyncpg

from shopkit_platform.registry import load

DSN = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/{db}")


async def _fetch(db: str, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(DSN.format(db=db))
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


def fetch(db: str, query: str, *args: Any) -> list[asyncpg.Record]:
    return asyncio.run(_fetch(db, query, *args))


def on_hand_total() -> int:
    """Units on hand over every SKU and warehouse (inventory-service's own count)."""
    return int(fetch("inventory", "SELECT coalesce(sum(on_hand), 0) FROM stock")[0][0])


def reserved_total() -> int:
    """Units held by open reservations over every SKU."""
    return int(fetch("inventory", "SELECT coalesce(sum(reserved), 0) FROM stock")[0][0])


def wait_reserved(target: int, sku: str | None = None, patience: float = 30.0) -> int:
    """Wait until inventory-service has committed or released what a run reserved (it does so
    on order-service's events, a moment after the order's status changed); returns the count."""
    deadline = time.monotonic() + patience
    while True:
        held = stock_of(sku)["reserved"] if sku else reserved_total()
        if held <= target or time.monotonic() > deadline:
            return held
        time.sleep(0.5)


def stock_of(sku: str) -> dict[str, int]:
    rows = fetch(
        "inventory",
        "SELECT coalesce(sum(on_hand), 0), coalesce(sum(reserved), 0) FROM stock WHERE sku = $1",
        sku,
    )
    return {"on_hand": int(rows[0][0]), "reserved": int(rows[0][1])}


def available(skus: list[str]) -> dict[str, int]:
    """Free units (on hand minus reserved, over every warehouse) of each SKU, in one query."""
    rows = fetch(
        "inventory",
        "SELECT sku, sum(on_hand - reserved) FROM stock WHERE sku = ANY($1::text[]) GROUP BY sku",
        skus,
    )
    return {r[0]: int(r[1]) for r in rows}


def confirmations(start: float, end: float) -> list[tuple[str, str | None, datetime]]:
    """(order id, payment id, when it became confirmed) for every order confirmed in [start,
    end), from order-service's status history."""
    rows = fetch(
        "order",
        """SELECT o.id::text, o.payment_id, c.at FROM order_status_change c
           JOIN orders o ON o.id = c.order_id
           WHERE c.to_status = 'confirmed' AND c.from_status IS DISTINCT FROM 'confirmed'
             AND c.at >= to_timestamp($1) AND c.at < to_timestamp($2)""",
        start,
        end,
    )
    return [(r[0], r[1], r[2]) for r in rows]


def settled(payment_ids: list[str]) -> dict[str, datetime]:
    """When each payment succeeded (payment-service's `settled_at`)."""
    if not payment_ids:
        return {}
    rows = fetch(
        "payment",
        "SELECT id::text, settled_at FROM payment WHERE id::text = ANY($1::text[])"
        " AND settled_at IS NOT NULL",
        payment_ids,
    )
    return {r[0]: r[1] for r in rows}


def orders_since(start: float) -> dict[str, int]:
    """Orders placed since `start`, counted by status."""
    rows = fetch(
        "order",
        "SELECT status, count(*) FROM orders WHERE created_at >= to_timestamp($1) GROUP BY 1",
        start,
    )
    return {r[0]: int(r[1]) for r in rows}


def units_confirmed_since(start: float, sku: str | None = None) -> int:
    """Units in orders placed since `start` that ended confirmed (optionally of one SKU)."""
    rows = fetch(
        "order",
        """SELECT coalesce(sum(l.quantity), 0) FROM order_line l JOIN orders o ON o.id = l.order_id
           WHERE o.created_at >= to_timestamp($1) AND o.status = 'confirmed'
             AND ($2::text IS NULL OR l.sku = $2)""",
        start,
        sku,
    )
    return int(rows[0][0])


def cancel_reasons_since(start: float) -> dict[str, int]:
    rows = fetch(
        "order",
        "SELECT coalesce(cancel_reason, '?'), count(*) FROM orders"
        " WHERE created_at >= to_timestamp($1) AND status = 'cancelled' GROUP BY 1",
        start,
    )
    return {r[0]: int(r[1]) for r in rows}


async def _vacuum_if_autovacuum_is_off() -> list[str]:
    connection = await asyncpg.connect(DSN.format(db="postgres"))
    try:
        if (await connection.fetchval("SHOW autovacuum")) == "on":
            return []
    finally:
        await connection.close()
    vacuumed = []
    for db in [s.database for s in load() if s.database]:
        try:
            connection = await asyncpg.connect(DSN.format(db=db))
        except (OSError, asyncpg.PostgresError):
            continue  # not bootstrapped here
        try:
            await connection.execute("VACUUM (ANALYZE)")
            vacuumed.append(db)
        finally:
            await connection.close()
    return vacuumed


def vacuum_if_autovacuum_is_off() -> list[str]:
    """Vacuum the shop's databases before a run when this PostgreSQL runs without autovacuum
    (some CI machines turn it off). Without it, every run leaves dead rows behind (each
    relayed event updates its outbox row; each saga step its order), the outbox's
    unpublished-rows index fills with them, and every run measures a slower shop than the one
    before. Returns the databases vacuumed (none when autovacuum is on)."""
    return asyncio.run(_vacuum_if_autovacuum_is_off())
