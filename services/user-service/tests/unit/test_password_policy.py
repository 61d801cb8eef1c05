"""The password policy and argon2 hashing, decided without any I/O."""

import pytest

from user_service.domain.accounts._passwords import (
    PasswordContainsEmailError,
    Passwords,
    PasswordTooCommonError,
    PasswordTooLongError,
    PasswordTooShortError,
    PasswordTooSimpleError,
    check_password_policy,
)

pytestmark = pytest.mark.unit

EMAIL = "jane.doe@example.com"


@pytest.mark.parametrize(
    ("password", "error", "code"),
    [
        ("short-1", PasswordTooShortError, "password-too-short"),
        ("x1" * 129, PasswordTooLongError, "password-too-long"),
        ("onlyletterslong", PasswordTooSimpleError, "password-only-letters-or-digits"),
        ("12345678901234", PasswordTooSimpleError, "password-only-letters-or-digits"),
        ("my-Jane.Doe-2026", PasswordContainsEmailError, "password-contains-email"),
        ("Password123", PasswordTooCommonError, "password-too-common"),
        ("1q2w3e4r5t", PasswordTooCommonError, "password-too-common"),
    ],
)
def test_each_rule_is_named(password: str, error: type[Exception], code: str) -> None:
    with pytest.raises(error) as raised:
        check_password_policy(password, EMAIL)
    assert raised.value.code == code  # type: ignore[attr-defined]
    assert raised.value.status_code == 422  # type: ignore[attr-defined]
    assert raised.value.invalid_params[0].name == "password"  # type: ignore[attr-defined]


@pytest.mark.parametrize("password", ["correct-horse-42", "ten chars!", "Ünïcödé-pässwörd"])
def test_good_passwords_pass(password: str) -> None:
    check_password_policy(password, EMAIL)


def test_a_very_short_local_part_is_not_a_rule() -> None:
    check_password_policy("ab-cdefgh-12", "ab@example.com")


async def test_hashes_are_argon2id_and_upgraded_when_parameters_change() -> None:
    weak = Passwords(time_cost=1, memory_kib=8192, parallelism=1)
    stronger = Passwords(time_cost=2, memory_kib=8192, parallelism=1)
    password_hash = await weak.hash("correct-horse-42")
    assert password_hash.startswith("$argon2id$")
    assert await weak.verify(password_hash, "correct-horse-42")
    assert not await weak.verify(password_hash, "wrong-horse-42")
    assert not weak.needs_rehash(password_hash)
    assert stronger.needs_rehash(password_hash)
    assert await stronger.verify(password_hash, "correct-horse-42")


async def test_an_unknown_account_never_verifies() -> None:
    passwords = Passwords(time_cost=1, memory_kib=8192, parallelism=1)
    assert not await passwords.verify(None, "anything-at-all-1")
    assert not await passwords.verify("not-a-hash", "anything-at-all-1")
