"""Reservations: stock held for an order until it is committed, released or expires."""

from inventory_service.domain.reservations._sweeper import reservation_sweeper
from inventory_service.domain.reservations.controllers import ReservationController
from inventory_service.domain.reservations.services import ReservationService

__all__ = ["ReservationController", "ReservationService", "reservation_sweeper"]
