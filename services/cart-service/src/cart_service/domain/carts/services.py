"""Cart rules over Redis and the catalog: who may see a cart, how lines change, how a guest
cart is claimed. Every cart returned is priced by the catalog at that moment."""

from __future__ import annotations

from shopkit.auth import ROLE_ADMIN, ROLE_CUSTOMER, Principal

from cart_service.config import CartSettings
from cart_service.domain.carts._catalog import Catalog
from cart_service.domain.carts._rules import (
    CartFull,
    CartNotFound,
    Change,
    UnknownSku,
    checked_currency,
    next_quantity,
    price_cart,
)
from cart_service.domain.carts._store import FULL, GONE, MOVED, CartStore, StoredCart
from cart_service.domain.carts.schemas import Cart

# A compare-and-set that keeps losing to other writers gives up after this many tries (each
# loss means someone else's write landed, so the cart as a whole is making progress).
MAX_ATTEMPTS = 200


def is_customer(principal: Principal | None) -> bool:
    return principal is not None and principal.has_role(ROLE_CUSTOMER)


class CartService:
    def __init__(self, store: CartStore, catalog: Catalog, settings: CartSettings) -> None:
        self.store = store
        self.catalog = catalog
        self.settings = settings

    async def create(self, principal: Principal | None, currency: str | None) -> tuple[Cart, bool]:
        """A customer's one cart (created once), or a new guest cart; True when created."""
        currency = checked_currency(currency or self.settings.default_currency)
        if is_customer(principal):
            assert principal is not None
            stored, created = await self.store.customer_cart(principal.subject, currency)
        else:
            stored, created = await self.store.create_guest_cart(currency), True
        return await self._priced(stored, stored.currency), created

    async def get(self, cart_id: str, principal: Principal | None, currency: str | None) -> Cart:
        stored = await self._cart_for(cart_id, principal, reading=True)
        return await self._priced(stored, checked_currency(currency or stored.currency))

    async def add_line(
        self, cart_id: str, principal: Principal | None, sku: str, quantity: int
    ) -> Cart:
        stored = await self._cart_for(cart_id, principal)
        available = await self._sellable(stored, sku)
        await self._change(stored, sku, Change.ADD, quantity, available)
        return await self._reloaded(stored)

    async def update_line(
        self, cart_id: str, principal: Principal | None, sku: str, quantity: int
    ) -> Cart:
        stored = await self._cart_for(cart_id, principal)
        available = await self._sellable(stored, sku)
        await self._change(stored, sku, Change.SET, quantity, available)
        return await self._reloaded(stored)

    async def remove_line(self, cart_id: str, principal: Principal | None, sku: str) -> Cart:
        stored = await self._cart_for(cart_id, principal)
        current = stored.lines.get(sku, 0)
        while current:
            status, current = await self.store.set_line(
                stored, sku, expected=current, quantity=0, max_lines=self.settings.max_lines
            )
            if status == GONE:
                raise CartNotFound
            if status != MOVED:
                break
        return await self._reloaded(stored)

    async def claim(self, guest_cart_id: str, principal: Principal) -> Cart:
        """Merge the guest cart into the caller's cart: quantities added as far as stock (and
        the per-line cap) allows; SKUs no longer on sale are dropped; the guest cart is gone."""
        guest = await self.store.load(guest_cart_id)
        if guest is None or (not guest.is_guest and guest.customer_id != principal.subject):
            raise CartNotFound
        own, _ = await self.store.customer_cart(principal.subject, guest.currency)
        if guest.id == own.id:
            return await self._priced(own, own.currency)
        skus = list(guest.lines)
        products = await self.catalog.products(skus, own.currency) if skus else {}
        availability = await self.catalog.availability(skus) if skus else {}
        taken = await self.store.take_guest_lines(guest.id)
        if taken is None:  # claimed (or expired) in the meantime
            raise CartNotFound
        for sku, quantity in sorted(taken.items()):
            product = products.get(sku)
            if product is None or not product.on_sale:
                continue
            await self._change(
                own, sku, Change.MERGE, quantity, availability.get(sku, 0), refuse_full=False
            )
        return await self._reloaded(own)

    async def clear(self, cart_id: str) -> None:
        await self.store.clear(cart_id)

    async def _cart_for(
        self, cart_id: str, principal: Principal | None, *, reading: bool = False
    ) -> StoredCart:
        """The cart if the caller may use it: a guest cart to whoever holds its id, a customer
        cart to its owner (and, for reading, to admins); anyone else gets 404, never the cart."""
        stored = await self.store.load(cart_id)
        if stored is None:
            raise CartNotFound
        if stored.is_guest:
            return stored
        if principal is not None and (
            principal.subject == stored.customer_id or (reading and principal.has_role(ROLE_ADMIN))
        ):
            return stored
        raise CartNotFound

    async def _sellable(self, stored: StoredCart, sku: str) -> int:
        """The SKU's availability, if the catalog sells it (else 422 naming `sku`)."""
        product = (await self.catalog.products([sku], stored.currency)).get(sku)
        if product is None or not product.on_sale:
            raise UnknownSku(sku)
        return (await self.catalog.availability([sku])).get(sku, 0)

    async def _change(
        self,
        stored: StoredCart,
        sku: str,
        change: Change,
        quantity: int,
        available: int,
        *,
        refuse_full: bool = True,
    ) -> None:
        current = stored.lines.get(sku, 0)
        for _ in range(MAX_ATTEMPTS):
            new = next_quantity(
                sku,
                change,
                current,
                quantity,
                cap=self.settings.max_line_quantity,
                available=available,
            )
            if new == current:
                return
            status, current = await self.store.set_line(
                stored, sku, expected=current, quantity=new, max_lines=self.settings.max_lines
            )
            if status == GONE:
                raise CartNotFound
            if status == FULL:
                if refuse_full:
                    raise CartFull(self.settings.max_lines)
                return
            if status != MOVED:
                return
        raise RuntimeError(f"line {sku} of cart {stored.id} kept changing; gave up")

    async def _reloaded(self, stored: StoredCart) -> Cart:
        fresh = await self.store.load(stored.id)
        if fresh is None:
            raise CartNotFound
        return await self._priced(fresh, fresh.currency)

    async def _priced(self, stored: StoredCart, currency: str) -> Cart:
        skus = list(stored.lines)
        products = await self.catalog.products(skus, currency) if skus else {}
        availability = await self.catalog.availability(skus) if skus else {}
        return price_cart(
            cart_id=stored.id,
            customer_id=stored.customer_id,
            currency=currency,
            lines=stored.lines,
            products=products,
            availability=availability,
        )
