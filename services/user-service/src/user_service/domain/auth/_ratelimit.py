"""The login rate limit, held in Redis so every replica counts the same failures.

Failures are counted per account (the normalised email, hashed so no address sits in Redis)
and per client IP in fixed windows. Past either limit, logins are refused with 429 and
`Retry-After` before the password is even checked, so a correct guess cannot slip through.
A successful login clears the account's count; the IP's count runs out with its window.
"""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis
from shopkit.errors import TooManyRequestsError

from user_service.config import IdentitySettings


class TooManyLoginAttemptsError(TooManyRequestsError):
    code = "too-many-login-attempts"


class LoginRateLimiter:
    def __init__(self, redis: Redis, settings: IdentitySettings) -> None:
        self._redis = redis
        self._prefix = settings.rate_limit_key_prefix
        self._window = settings.login_window_seconds
        self._max_account = settings.login_max_failures_per_account
        self._max_ip = settings.login_max_failures_per_ip

    def _account_key(self, email: str) -> str:
        return f"{self._prefix}:account:{hashlib.sha256(email.encode()).hexdigest()}"

    def _ip_key(self, ip: str) -> str:
        return f"{self._prefix}:ip:{ip}"

    async def check(self, email: str, ip: str) -> None:
        """Raise 429 when the account or the IP used up its failures in this window."""
        for key, limit in (
            (self._account_key(email), self._max_account),
            (self._ip_key(ip), self._max_ip),
        ):
            failures = await self._redis.get(key)
            if failures is not None and int(failures) >= limit:
                ttl = await self._redis.ttl(key)
                retry_after = ttl if ttl > 0 else self._window
                raise TooManyLoginAttemptsError(
                    "Too many failed logins; try again later.",
                    headers={"Retry-After": str(retry_after)},
                )

    async def record_failure(self, email: str, ip: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            for key in (self._account_key(email), self._ip_key(ip)):
                pipe.set(key, 0, ex=self._window, nx=True)
                pipe.incr(key)
            await pipe.execute()

    async def clear_account(self, email: str) -> None:
        await self._redis.delete(self._account_key(email))
