"""Money as integer minor units plus an ISO 4217 code; never a float.

`Money(amount=1250, currency="EUR")` is €12.50 and is exactly the public API shape
`{"amount": 1250, "currency": "EUR"}`. Each currency's exponent comes from ISO 4217
(JPY 0, EUR 2, KWD 3), so one integer is exact in every currency and sums never drift.

Rounding happens only where a value leaves the integers: `Money.of` from major units,
multiplying by a `Decimal` quantity, and `ExchangeRates.convert`. All of them compute the exact
rational result first (`fractions.Fraction`, independent of any `decimal` context) and round
once, so the result is always within half a minor unit of the exact value.

The default is `Rounding.HALF_EVEN` (banker's rounding): ties go to the even neighbour, so over
many conversions ties round up as often as down and totals stay unbiased; it is the IEEE 754
default and what many ledgers and payment processors use. `Rounding.HALF_UP` (ties away from
zero) is offered because customers, and some tax authorities, expect 0.125 to show as 0.13 on a
displayed price.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from types import MappingProxyType

import msgspec

from shopkit.errors import InvalidInputError

__all__ = [
    "CURRENCIES",
    "Currency",
    "CurrencyMismatch",
    "ExchangeRates",
    "MissingExchangeRate",
    "Money",
    "Rounding",
    "UnknownCurrency",
    "sum_money",
    "zero",
]


class Rounding(enum.Enum):
    """How ties are broken. HALF_UP means away from zero, like `decimal.ROUND_HALF_UP`."""

    HALF_EVEN = "half_even"
    HALF_UP = "half_up"


class UnknownCurrency(InvalidInputError):
    """A code that is not an active ISO 4217 currency with decimal minor units."""

    code = "unknown-currency"

    def __init__(self, currency: object) -> None:
        super().__init__("currency", f"{currency!r} is not a known ISO 4217 currency code")
        self.currency = currency


class CurrencyMismatch(InvalidInputError):
    """Arithmetic or comparison between two currencies.

    A 422 rather than a 409: the conflict is between the inputs of one operation (an item priced
    in USD added to a EUR total), not with the current state of a resource that the client could
    resolve and retry. The fix is an explicit `ExchangeRates.convert`, never an implicit one.
    """

    code = "currency-mismatch"

    def __init__(self, left: str, right: str) -> None:
        super().__init__("currency", f"cannot combine {left} with {right}; convert first")
        self.currencies = (left, right)


class MissingExchangeRate(InvalidInputError):
    """The rate table has no rate for a currency, so the amount cannot be converted (422)."""

    code = "missing-exchange-rate"

    def __init__(self, currency: str, base: str) -> None:
        super().__init__("currency", f"no exchange rate for {currency} (rates are based on {base})")
        self.currency = currency


class Currency(msgspec.Struct, frozen=True):
    """An ISO 4217 currency: its code and its minor-unit exponent (digits after the point)."""

    code: str
    exponent: int

    @classmethod
    def get(cls, code: str) -> Currency:
        try:
            return CURRENCIES[code]
        except (KeyError, TypeError):
            raise UnknownCurrency(code) from None


# ISO 4217 (list one, 2024): active currencies and funds with decimal minor units. Precious
# metals, testing codes and "no currency" (XAU, XTS, XXX, ...) are left out on purpose.
_EXPONENTS: dict[int, str] = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
    2: (
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP "
        "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD "
        "FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD "
        "KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD "
        "NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP "
        "SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED "
        "VES WST XCD XCG YER ZAR ZMW ZWG"
    ),
}

CURRENCIES: Mapping[str, Currency] = MappingProxyType(
    {
        code: Currency(code, exponent)
        for exponent, codes in _EXPONENTS.items()
        for code in codes.split()
    }
)

# Display symbols for the currencies most customers see; every other code is shown after the
# number ("12.500 KWD"), which is unambiguous where "$" or "kr" would not be.
_SYMBOLS: Mapping[str, str] = MappingProxyType({"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"})


def _round(value: Fraction, rounding: Rounding) -> int:
    if rounding is Rounding.HALF_EVEN:
        return round(value)  # Fraction.__round__ rounds ties to even
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def _decimal(value: object, field: str) -> Decimal:
    """A finite Decimal from an int, a Decimal or a decimal string; floats are refused."""
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise InvalidInputError(field, f"expected int, Decimal or str, got {type(value).__name__}")
    try:
        decimal = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise InvalidInputError(field, f"{value!r} is not a decimal number") from None
    if not decimal.is_finite():
        raise InvalidInputError(field, f"{value!r} is not a finite number")
    return decimal


def _exact(value: object, field: str) -> Fraction:
    return Fraction(_decimal(value, field))


def _check_rounding(rounding: object) -> Rounding:
    if not isinstance(rounding, Rounding):
        raise TypeError(f"rounding must be a Rounding, got {rounding!r}")
    return rounding


class Money(msgspec.Struct, frozen=True):
    """An amount in integer minor units of `currency`: `Money(1250, "EUR")` is €12.50.

    Equality is structural (different currencies are simply unequal, so Money works in sets and
    dict keys); ordering, `+` and `-` across currencies raise `CurrencyMismatch`.
    """

    amount: int
    currency: str

    def __post_init__(self) -> None:
        # Runs on construction and on msgspec decoding, so API input is validated the same way.
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise InvalidInputError(
                "amount", f"must be an integer number of minor units, got {self.amount!r}"
            )
        Currency.get(self.currency)

    @classmethod
    def of(
        cls,
        major: Decimal | str | int,
        currency: str,
        rounding: Rounding = Rounding.HALF_EVEN,
    ) -> Money:
        """From major units: `Money.of("12.50", "EUR")`; extra digits are rounded once."""
        exponent = Currency.get(currency).exponent
        exact = _exact(major, "amount") * 10**exponent
        return cls(_round(exact, _check_rounding(rounding)), currency)

    @property
    def exponent(self) -> int:
        return Currency.get(self.currency).exponent

    def to_decimal(self) -> Decimal:
        """Major units with exactly the currency's digits: `Decimal("12.50")`, `Decimal("1200")`."""
        return Decimal(self.amount).scaleb(-self.exponent)

    def format(self) -> str:
        """For display only ("€1,234.50", "¥1,200", "-$3.00", "12.500 KWD"); never parse it."""
        number = f"{abs(self.to_decimal()):,.{self.exponent}f}"
        sign = "-" if self.amount < 0 else ""
        symbol = _SYMBOLS.get(self.currency)
        if symbol is not None:
            return f"{sign}{symbol}{number}"
        return f"{sign}{number} {self.currency}"

    def allocate(self, ratios: Sequence[int | Decimal | str]) -> list[Money]:
        """Split in proportion to `ratios` without creating or losing a minor unit.

        Largest remainder: each part gets the floor of its exact share, and the units left over
        go one each to the parts with the largest remainders (earlier parts win ties). Used for
        refunds and discounts spread over order lines, where the parts must add up exactly.
        """
        weights = [_exact(ratio, "ratios") for ratio in ratios]
        if not weights or any(weight < 0 for weight in weights) or sum(weights) == 0:
            raise InvalidInputError("ratios", "need at least one ratio, none negative, sum > 0")
        total = sum(weights, Fraction(0))
        units = abs(self.amount)
        shares = [units * weight / total for weight in weights]
        parts = [math.floor(share) for share in shares]
        left = units - sum(parts)
        by_remainder = sorted(range(len(shares)), key=lambda i: (parts[i] - shares[i], i))
        for index in by_remainder[:left]:
            parts[index] += 1
        sign = -1 if self.amount < 0 else 1
        return [Money(sign * part, self.currency) for part in parts]

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def multiply(self, quantity: int | Decimal, rounding: Rounding = Rounding.HALF_EVEN) -> Money:
        """Times a quantity or rate; a `Decimal` result is rounded once to minor units."""
        if isinstance(quantity, bool) or not isinstance(quantity, int | Decimal):
            raise TypeError(f"Money can be multiplied by int or Decimal, not {quantity!r}")
        exact = self.amount * _exact(quantity, "quantity")
        return Money(_round(exact, _check_rounding(rounding)), self.currency)

    def __mul__(self, quantity: object) -> Money:
        if isinstance(quantity, bool) or not isinstance(quantity, int | Decimal):
            return NotImplemented
        return self.multiply(quantity)

    __rmul__ = __mul__

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount <= other.amount

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount > other.amount

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount >= other.amount


