"""Which channels a message goes out on: transactional email always, the rest by choice."""

from __future__ import annotations

import msgspec
import pytest

from notification_service.domain.notifications.services import reason_text, retry_delay
from notification_service.domain.preferences._rules import ChannelChoice, channels_for, is_e164
from notification_service.domain.preferences.schemas import PreferencesUpdate

pytestmark = pytest.mark.unit

BOTH = ("email", "sms")
OFF = ChannelChoice(email=False, sms=False)


@pytest.mark.parametrize(
    "template",
    ["user.password_reset_requested", "order.confirmed", "order.cancelled", "payment.refunded"],
)
def test_transactional_email_goes_out_even_with_email_turned_off(template: str) -> None:
    assert channels_for(template, OFF, BOTH) == [("email", None)]


@pytest.mark.parametrize("template", ["user.registered", "order.shipped"])
def test_other_email_follows_the_preference(template: str) -> None:
    assert channels_for(template, OFF, BOTH) == []
    assert channels_for(template, ChannelChoice(), BOTH) == [("email", None)]


def test_sms_needs_opt_in_a_phone_and_a_template() -> None:
    phone = "+4915123456789"
    assert channels_for("order.shipped", ChannelChoice(sms=True, phone=phone), BOTH) == [
        ("email", None),
        ("sms", phone),
    ]
    assert ("sms", phone) not in channels_for("order.shipped", ChannelChoice(phone=phone), BOTH)
    assert channels_for("order.shipped", ChannelChoice(sms=True), BOTH) == [("email", None)]
    only_email = channels_for("user.registered", ChannelChoice(sms=True, phone=phone), ("email",))
    assert only_email == [("email", None)]


@pytest.mark.parametrize(
    ("phone", "valid"),
    [
        ("+4915123456789", True),
        ("+14155550123", True),
        ("015123456789", False),
        ("+0123456789", False),
        ("+49 151 234", False),
        ("+1234567890123456", False),
    ],
)
def test_phone_numbers_are_e164(phone: str, valid: bool) -> None:
    assert is_e164(phone) is valid
    body = msgspec.json.encode({"email": True, "sms": True, "phone": phone})
    if valid:
        assert msgspec.json.decode(body, type=PreferencesUpdate).phone == phone
    else:
        with pytest.raises(msgspec.ValidationError, match="phone"):
            msgspec.json.decode(body, type=PreferencesUpdate)


def test_retries_back_off_exponentially() -> None:
    assert [retry_delay(n, 30).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_cancellation_reasons_read_as_words() -> None:
    assert reason_text("payment_failed") == "the payment did not go through"
    assert reason_text("warehouse_flooded") == "warehouse flooded"
