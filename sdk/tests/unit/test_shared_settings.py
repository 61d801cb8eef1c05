"""`SharedSettings` + `settings_from_env`: a service lists only its own groups, and every group
is read from the environment under its prefix, with the service's defaults beneath."""

from __future__ import annotations

import msgspec
import pytest
from shopkit.config import SharedSettings, settings_from_env

pytestmark = pytest.mark.unit


class OrderSettings(msgspec.Struct, frozen=True, kw_only=True):
    payment_timeout_seconds: int = 900


class UpstreamSettings(msgspec.Struct, frozen=True, kw_only=True):
    base_url: str


class Settings(SharedSettings, frozen=True, kw_only=True):
    order: OrderSettings = msgspec.field(default_factory=OrderSettings)
    cart_service: UpstreamSettings = UpstreamSettings(base_url="http://127.0.0.1:3003")
    payment_service: UpstreamSettings = UpstreamSettings(base_url="http://127.0.0.1:3005")


def load(environ: dict[str, str]) -> Settings:
    return settings_from_env(
        Settings,
        environ=environ,
        service={"name": "order-service", "version": "1.2.3", "port": 3004},
        database={"url": "postgresql+asyncpg://postgres@127.0.0.1:5432/order"},
    )


def test_every_group_comes_from_its_prefix_over_the_services_defaults() -> None:
    settings = load(
        {
            "SERVICE_PORT": "4004",
            "DATABASE_POOL_SIZE": "3",
            "OTEL_TRACES_SAMPLER_ARG": "0.5",
            "ORDER_PAYMENT_TIMEOUT_SECONDS": "60",
            "CART_SERVICE_BASE_URL": "http://cart:3003",
        }
    )
    assert (settings.service.name, settings.service.version) == ("order-service", "1.2.3")
    assert settings.service.port == 4004  # the environment wins over the default
    assert settings.database.url.endswith("/order")
    assert settings.database.pool_size == 3
    assert settings.telemetry.traces_sampler_arg == 0.5
    assert settings.order.payment_timeout_seconds == 60
    assert settings.cart_service.base_url == "http://cart:3003"
    assert settings.payment_service.base_url == "http://127.0.0.1:3005"  # the field's default


def test_a_bad_value_stops_start_up_naming_the_field() -> None:
    with pytest.raises(msgspec.ValidationError, match="payment_timeout_seconds"):
        load({"ORDER_PAYMENT_TIMEOUT_SECONDS": "soon"})
