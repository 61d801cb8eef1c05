from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import msgspec
import pytest
from shopkit.errors import ConflictError, InvalidInputError
from shopkit.money import (
    CURRENCIES,
    Currency,
    CurrencyMismatch,
    ExchangeRates,
    MissingExchangeRate,
    Money,
    Rounding,
    UnknownCurrency,
    sum_money,
    zero,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("code", "exponent"),
    [
        ("EUR", 2),
        ("USD", 2),
        ("GBP", 2),
        ("CHF", 2),
        ("SEK", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("CLP", 0),
        ("ISK", 0),
        ("KWD", 3),
        ("BHD", 3),
        ("JOD", 3),
        ("TND", 3),
        ("OMR", 3),
        ("CLF", 4),
    ],
)
def test_currency_exponents_follow_iso_4217(code: str, exponent: int) -> None:
    assert Currency.get(code) == Currency(code, exponent)
    assert CURRENCIES[code].exponent == exponent


@pytest.mark.parametrize("code", ["XXX", "eur", "EURO", "", "XAU"])
def test_unknown_currency_is_a_422_naming_the_currency_field(code: str) -> None:
    with pytest.raises(UnknownCurrency) as caught:
        Currency.get(code)
    assert isinstance(caught.value, InvalidInputError)
    assert caught.value.status_code == 422
    assert caught.value.invalid_params is not None
    assert caught.value.invalid_params[0].name == "currency"


def test_money_is_the_public_json_shape() -> None:
    price = Money(1250, "EUR")
    assert msgspec.json.encode(price) == b'{"amount":1250,"currency":"EUR"}'
    assert msgspec.json.decode(b'{"amount":1250,"currency":"EUR"}', type=Money) == price


@pytest.mark.parametrize("amount", [12.5, 12.0, True, Decimal("12"), "12"])
def test_amount_must_be_an_int(amount: Any) -> None:
    with pytest.raises(InvalidInputError) as caught:
        Money(amount, "EUR")
    assert caught.value.invalid_params is not None
    assert caught.value.invalid_params[0].name == "amount"


@pytest.mark.parametrize(
    "body", [b'{"amount":12.5,"currency":"EUR"}', b'{"amount":true,"currency":"EUR"}']
)
def test_decoding_rejects_non_integer_amounts(body: bytes) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(body, type=Money)


def test_decoding_rejects_unknown_currency_with_a_domain_error() -> None:
    with pytest.raises(UnknownCurrency):
        msgspec.json.decode(b'{"amount":1,"currency":"ABC"}', type=Money)


def test_money_is_frozen_and_hashable() -> None:
    price = Money(100, "EUR")
    with pytest.raises(AttributeError):
        price.amount = 5  # type: ignore[misc]
    assert {price, Money(100, "EUR")} == {price}


def test_of_and_to_decimal() -> None:
    assert Money.of("12.50", "EUR") == Money(1250, "EUR")
    assert Money.of(Decimal("12.5"), "EUR") == Money(1250, "EUR")
    assert Money.of(12, "EUR") == Money(1200, "EUR")
    assert Money.of("1200", "JPY") == Money(1200, "JPY")
    assert Money.of("12.5", "KWD") == Money(12500, "KWD")
    assert Money(1250, "EUR").to_decimal() == Decimal("12.50")
    assert str(Money(1250, "EUR").to_decimal()) == "12.50"
    assert str(Money(1200, "JPY").to_decimal()) == "1200"
    assert str(Money(12500, "KWD").to_decimal()) == "12.500"
    assert str(Money(-5, "EUR").to_decimal()) == "-0.05"


@pytest.mark.parametrize("major", [12.5, True, None, "twelve", "NaN", "Infinity"])
def test_of_rejects_floats_and_non_numbers(major: Any) -> None:
    with pytest.raises(InvalidInputError):
        Money.of(major, "EUR")


@pytest.mark.parametrize(
    ("major", "currency", "half_even", "half_up"),
    [
        ("0.125", "EUR", 12, 13),
        ("0.135", "EUR", 14, 14),
        ("-0.125", "EUR", -12, -13),
        ("2.5", "JPY", 2, 3),
        ("3.5", "JPY", 4, 4),
        ("0.0125", "KWD", 12, 13),
        ("0.1251", "EUR", 13, 13),
    ],
)
def test_half_even_and_half_up_on_ties(
    major: str, currency: str, half_even: int, half_up: int
) -> None:
    assert Money.of(major, currency) == Money(half_even, currency)
    assert Money.of(major, currency, Rounding.HALF_EVEN) == Money(half_even, currency)
    assert Money.of(major, currency, Rounding.HALF_UP) == Money(half_up, currency)


def test_arithmetic_within_one_currency() -> None:
    a, b = Money(1250, "EUR"), Money(199, "EUR")
    assert a + b == Money(1449, "EUR")
    assert a - b == Money(1051, "EUR")
    assert -a == Money(-1250, "EUR")
    assert abs(Money(-3, "EUR")) == Money(3, "EUR")
    assert a * 3 == 3 * a == Money(3750, "EUR")
    assert a * Decimal("0.19") == Money(238, "EUR")  # 237.5 → even
    assert a.multiply(Decimal("0.19"), Rounding.HALF_UP) == Money(238, "EUR")
    assert Money(1, "EUR") * Decimal("2.5") == Money(2, "EUR")
    assert Money(1, "EUR").multiply(Decimal("2.5"), Rounding.HALF_UP) == Money(3, "EUR")


@pytest.mark.parametrize("factor", [1.5, True, "2", None])
def test_multiplying_by_floats_or_strings_is_a_type_error(factor: Any) -> None:
    with pytest.raises(TypeError):
        Money(100, "EUR") * factor


def test_comparisons() -> None:
    assert Money(1, "EUR") < Money(2, "EUR") <= Money(2, "EUR")
    assert Money(3, "EUR") > Money(2, "EUR") >= Money(2, "EUR")
    assert max(Money(3, "JPY"), Money(7, "JPY")) == Money(7, "JPY")
    assert Money(1, "EUR") != Money(1, "USD")


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ],
)
def test_mixing_currencies_raises(operation: Any) -> None:
    with pytest.raises(CurrencyMismatch) as caught:
        operation(Money(1, "EUR"), Money(1, "USD"))
    assert caught.value.status_code == 422
    assert not isinstance(caught.value, ConflictError)


