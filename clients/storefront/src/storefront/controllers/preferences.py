"""The currency switcher: remembered in the session, so every page after it uses it."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect

from storefront.pages import Shop, safe_next


class PreferencesController(Controller):
    @post("/currency", operation_id="setCurrency", status_code=303)
    async def set_currency(
        self,
        shop: NamedDependency[Shop],
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Redirect:
        currencies = [c["code"] for c in await shop.reference.currencies(shop.api)]
        if data.get("currency") in currencies:
            shop.session.currency = data["currency"]
        return shop.redirect(safe_next(data.get("next")))
