"""Reservations: stock held for an order until it is committed, released or expires."""

from inventory_service.domain.reservations._sweeper import ReservationSweeper
from inventory_service.domain.reservations.controllers import ReservationController
from inventory_service.domain.reservations.services import ReservationService

__all__ = ["ReservationController", "ReservationService", "ReservationSweeper"]