def test_money_does_not_mix_with_plain_numbers() -> None:
    with pytest.raises(TypeError):
        Money(1, "EUR") + 1
    with pytest.raises(TypeError):
        Money(1, "EUR") < 1  # noqa: B015


def test_zero_and_sum_money() -> None:
    assert zero("JPY") == Money(0, "JPY")
    assert sum_money([], "EUR") == Money(0, "EUR")
    assert sum_money((Money(i, "EUR") for i in range(5)), "EUR") == Money(10, "EUR")
    with pytest.raises(CurrencyMismatch):
        sum_money([Money(1, "EUR"), Money(1, "GBP")], "EUR")
    with pytest.raises(CurrencyMismatch):
        sum_money([Money(1, "GBP")], "EUR")


@pytest.mark.parametrize(
    ("amount", "ratios", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (5, [0, 1, 1], [0, 3, 2]),
        (1000, [Decimal("0.7"), Decimal("0.2"), Decimal("0.1")], [700, 200, 100]),
        (1001, [70, 20, 10], [701, 200, 100]),
        (1, [1, 1], [1, 0]),
        (0, [1, 2], [0, 0]),
        (999, ["1", "2"], [333, 666]),
    ],
)
def test_allocate(amount: int, ratios: list[Any], expected: list[int]) -> None:
    parts = Money(amount, "EUR").allocate(ratios)
    assert parts == [Money(part, "EUR") for part in expected]
    assert sum_money(parts, "EUR") == Money(amount, "EUR")


