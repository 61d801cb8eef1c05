"""Carts in Redis. Only this module knows the keys.

- `<prefix>:<id>`: hash `currency`, `customer_id` ("" for a guest cart);
- `<prefix>:<id>:lines`: hash SKU -> quantity;
- `<prefix>:customer:<customer id>`: the id of that customer's one cart.

Guest carts expire `guest_ttl_seconds` after their last read or write; customer carts never.
A line changes through a compare-and-set script: the new quantity is written only if the line
still holds the quantity it was computed from, so concurrent edits never lose one another.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

_CREATE_CUSTOMER_CART = """
local existing = redis.call('GET', KEYS[1])
if existing then return {0, existing} end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'currency', ARGV[2], 'customer_id', ARGV[3])
return {1, ARGV[1]}
"""

# Returns {status, quantity}: 0 written, 1 the line moved meanwhile (quantity = what it holds
# now), 2 the cart is gone, 3 the cart already has max_lines lines.
_SET_LINE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {2, 0} end
local current = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if current ~= tonumber(ARGV[2]) then return {1, current} end
local new = tonumber(ARGV[3])
if new == 0 then
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  if current == 0 and redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[5]) then return {3, 0} end
  redis.call('HSET', KEYS[2], ARGV[1], new)
end
if tonumber(ARGV[4]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
end
return {0, new}
"""

# A guest cart's lines, read and deleted in one step, so two claims cannot both take them.
_TAKE_GUEST_CART = """
if redis.call('HGET', KEYS[1], 'customer_id') ~= '' then return false end
local lines = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2])
return lines
"""

WRITTEN, MOVED, GONE, FULL = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class StoredCart:
    id: str
    currency: str
    customer_id: str | None
    lines: dict[str, int]

    @property
    def is_guest(self) -> bool:
        return self.customer_id is None


def new_cart_id() -> str:
    """An unguessable id: for a guest cart it is the only key to it."""
    return secrets.token_urlsafe(24)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class CartStore:
    def __init__(self, client: aioredis.Redis, *, prefix: str, guest_ttl_seconds: int) -> None:
        self._redis = client
        self._prefix = prefix
        self.guest_ttl = guest_ttl_seconds
        self._create_customer_cart = client.register_script(_CREATE_CUSTOMER_CART)
        self._set_line = client.register_script(_SET_LINE)
        self._take_guest_cart = client.register_script(_TAKE_GUEST_CART)

    def meta_key(self, cart_id: str) -> str:
        return f"{self._prefix}:{cart_id}"

    def lines_key(self, cart_id: str) -> str:
        return f"{self._prefix}:{cart_id}:lines"

    def owner_key(self, customer_id: str) -> str:
        return f"{self._prefix}:customer:{customer_id}"

    async def create_guest_cart(self, currency: str) -> StoredCart:
        cart_id = new_cart_id()
        key = self.meta_key(cart_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"currency": currency, "customer_id": ""})
            pipe.expire(key, self.guest_ttl)
            await pipe.execute()
        return StoredCart(id=cart_id, currency=currency, customer_id=None, lines={})

    async def customer_cart(self, customer_id: str, currency: str) -> tuple[StoredCart, bool]:
        """The customer's one cart, created with `currency` if they have none (True then)."""
        cart_id = new_cart_id()
        created, existing_id = await self._create_customer_cart(
            keys=[self.owner_key(customer_id), self.meta_key(cart_id)],
            args=[cart_id, currency, customer_id],
        )
        if created:
            return StoredCart(
                id=cart_id, currency=currency, customer_id=customer_id, lines={}
            ), True
        stored = await self.load(_text(existing_id))
        if stored is None:  # only if someone deleted the cart's keys by hand
            raise LookupError(f"customer {customer_id}'s cart index points at a missing cart")
        return stored, False

    async def load(self, cart_id: str) -> StoredCart | None:
        """The cart, or None; reading a guest cart renews its expiry."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(self.meta_key(cart_id))
            pipe.hgetall(self.lines_key(cart_id))
            meta, lines = await pipe.execute()
        if not meta:
            return None
        fields = {_text(k): _text(v) for k, v in meta.items()}
        cart = StoredCart(
            id=cart_id,
            currency=fields["currency"],
            customer_id=fields.get("customer_id") or None,
            lines={_text(sku): int(quantity) for sku, quantity in lines.items()},
        )
        if cart.is_guest:
            await self._touch(cart_id)
        return cart

    async def _touch(self, cart_id: str) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.expire(self.meta_key(cart_id), self.guest_ttl)
            pipe.expire(self.lines_key(cart_id), self.guest_ttl)
            await pipe.execute()

    async def set_line(
        self, cart: StoredCart, sku: str, *, expected: int, quantity: int, max_lines: int
    ) -> tuple[int, int]:
        """Compare-and-set one line (0 deletes it); returns `(status, quantity)` (see above)."""
        status, current = await self._set_line(
            keys=[self.meta_key(cart.id), self.lines_key(cart.id)],
            args=[sku, expected, quantity, self.guest_ttl if cart.is_guest else 0, max_lines],
        )
        return int(status), int(current)

    async def take_guest_lines(self, cart_id: str) -> dict[str, int] | None:
        """Delete a guest cart and return its lines; None if it is gone or not a guest cart."""
        raw = await self._take_guest_cart(
            keys=[self.meta_key(cart_id), self.lines_key(cart_id)], args=[]
        )
        if raw is None:
            return None
        pairs = [_text(item) for item in raw]
        return {pairs[i]: int(pairs[i + 1]) for i in range(0, len(pairs), 2)}

    async def clear(self, cart_id: str) -> None:
        """Empty the cart (it stays, with its owner and currency); a second time changes nothing."""
        await self._redis.delete(self.lines_key(cart_id))
