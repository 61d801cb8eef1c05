"""Properties of `shopkit.money`, checked against `decimal` as an independent oracle."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shopkit.money import CURRENCIES, ExchangeRates, Money, Rounding, sum_money

pytestmark = pytest.mark.unit

ORACLE = {Rounding.HALF_EVEN: ROUND_HALF_EVEN, Rounding.HALF_UP: ROUND_HALF_UP}

codes = st.sampled_from(sorted(CURRENCIES))
amounts = st.integers(min_value=-(10**15), max_value=10**15)
roundings = st.sampled_from(list(Rounding))
rates = st.decimals(
    min_value=Decimal("0.0001"), max_value=Decimal("100000"), places=6, allow_nan=False
).filter(lambda rate: rate > 0)
majors = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=6, allow_nan=False
)


def money_in(currency: str) -> st.SearchStrategy[Money]:
    return amounts.map(lambda amount: Money(amount, currency))


def oracle_round(value: Decimal, rounding: Rounding) -> int:
    with localcontext() as ctx:
        ctx.prec = 100
        return int(value.quantize(Decimal(1), rounding=ORACLE[rounding]))


@given(codes.flatmap(lambda code: st.tuples(money_in(code), money_in(code), money_in(code))))
def test_addition_is_commutative_and_associative(trio: tuple[Money, Money, Money]) -> None:
    a, b, c = trio
    assert a + b == b + a
    assert (a + b) + c == a + (b + c)
    assert a - b == a + -b
    assert (a + b) - b == a


@given(codes.flatmap(lambda code: st.lists(money_in(code), max_size=20).map(lambda m: (code, m))))
def test_sum_money_matches_integer_sum(case: tuple[str, list[Money]]) -> None:
    code, items = case
    assert sum_money(items, code) == Money(sum(item.amount for item in items), code)


@given(
    amounts,
    codes,
    st.lists(
        st.integers(min_value=0, max_value=10**6) | st.decimals("0", "1000", places=3),
        min_size=1,
        max_size=12,
    ).filter(lambda ratios: sum(ratios) > 0),
)
def test_allocate_loses_no_minor_unit(amount: int, code: str, ratios: list[int | Decimal]) -> None:
    money = Money(amount, code)
    parts = money.allocate(ratios)
    assert len(parts) == len(ratios)
    assert sum_money(parts, code) == money
    total = sum(Fraction(ratio) for ratio in ratios)
    for part, ratio in zip(parts, ratios, strict=True):
        exact = Fraction(amount) * Fraction(ratio) / total
        assert abs(part.amount - exact) < 1
        if ratio == 0:
            assert part.amount == 0


@given(majors, codes, roundings)
def test_of_rounds_once_like_decimal(major: Decimal, code: str, rounding: Rounding) -> None:
    exponent = CURRENCIES[code].exponent
    money = Money.of(major, code, rounding)
    assert money.amount == oracle_round(major.scaleb(exponent), rounding)
    assert abs(Fraction(money.to_decimal()) - Fraction(major)) <= Fraction(1, 2 * 10**exponent)
    assert Money.of(str(major), code, rounding) == money


@given(amounts, codes)
def test_to_decimal_round_trips_and_has_the_exponent_s_digits(amount: int, code: str) -> None:
    money = Money(amount, code)
    value = money.to_decimal()
    assert value.as_tuple().exponent == -CURRENCIES[code].exponent
    assert Money.of(value, code) == money
    assert msgspec.json.decode(msgspec.json.encode(money), type=Money) == money


@given(amounts, st.decimals("-1000", "1000", places=4, allow_nan=False), roundings)
def test_multiply_rounds_like_decimal(amount: int, factor: Decimal, rounding: Rounding) -> None:
    assert Money(amount, "EUR").multiply(factor, rounding).amount == oracle_round(
        Decimal(amount) * factor, rounding
    )


@given(amounts, codes, codes, rates, rates, roundings)
def test_convert_is_within_half_a_minor_unit_of_the_exact_result(
    amount: int,
    source: str,
    target: str,
    source_rate: Decimal,
    target_rate: Decimal,
    rounding: Rounding,
) -> None:
    pairs = ((source, source_rate), (target, target_rate))
    table = ExchangeRates("USD", {code: rate for code, rate in pairs if code != "USD"})
    converted = table.convert(Money(amount, source), target, rounding)
    assert converted.currency == target
    exact = (
        Fraction(amount, 10 ** CURRENCIES[source].exponent)
        * table.rate(source, target)
        * 10 ** CURRENCIES[target].exponent
    )
    error = abs(converted.amount - exact)
    assert error <= Fraction(1, 2)
    if error == Fraction(1, 2):  # a tie: the mode decides which neighbour
        if rounding is Rounding.HALF_EVEN:
            assert converted.amount % 2 == 0
        else:
            assert abs(converted.amount) > abs(exact)


@given(amounts, st.sampled_from(["JPY", "KRW", "KWD", "BHD", "EUR"]), rates, roundings)
def test_convert_from_the_base_matches_decimal(
    amount: int, target: str, rate: Decimal, rounding: Rounding
) -> None:
    table = ExchangeRates("GBP", {target: rate})
    exponent = CURRENCIES[target].exponent
    exact = (Decimal(amount).scaleb(-2) * rate).scaleb(exponent)
    assert table.convert(Money(amount, "GBP"), target, rounding).amount == oracle_round(
        exact, rounding
    )


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_half_even_and_half_up_differ_only_on_ties(amount: int) -> None:
    major = Decimal(amount).scaleb(-3)  # three digits: EUR has to round the last one
    even = Money.of(major, "EUR", Rounding.HALF_EVEN).amount
    up = Money.of(major, "EUR", Rounding.HALF_UP).amount
    if amount % 10 == 5:
        assert abs(up) >= abs(even)
        assert even % 2 == 0
    else:
        assert even == up


@given(st.integers(min_value=0, max_value=10**12))
def test_zero_exponent_currencies_have_no_minor_digits(amount: int) -> None:
    assert "." not in Money(amount, "JPY").format()
    assert Money(amount, "JPY").to_decimal() == amount
    number, code = Money(amount, "KWD").format().split(" ")
    assert code == "KWD"
    assert len(number.split(".")[1]) == 3