def zero(currency: str) -> Money:
    return Money(0, currency)


def sum_money(items: Iterable[Money], currency: str) -> Money:
    """The total of `items`; the currency is explicit so an empty basket still has one."""
    total = zero(currency)
    for item in items:
        total += item
    return total


class ExchangeRates:
    """A rate table: one unit of `base` buys `rates[code]` units of `code` (major units).

    Rates are `Decimal` or decimal strings, never floats (a float rate is already wrong in the
    last digits). Conversions between two non-base currencies go through the base (cross rates).
    """

    __slots__ = ("_exact_rates", "base", "rates")

    def __init__(self, base: str, rates: Mapping[str, Decimal | str]) -> None:
        Currency.get(base)
        checked: dict[str, Decimal] = {base: Decimal(1)}
        for code, rate in rates.items():
            Currency.get(code)
            field = f"rates.{code}"
            if isinstance(rate, int):
                raise InvalidInputError(field, "rates must be Decimal or str")
            value = _decimal(rate, field)
            if value <= 0:
                raise InvalidInputError(field, "rates must be positive")
            if code == base and value != 1:
                raise InvalidInputError(field, "the base currency's rate must be 1")
            checked[code] = value
        self.base = base
        self.rates: Mapping[str, Decimal] = MappingProxyType(checked)
        self._exact_rates = {code: Fraction(value) for code, value in checked.items()}

    def rate(self, from_currency: str, to_currency: str) -> Fraction:
        """The exact cross rate (units of `to_currency` per unit of `from_currency`)."""
        return self._rate_of(to_currency) / self._rate_of(from_currency)

    def _rate_of(self, currency: str) -> Fraction:
        Currency.get(currency)
        try:
            return self._exact_rates[currency]
        except KeyError:
            raise MissingExchangeRate(currency, self.base) from None

    def convert(
        self, money: Money, to_currency: str, rounding: Rounding = Rounding.HALF_EVEN
    ) -> Money:
        """`money` in `to_currency`, rounded once to that currency's minor units."""
        target = Currency.get(to_currency)
        if money.currency == to_currency:
            return money
        exact = (
            Fraction(money.amount, 10**money.exponent)
            * self.rate(money.currency, to_currency)
            * 10**target.exponent
        )
        return Money(_round(exact, _check_rounding(rounding)), to_currency)

    def __repr__(self) -> str:
        return f"ExchangeRates(base={self.base!r}, rates={dict(self.rates)!r})"
