"""This service's settings: the SDK's groups plus its own, read from the environment once.

The only module that reads the environment. Every default works for local development.
"""

from __future__ import annotations

from functools import lru_cache

from shopkit.config import SharedSettings, settings_from_env

from {{ cookiecutter.package }} import __version__

SLUG = "{{ cookiecutter.slug }}"
DEFAULT_PORT = {{ cookiecutter.port }}
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/{{ cookiecutter.database }}"


class Settings(SharedSettings, frozen=True, kw_only=True):
    """The SDK's groups (`SharedSettings`) and this service's own: add a group as a field
    (`orders: OrderSettings = msgspec.field(default_factory=OrderSettings)`), read from
    `ORDERS_*` by `settings_from_env`."""


def load_settings() -> Settings:
    return settings_from_env(
        Settings,
        service={"name": SLUG, "version": __version__, "port": DEFAULT_PORT},
        database={"url": DEFAULT_DATABASE_URL},
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
