"""Demo accounts for `make up`; idempotent, so a second run changes nothing.

The demo passwords are documented development defaults (`DEMO_*` overrides them); seeding does
not apply the password policy, which would refuse them for containing the email's name part.
"""

from __future__ import annotations

from shopkit.auth import ROLE_ADMIN, ROLE_CUSTOMER
from shopkit.db import sqlalchemy_config

from user_service.config import Settings
from user_service.domain.accounts import UserService
from user_service.domain.accounts._passwords import Passwords


async def load_demo_data(settings: Settings) -> str:
    demo = settings.demo
    accounts = (
        ("demo admin", demo.admin_email, demo.admin_password, (ROLE_CUSTOMER, ROLE_ADMIN)),
        ("demo shopper", demo.shopper_email, demo.shopper_password, (ROLE_CUSTOMER,)),
    )
    identity = settings.identity
    passwords = Passwords(
        identity.argon2_time_cost, identity.argon2_memory_kib, identity.argon2_parallelism
    )
    database = sqlalchemy_config(settings.database)
    lines = []
    async with database.get_session() as session:
        users = UserService(session=session)
        for title, email, password, roles in accounts:
            if await users.by_email(email) is None:
                name = title.title()
                await users.create_user(email, name, await passwords.hash(password), roles)
                state = "created"
            else:
                state = "already there"
            lines.append(f"{settings.service.name}: {title} {email} / {password} ({state})")
        await session.commit()
    await database.get_engine().dispose()
    return "\n".join(lines)