@pytest.mark.parametrize("ratios", [[], [0, 0], [1, -1], [0.5, 0.5], [True]])
def test_allocate_rejects_bad_ratios(ratios: list[Any]) -> None:
    with pytest.raises(InvalidInputError):
        Money(100, "EUR").allocate(ratios)


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(1250, "EUR"), "€12.50"),
        (Money(123456789, "EUR"), "€1,234,567.89"),
        (Money(-300, "USD"), "-$3.00"),
        (Money(5, "GBP"), "£0.05"),
        (Money(1200, "JPY"), "¥1,200"),
        (Money(12500, "KWD"), "12.500 KWD"),
        (Money(100000, "CHF"), "1,000.00 CHF"),
        (Money(1500, "KRW"), "1,500 KRW"),
    ],
)
def test_format(money: Money, text: str) -> None:
    assert money.format() == text


RATES = ExchangeRates(
    "EUR", {"USD": "1.0800", "JPY": Decimal("162.50"), "KWD": "0.3320", "GBP": "0.8500"}
)


def test_convert_across_exponents() -> None:
    assert RATES.convert(Money(1000, "EUR"), "JPY") == Money(1625, "JPY")  # 10.00 → ¥1625
    assert RATES.convert(Money(1000, "EUR"), "KWD") == Money(3320, "KWD")  # → 3.320 KWD
    assert RATES.convert(Money(1625, "JPY"), "EUR") == Money(1000, "EUR")
    assert RATES.convert(Money(3320, "KWD"), "EUR") == Money(1000, "EUR")


def test_convert_cross_rate_goes_through_the_base() -> None:
    # 10.00 USD = 9.259259.. EUR = 1504.629.. JPY
    assert RATES.convert(Money(1000, "USD"), "JPY") == Money(1505, "JPY")
    # 10.00 USD → GBP: 10 / 1.08 * 0.85 = 7.87037..
    assert RATES.convert(Money(1000, "USD"), "GBP") == Money(787, "GBP")
    assert RATES.rate("USD", "GBP") == Fraction(85, 108)


def test_convert_rounding_modes_on_a_tie() -> None:
    rates = ExchangeRates("EUR", {"USD": "1.25"})
    # 0.10 EUR * 1.25 = 0.125 USD
    assert rates.convert(Money(10, "EUR"), "USD") == Money(12, "USD")
    assert rates.convert(Money(10, "EUR"), "USD", Rounding.HALF_UP) == Money(13, "USD")


def test_convert_to_the_same_currency_is_identity() -> None:
    price = Money(1234, "SEK")  # no SEK rate needed
    assert RATES.convert(price, "SEK") is price


def test_missing_rate_is_a_clear_error() -> None:
    with pytest.raises(MissingExchangeRate, match="CHF"):
        RATES.convert(Money(100, "EUR"), "CHF")
    with pytest.raises(MissingExchangeRate, match="CHF"):
        RATES.convert(Money(100, "CHF"), "EUR")
    with pytest.raises(UnknownCurrency):
        RATES.convert(Money(100, "EUR"), "ABC")


@pytest.mark.parametrize(
    "rates",
    [
        {"USD": 1.08},
        {"USD": 1},
        {"USD": "abc"},
        {"USD": "0"},
        {"USD": "-1.2"},
        {"USD": "NaN"},
        {"EUR": "2"},
        {"ABC": "1.2"},
    ],
)
def test_rate_table_rejects_floats_and_nonsense(rates: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        ExchangeRates("EUR", rates)


def test_rate_table_keeps_decimals() -> None:
    assert RATES.base == "EUR"
    assert RATES.rates["USD"] == Decimal("1.0800")
    assert RATES.rates["EUR"] == Decimal(1)
    with pytest.raises(TypeError):
        RATES.rates["USD"] = Decimal(2)  # type: ignore[index]
