"""Messages from Jinja2 templates: `templates/<event>/<channel>.{subject,txt,html}`.

`<event>` is the event type without its version (`order.confirmed`). HTML is autoescaped (a
customer's name is data, never markup); text and subjects are not, as they are not HTML.
Money is shown in its own currency with `shopkit.money`'s `format()` (`| money`).
"""

from __future__ import annotations

from typing import Any

import msgspec
from jinja2 import (
    Environment,
    PackageLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)
from shopkit.money import Money

EMAIL = "email"
SMS = "sms"
CHANNELS = (EMAIL, SMS)


class Rendered(msgspec.Struct, frozen=True):
    subject: str
    text: str
    html: str | None = None


def format_money(value: Money | dict[str, Any]) -> str:
    money = value if isinstance(value, Money) else msgspec.convert(value, Money)
    return money.format()


class Templates:
    """The packaged templates, loaded once per process."""

    def __init__(self) -> None:
        self._env = Environment(
            loader=PackageLoader("notification_service", "templates"),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters["money"] = format_money
        names = set(self._env.list_templates())
        self._channels: dict[str, tuple[str, ...]] = {}
        for name in names:
            template, _, file = name.partition("/")
            channel = file.split(".", 1)[0]
            if channel in CHANNELS:
                known = self._channels.get(template, ())
                if channel not in known:
                    self._channels[template] = (*known, channel)

    def channels(self, template: str) -> tuple[str, ...]:
        """The channels `template` has a message for (email first)."""
        return tuple(c for c in CHANNELS if c in self._channels.get(template, ()))

    def _render(self, name: str, context: dict[str, Any]) -> str | None:
        try:
            template = self._env.get_template(name)
        except TemplateNotFound:
            return None
        return template.render(context)

    def render(self, template: str, channel: str, context: dict[str, Any]) -> Rendered:
        if channel not in self.channels(template):
            raise LookupError(f"no {channel} template for {template}")
        if channel == SMS:
            text = self._render(f"{template}/sms.txt", context) or ""
            return Rendered(subject="", text=" ".join(text.split()))
        subject = self._render(f"{template}/email.subject", context) or ""
        return Rendered(
            subject=" ".join(subject.split()),
            text=(self._render(f"{template}/email.txt", context) or "").strip() + "\n",
            html=self._render(f"{template}/email.html", context),
        )
