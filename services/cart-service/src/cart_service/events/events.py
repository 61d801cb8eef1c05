"""The events this service publishes: none. A cart is private working state; what a customer
buys becomes an order, and order-service announces it."""

from __future__ import annotations

from shopkit.messaging import Event

PUBLISHED: tuple[type[Event], ...] = ()
