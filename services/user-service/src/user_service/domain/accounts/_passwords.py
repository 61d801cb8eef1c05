"""Passwords: the policy a new password must meet, and argon2id hashing.

The policy is pure (no I/O) so it is unit-tested on its own; hashing runs in a worker thread
because argon2 is deliberately slow and would otherwise stall every request on the event loop.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from shopkit.errors import InvalidInputError

MIN_LENGTH: Final = 10
MAX_LENGTH: Final = 256
# The email's local part is only a rule when it is long enough to be a real guess.
MIN_LOCAL_PART: Final = 3

# Very common passwords that are long enough to pass the other rules (shorter ones fail anyway).
COMMON_PASSWORDS: Final = frozenset(
    {
        "password123",
        "password1234",
        "password12345",
        "passw0rd123",
        "qwerty12345",
        "qwerty123456",
        "qwertyuiop1",
        "qwertyuiop123",
        "1q2w3e4r5t",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "q1w2e3r4t5",
        "q1w2e3r4t5y6",
        "zaq12wsxcde3",
        "abc1234567",
        "abcd123456",
        "iloveyou123",
        "letmein123",
        "welcome123",
        "welcome2026",
        "changeme123",
        "football123",
        "baseball123",
        "sunshine123",
        "princess123",
        "superman123",
        "trustno1234",
        "dragon12345",
        "monkey12345",
        "shopkit123",
        "shopkit2026",
        "admin12345",
        "administrator1",
        "p@ssw0rd123",
        "p@ssword123",
    }
)


class WeakPasswordError(InvalidInputError):
    """A password that breaks the policy; each subclass names the rule in its `code`."""

    code = "weak-password"

    def __init__(self, reason: str) -> None:
        super().__init__("password", reason, detail=f"The password is too weak: {reason}")


class PasswordTooShortError(WeakPasswordError):
    code = "password-too-short"


class PasswordTooLongError(WeakPasswordError):
    code = "password-too-long"


class PasswordTooSimpleError(WeakPasswordError):
    code = "password-only-letters-or-digits"


class PasswordContainsEmailError(WeakPasswordError):
    code = "password-contains-email"


class PasswordTooCommonError(WeakPasswordError):
    code = "password-too-common"


def check_password_policy(password: str, email: str) -> None:
    """Raise the first rule `password` breaks for the account `email`; return if it is fine."""
    if len(password) < MIN_LENGTH:
        raise PasswordTooShortError(f"it must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise PasswordTooLongError(f"it must be at most {MAX_LENGTH} characters long")
    if password.isalpha() or password.isdigit():
        raise PasswordTooSimpleError("it must not be only letters or only digits")
    local_part = email.partition("@")[0].strip().lower()
    if len(local_part) >= MIN_LOCAL_PART and local_part in password.lower():
        raise PasswordContainsEmailError("it must not contain the email address's name part")
    if password.lower() in COMMON_PASSWORDS:
        raise PasswordTooCommonError("it is one of the most common passwords")


class Passwords:
    """argon2id with this deployment's parameters; old hashes are upgraded on the next login."""

    def __init__(self, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when `password` matches; with no hash (unknown account) it checks a dummy hash,
        so that an unknown email costs exactly as long as a wrong password."""
        if password_hash is None:
            if self._dummy_hash is None:
                self._dummy_hash = await self.hash(secrets.token_urlsafe(32))
            await self._check(self._dummy_hash, password)
            return False
        return await self._check(password_hash, password)

    async def _check(self, password_hash: str, password: str) -> bool:
        try:
            return await asyncio.to_thread(self._hasher.verify, password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
