from __future__ import annotations

from pathlib import Path

import pytest

from shopkit_platform.registry import REGISTRY, RegistryError, load

pytestmark = pytest.mark.unit

USER_SERVICE = """
[services.user-service]
port = 3001
database = "user"
routes = ["/api/auth", "/api/users/"]
team = "team-1"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "services.toml"
    path.write_text("[services]\n" + text)
    return path


def test_the_committed_registry_loads() -> None:
    services = load(REGISTRY)
    assert len({s.port for s in services}) == len(services)


def test_a_service_table_is_read_with_derived_names(tmp_path: Path) -> None:
    (service,) = load(write(tmp_path, USER_SERVICE))
    assert service.slug == "user-service"
    assert service.module == "user_service"
    assert service.routes == ("/api/auth", "/api/users")
    assert service.database_url == "postgresql+asyncpg://postgres@127.0.0.1:5432/user"
    assert service.worker is False


def test_services_are_ordered_by_port_and_a_redis_only_service_has_no_database(
    tmp_path: Path,
) -> None:
    text = USER_SERVICE + '\n[services.cart-service]\nport = 3003\nroutes = ["/api/carts"]\n'
    text = text.replace("3001", "3005")
    services = load(write(tmp_path, text))
    assert [s.slug for s in services] == ["cart-service", "user-service"]
    assert services[0].database is None
    assert services[0].database_url is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[services.a-service]\nport = 80\n", "port must be an integer"),
        ("[services.a-service]\nport = 3001\ncolour = 1\n", "unknown keys"),
        ("[services.Bad_Slug]\nport = 3001\n", "slug"),
        ('[services.a-service]\nport = 3001\ndatabase = "drop; table"\n', "database must match"),
        ('[services.a-service]\nport = 3001\nroutes = ["api/x"]\n', "bad route prefix"),
        ("[services.a-service]\nport = 8080\n", "belongs to the gateway"),
        (
            "[services.a-service]\nport = 3001\n[services.b-service]\nport = 3001\n",
            "port 3001 used by",
        ),
        (
            '[services.a-service]\nport = 3001\ndatabase = "x"\n'
            '[services.b-service]\nport = 3002\ndatabase = "x"\n',
            "database per service",
        ),
        (
            '[services.a-service]\nport = 3001\nroutes = ["/api/x"]\n'
            '[services.b-service]\nport = 3002\nroutes = ["/api/x/"]\n',
            "claimed by",
        ),
    ],
)
def test_impossible_registries_are_refused_with_a_reason(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(RegistryError, match=message):
        load(write(tmp_path, text))
