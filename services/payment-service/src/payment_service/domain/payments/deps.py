"""How requests get the payment service: built on the request's session with the app's one
provider (`app.state["payment_provider"]`, chosen from the settings at start-up)."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from payment_service.domain.payments.services import PaymentService


async def provide_payments(
    db_session: NamedDependency[AsyncSession], state: State
) -> PaymentService:
    return PaymentService(db_session, state["payment_provider"])
