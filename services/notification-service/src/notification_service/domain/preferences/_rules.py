"""Which channels a message goes out on, from the recipient's preferences.

- Transactional email (a password reset, an order confirmed or cancelled, a refund) always goes
  out: it is about something the customer did or is owed, and turning email off cannot hide it.
- Other email (the welcome, shipping updates) follows the `email` preference.
- SMS is opt-in: only with `sms` on and a phone number stored, and only for messages that have
  an SMS template.
"""

from __future__ import annotations

import re

import msgspec

TRANSACTIONAL = frozenset(
    {"user.password_reset_requested", "order.confirmed", "order.cancelled", "payment.refunded"}
)
E164 = r"^\+[1-9][0-9]{6,14}$"
_E164 = re.compile(E164)


class ChannelChoice(msgspec.Struct, frozen=True, kw_only=True):
    email: bool = True
    sms: bool = False
    phone: str | None = None


def is_e164(phone: str) -> bool:
    return bool(_E164.match(phone))


def channels_for(
    template: str, choice: ChannelChoice, available: tuple[str, ...]
) -> list[tuple[str, str | None]]:
    """`(channel, address override)` pairs: the phone number for SMS, None for email."""
    chosen: list[tuple[str, str | None]] = []
    if "email" in available and (template in TRANSACTIONAL or choice.email):
        chosen.append(("email", None))
    if "sms" in available and choice.sms and choice.phone:
        chosen.append(("sms", choice.phone))
    return chosen
