"""Throttling of credential guessing and of password-reset mail, held in Redis so every replica
counts the same attempts.

**Credentials (login, and the client-credentials grant).** Nobody can lock the owner out; a
guesser only slows down. Attempts are counted in three scopes, each forgotten after
`login_window_seconds` without a new attempt:

- per *(account, client address)* pair: `login_free_failures_per_address` attempts back to back,
  then each further attempt must wait a back-off that doubles from `login_backoff_base_seconds`
  up to `login_backoff_max_seconds`;
- per *client address* (one address trying many accounts): the same, after
  `login_free_failures_per_ip` attempts;
- per *account* (many addresses trying one account): the same, after
  `login_free_failures_per_account` attempts, capped lower at
  `login_account_backoff_max_seconds`, so even a distributed attack costs the owner a few
  seconds at most, never a lockout.

While a back-off runs, the attempt is refused with 429 and `Retry-After` before the password is
checked (a right guess cannot slip through) and is not counted. An attempt is counted *before*
its password is checked, atomically with the check, so a burst of parallel guesses gets no more
through than a sequence would; a successful one is then taken back (its pair is forgotten, the
account's and the address's counts go down by one). There is no long lockout anywhere: the
owner at another address is unaffected by one attacker's failures, and at the same address
waits at most the back-off cap.

**Password-reset requests.** Counted in fixed windows of `password_reset_window_seconds`: past
`password_reset_max_per_account` for one account the request still answers 202 but nothing is
sent (the answer must not reveal whether the account exists, nor that it is being targeted);
past `password_reset_max_per_ip` for one address the answer is 429 with `Retry-After`.

Accounts appear in Redis keys only as SHA-256 hashes, never as addresses.
"""

from __future__ import annotations

import hashlib
import math

from redis.asyncio import Redis
from shopkit.errors import TooManyRequestsError

from user_service.config import IdentitySettings


class TooManyLoginAttemptsError(TooManyRequestsError):
    code = "too-many-login-attempts"


class TooManyPasswordResetRequestsError(TooManyRequestsError):
    code = "too-many-password-reset-requests"


# KEYS: (count, block) for each scope. ARGV: window_ms, base_ms, then (free, cap_ms) per scope.
# Returns 0 when the attempt may proceed (and has been counted), else the wait in milliseconds.
_ATTEMPT = """
local wait = 0
for i = 2, #KEYS, 2 do
  local left = redis.call('PTTL', KEYS[i])
  if left > wait then wait = left end
end
if wait > 0 then return wait end
local window = tonumber(ARGV[1])
local base = tonumber(ARGV[2])
for i = 1, #KEYS, 2 do
  local n = redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], window)
  local scope = (i + 1) / 2
  local free = tonumber(ARGV[1 + 2 * scope])
  local cap = tonumber(ARGV[2 + 2 * scope])
  if n >= free then
    local backoff = base * 2 ^ math.min(n - free, 30)
    if backoff > cap then backoff = cap end
    redis.call('SET', KEYS[i + 1], 1, 'PX', math.floor(backoff))
  end
end
return 0
"""

# KEYS: pair count, pair block, then counts to take one back from.
_SUCCEEDED = """
redis.call('DEL', KEYS[1], KEYS[2])
for i = 3, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 and tonumber(redis.call('GET', KEYS[i])) > 0 then
    redis.call('DECR', KEYS[i])
  end
end
return 0
"""


def _hashed(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _retry_after(milliseconds: int) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(milliseconds / 1000)))}


class LoginRateLimiter:
    """Back-off per (account, address), per address and per account; see the module docstring.

    `account` is any stable name of what is guessed at: a normalised email, `client:<id>`.
    """

    def __init__(self, redis: Redis, settings: IdentitySettings) -> None:
        self._redis = redis
        self._prefix = settings.rate_limit_key_prefix
        self._window_ms = settings.login_window_seconds * 1000
        self._base_ms = int(settings.login_backoff_base_seconds * 1000)
        self._limits = (
            (settings.login_free_failures_per_address, settings.login_backoff_max_seconds),
            (settings.login_free_failures_per_account, settings.login_account_backoff_max_seconds),
            (settings.login_free_failures_per_ip, settings.login_backoff_max_seconds),
        )
        self._attempt = redis.register_script(_ATTEMPT)
        self._succeeded = redis.register_script(_SUCCEEDED)

    def _counts(self, account: str, ip: str) -> tuple[str, str, str]:
        hashed = _hashed(account)
        return (
            f"{self._prefix}:pair:{hashed}:{ip}",
            f"{self._prefix}:account:{hashed}",
            f"{self._prefix}:ip:{ip}",
        )

    async def attempt(self, account: str, ip: str) -> None:
        """Count an attempt at `account` from `ip`, or raise 429 while a back-off runs."""
        keys: list[str] = []
        for count in self._counts(account, ip):
            keys += [count, f"{count}:block"]
        argv: list[int] = [self._window_ms, self._base_ms]
        for free, cap_seconds in self._limits:
            argv += [free, cap_seconds * 1000]
        wait_ms = int(await self._attempt(keys=keys, args=argv))
        if wait_ms > 0:
            raise TooManyLoginAttemptsError(
                "Too many failed attempts; wait a moment and try again.",
                headers=_retry_after(wait_ms),
            )

    async def succeeded(self, account: str, ip: str) -> None:
        """The attempt was right: forget this pair's failures and take it back elsewhere."""
        pair, account_count, ip_count = self._counts(account, ip)
        await self._succeeded(keys=[pair, f"{pair}:block", account_count, ip_count])

    async def forget_account(self, account: str) -> None:
        """A new password ends any back-off on the account (every address keeps its own)."""
        _, account_count, _ = self._counts(account, "")
        await self._redis.delete(account_count, f"{account_count}:block")


class PasswordResetRateLimiter:
    """At most so many reset mails per account and requests per address in a window."""

    def __init__(self, redis: Redis, settings: IdentitySettings) -> None:
        self._redis = redis
        self._prefix = f"{settings.rate_limit_key_prefix}:reset"
        self._window = settings.password_reset_window_seconds
        self._max_account = settings.password_reset_max_per_account
        self._max_ip = settings.password_reset_max_per_ip

    async def _count(self, key: str) -> tuple[int, int]:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=self._window, nx=True)
            pipe.incr(key)
            pipe.pttl(key)
            _, count, ttl_ms = await pipe.execute()
        return int(count), int(ttl_ms)

    async def may_send(self, email: str, ip: str) -> bool:
        """False when the account had its share of mails (answer 202 anyway); 429 when the
        address floods. An address over its limit does not use up the account's share."""
        count, ttl_ms = await self._count(f"{self._prefix}:ip:{ip}")
        if count > self._max_ip:
            raise TooManyPasswordResetRequestsError(
                "Too many password reset requests from this address; try again later.",
                headers=_retry_after(ttl_ms if ttl_ms > 0 else self._window * 1000),
            )
        count, _ = await self._count(f"{self._prefix}:account:{_hashed(email)}")
        return count <= self._max_account
