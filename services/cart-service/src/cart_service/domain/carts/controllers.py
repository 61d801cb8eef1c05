"""HTTP for carts. A guest cart's id is its only key; a customer cart answers to its owner."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from shopkit.auth import ROLE_CUSTOMER, current_principal, optional_principal, requires_role

from cart_service.domain.carts.schemas import Cart, CartCreate, LineAdd, LineUpdate
from cart_service.domain.carts.services import CartService

ANYONE: list[dict[str, list[str]]] = [{}]


class CartController(Controller):
    path = "/api/carts"
    tags = ["carts"]

    @post(
        "/",
        operation_id="createCart",
        security=ANYONE,
        status_code=HTTP_201_CREATED,
        responses={
            HTTP_200_OK: ResponseSpec(
                Cart, description="The customer's cart, which already existed"
            )
        },
    )
    async def create_cart(
        self,
        request: Request[Any, Any, Any],
        carts: NamedDependency[CartService],
        data: JSONBody[CartCreate | None] = None,
    ) -> Response[Cart]:
        """A guest cart (no token), or the customer's one cart: 201 when it was created, 200
        with the same cart when the customer already has one."""
        cart, created = await carts.create(
            optional_principal(request), data.currency if data else None
        )
        return Response(cart, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/{cart_id:str}", operation_id="getCart", security=ANYONE)
    async def get_cart(
        self,
        request: Request[Any, Any, Any],
        carts: NamedDependency[CartService],
        cart_id: FromPath[str],
        currency: Annotated[
            str | None, QueryParameter(description="EUR, USD, GBP or JPY (default: the cart's)")
        ] = None,
    ) -> Cart:
        """The cart priced now; a customer cart only for its owner (or an admin)."""
        return await carts.get(cart_id, optional_principal(request), currency)

    @post(
        "/{cart_id:str}/items", operation_id="addCartItem", security=ANYONE, status_code=HTTP_200_OK
    )
    async def add_item(
        self,
        request: Request[Any, Any, Any],
        carts: NamedDependency[CartService],
        cart_id: FromPath[str],
        data: JSONBody[LineAdd],
    ) -> Cart:
        """Add to the SKU's line (a new line if there is none); at most 99 per line."""
        return await carts.add_line(cart_id, optional_principal(request), data.sku, data.quantity)

    @patch("/{cart_id:str}/items/{sku:str}", operation_id="updateCartItem", security=ANYONE)
    async def update_item(
        self,
        request: Request[Any, Any, Any],
        carts: NamedDependency[CartService],
        cart_id: FromPath[str],
        sku: FromPath[str],
        data: JSONBody[LineUpdate],
    ) -> Cart:
        return await carts.update_line(cart_id, optional_principal(request), sku, data.quantity)

    @delete(
        "/{cart_id:str}/items/{sku:str}",
        operation_id="removeCartItem",
        security=ANYONE,
        status_code=HTTP_200_OK,
    )
    async def remove_item(
        self,
        request: Request[Any, Any, Any],
        carts: NamedDependency[CartService],
        cart_id: FromPath[str],
        sku: FromPath[str],
    ) -> Cart:
        return await carts.remove_line(cart_id, optional_principal(request), sku)

    @post(
        "/{cart_id:str}/claim",
        operation_id="claimCart",
        guards=[requires_role(ROLE_CUSTOMER)],
        status_code=HTTP_200_OK,
    )
    async def claim_cart(
        self,
        request: Request[Any, Any, Any],
        carts: NamedDependency[CartService],
        cart_id: FromPath[str],
    ) -> Cart:
        """Merge the guest cart `cart_id` into the caller's cart, which is returned."""
        return await carts.claim(cart_id, current_principal(request))
