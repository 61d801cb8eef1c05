"""Admission to checkout: when far more shoppers than units arrive at once (a flash sale), each
is answered at once instead of every one of them becoming an order, a payment and a failed
reservation that the saga takes minutes to work through.

inventory-service stays the only judge of stock: it reserves or refuses each order. Admission
only keeps checkouts out that cannot succeed now:

- the cart order-service reads carries each line's availability from inventory-service (stock
  on hand less what reservations hold; cart-service keeps it up to a second). A line asking for
  more than that is sold out:
  409 `sold-out`, before any payment or order exists;
- the units of checkouts already let in, whose reservation inventory-service has not answered
  yet, are not available either, though inventory-service cannot know it yet. They are counted
  in Redis, one sorted set per SKU shared by every order-service process: a member per admitted
  order (`<order id>|<quantity>`) scored with the time its claim lapses. A checkout that would
  need units all claimed that way is told to come back: 429 `checkout-busy` with `Retry-After`.
  It is not told sold out, because a claim is not a sale: until order-service has handled the
  reservation's answer, a unit inventory-service already reserved is counted twice (in the
  availability and as a claim), and a claimed unit comes back when its checkout fails. A first
  version answered 409 here; in the bench's flash sale that left a unit unsold (a checkout
  failed after its claim, and every other buyer had been told sold out).

A claim ends `settle_seconds` after inventory-service answers the order's reservation (reserved
or failed: then the availability in the next cart says the rest, once it is newer than the
answer), at once when checkout fails before the order is stored, or, if neither is seen (a lost
event, a process killed), after `hold_seconds`.

Admission never makes an order possible that inventory-service would refuse, so a mistake here
(a claim ended early, Redis restarted) costs only a wasted checkout, never an oversold unit. If
Redis cannot be reached, checkout goes on without admission (logged): a flash sale without it
is slow, a shop without checkout is closed.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import structlog
from redis import RedisError
from redis.asyncio import Redis
from shopkit.errors import ConflictError, DomainError

_logger = structlog.get_logger("order_service.admission")

# KEYS: one sorted set per SKU. ARGV: order id, claim lifetime in ms, then per key its quantity
# and availability. Returns {0} when admitted (claims written), or {index of the first SKU
# refused (1-based), 0 = sold out | 1 = busy, units left for new checkouts}.
_ADMIT = """
local order = ARGV[1]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local lapse = now + tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  local quantity = tonumber(ARGV[1 + 2 * i])
  local available = tonumber(ARGV[2 + 2 * i])
  if available < quantity then
    return {i, 0, available}
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local held = 0
  for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    local id, units = string.match(member, '^(.*)|(%d+)$')
    if id ~= order then
      held = held + tonumber(units)
    end
  end
  if held + quantity > available then
    return {i, 1, math.max(available - held, 0)}
  end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, lapse, order .. '|' .. ARGV[1 + 2 * i])
  redis.call('PEXPIREAT', key, lapse)
end
return {0}
"""


# KEYS: the order's SKU sets. ARGV: member (`<order id>|<quantity>`) per key, then the grace in
# ms. Each claim still there now lapses after the grace instead.
_SETTLE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local grace = tonumber(ARGV[#KEYS + 1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + grace, ARGV[i])
end
return 0
"""


class Claim(msgspec.Struct, frozen=True):
    """Units of one SKU a checkout asks for, and how many inventory-service had available
    when the cart was read."""

    sku: str
    quantity: int
    available: int


class SoldOutError(ConflictError):
    title = "Sold out"
    code = "sold-out"


class CheckoutBusyError(DomainError):
    """Every unit left is claimed by checkouts still waiting for their reservation; some may
    come back. Nothing was stored and nothing charged."""

    status_code = 429
    title = "Checkout busy"
    code = "checkout-busy"


class Admission:
    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "order-service:admission",
        hold_seconds: float = 30.0,
        retry_after_seconds: int = 3,
        settle_seconds: float = 2.0,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.hold_ms = int(hold_seconds * 1000)
        self.retry_after_seconds = retry_after_seconds
        self.settle_ms = int(settle_seconds * 1000)
        self._admit = redis.register_script(_ADMIT)
        self._settle = redis.register_script(_SETTLE)

    def _key(self, sku: str) -> str:
        return f"{self.prefix}:{sku}"

    async def admit(self, order_id: str, claims: Sequence[Claim]) -> None:
        """Claim the units for `order_id`, or refuse the checkout (SoldOutError,
        CheckoutBusyError). Asking again for the same order (a retried checkout) is admitted
        as long as its own claim is what it would count."""
        if not claims:
            return
        args: list[str | int] = [order_id, self.hold_ms]
        for claim in claims:
            args += [claim.quantity, claim.available]
        try:
            answer = await self._admit(keys=[self._key(c.sku) for c in claims], args=args)
        except RedisError as exc:
            _logger.warning("admission skipped: Redis unavailable", error=str(exc))
            return
        if answer[0] == 0:
            return
        claim = claims[answer[0] - 1]
        left = int(answer[2])
        if answer[1] == 0:
            raise SoldOutError(
                (f"{claim.sku} is sold out." if left == 0 else
                 f"Only {left} of {claim.sku} left; {claim.quantity} asked for.")
                + " Units held by unpaid checkouts come back if those are not paid."
            )  # fmt: skip
        raise CheckoutBusyError(
            f"Every unit of {claim.sku} left is in another shopper's checkout right now"
            f" ({left} free, {claim.quantity} asked for); some may come back."
            f" Try again in {self.retry_after_seconds} s.",
            headers={"Retry-After": str(self.retry_after_seconds)},
        )

    async def settle(self, order_id: str, lines: Sequence[tuple[str, int]]) -> None:
        """inventory-service answered the order's reservation: its claims end after
        `settle_seconds`, not at once. The availability a cart carries may be that old (cart-
        service keeps it a second), and until it is newer than the reservation it still counts
        the reserved units as free: ending the claim at once let a checkout in for units that
        were gone (it was then cancelled out of stock)."""
        if not lines:
            return
        members = [f"{order_id}|{quantity}" for _, quantity in lines]
        try:
            await self._settle(
                keys=[self._key(sku) for sku, _ in lines], args=[*members, self.settle_ms]
            )
        except RedisError as exc:  # the claims lapse on their own
            _logger.warning("admission settle skipped: Redis unavailable", error=str(exc))

    async def release(self, order_id: str, lines: Sequence[tuple[str, int]]) -> None:
        """End the order's claims now: its checkout failed before the order was stored."""
        if not lines:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for sku, quantity in lines:
                    pipe.zrem(self._key(sku), f"{order_id}|{quantity}")
                await pipe.execute()
        except RedisError as exc:  # the claims lapse on their own
            _logger.warning("admission release skipped: Redis unavailable", error=str(exc))
