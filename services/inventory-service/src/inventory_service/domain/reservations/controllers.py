"""HTTP for reservations: the order flow (role `service`) and admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from shopkit.auth import ROLE_ADMIN, ROLE_SERVICE, requires_role
from shopkit.db import LimitOffset, Page
from shopkit.openapi_problems import problem_responses

from inventory_service.db import models
from inventory_service.domain.reservations.schemas import (
    Reservation,
    ReservationCreate,
    ReservationLine,
)
from inventory_service.domain.reservations.services import ReservationService


def to_schema(reservation: models.Reservation) -> Reservation:
    return Reservation(
        reservation_id=reservation.id,
        order_id=reservation.order_id,
        lines=[ReservationLine(line["sku"], int(line["quantity"])) for line in reservation.lines],
        expires_at=reservation.expires_at,
        status=reservation.status,
        created_at=reservation.created_at,
    )


class ReservationController(Controller):
    path = "/api/inventory/reservations"
    tags = ["reservations"]
    guards = [requires_role(ROLE_SERVICE, ROLE_ADMIN)]

    @post(
        "/",
        operation_id="reserveStock",
        status_code=HTTP_201_CREATED,
        responses={
            HTTP_200_OK: ResponseSpec(
                Reservation, description="The order's reservation, made by an earlier request"
            ),
            **problem_responses(409, description="Not enough stock: names the short SKUs"),
        },
    )
    async def reserve(
        self, reservations: NamedDependency[ReservationService], data: JSONBody[ReservationCreate]
    ) -> Response[Reservation]:
        """Hold every line of an order, or none (409 naming the short SKUs).

        Asking again for the same order returns the same reservation (200).
        """
        reservation, created = await reservations.reserve(data)
        return Response(
            to_schema(reservation), status_code=HTTP_201_CREATED if created else HTTP_200_OK
        )

    @get("/", operation_id="listReservations", responses=problem_responses(422))
    async def list_reservations(
        self,
        reservations: NamedDependency[ReservationService],
        page: NamedDependency[LimitOffset],
        status: Annotated[
            str | None, QueryParameter(description="active, committed or released")
        ] = None,
        order_id: Annotated[
            list[str] | None,
            QueryParameter(description="only the reservations of these orders (at most 100)"),
        ] = None,
        created_before: Annotated[
            datetime | None, QueryParameter(description="only those made at or before this")
        ] = None,
    ) -> Page[Reservation]:
        """Reservations, oldest first. order-service's reconciliation asks for those still
        active a while after they were made (each should belong to an order still in checkout)
        and for those of the orders it confirmed (each should be committed)."""
        rows, total = await reservations.list_reservations(
            status=status,
            order_ids=order_id or [],
            created_before=created_before,
            limit=page.limit,
            offset=page.offset,
        )
        return Page(
            items=[to_schema(row) for row in rows],
            total=total,
            limit=page.limit,
            offset=page.offset,
        )

    @get("/{reservation_id:uuid}", operation_id="getReservation")
    async def get_reservation(
        self, reservations: NamedDependency[ReservationService], reservation_id: FromPath[UUID]
    ) -> Reservation:
        return to_schema(await reservations.find(reservation_id))

    @post(
        "/{reservation_id:uuid}/commit", operation_id="commitReservation", status_code=HTTP_200_OK
    )
    async def commit(
        self, reservations: NamedDependency[ReservationService], reservation_id: FromPath[UUID]
    ) -> Reservation:
        """The order is paid: the held units leave stock (idempotent)."""
        return to_schema(await reservations.commit(reservation_id))

    @post(
        "/{reservation_id:uuid}/release", operation_id="releaseReservation", status_code=HTTP_200_OK
    )
    async def release(
        self, reservations: NamedDependency[ReservationService], reservation_id: FromPath[UUID]
    ) -> Reservation:
        """The order is cancelled or failed: the held units become available again (idempotent)."""
        return to_schema(await reservations.release(reservation_id))
