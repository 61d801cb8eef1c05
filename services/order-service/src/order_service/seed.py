"""Demo data for `make up`; idempotent, so a second run changes nothing."""

from __future__ import annotations

from shopkit.db import sqlalchemy_config

from order_service.config import Settings
from order_service.domain.records import RecordService
from order_service.domain.records.schemas import RecordCreate

DEMO_RECORDS = (
    RecordCreate(name="first", description="The first demo record."),
    RecordCreate(name="second", description="The second demo record."),
)


async def load_demo_data(settings: Settings) -> str:
    database = sqlalchemy_config(settings.database)
    created = 0
    async with database.get_session() as session:
        records = RecordService(session=session)
        for demo in DEMO_RECORDS:
            if await records.get_one_or_none(name=demo.name) is None:
                await records.create_record(demo)
                created += 1
        await session.commit()
    await database.get_engine().dispose()
    return f"{settings.service.name}: {created} demo records created"
