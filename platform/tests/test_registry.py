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
    assert service.calls == ()
    assert service.demo_data is True


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
        ("[services.a-service]\nport = 3001\nworker = true\n", "unknown keys"),
        (
            '[services.a-service]\nport = 3001\ncalls = { B_URL = "b-service" }\n',
            "calls.B_URL names 'b-service', which is not another registered service",
        ),
        (
            '[services.a-service]\nport = 3001\ncalls = { b_url = "a-service" }\n',
            "not an environment variable name",
        ),
        ('[services.a-service]\nport = 3001\ndemo_data = "no"\n', "demo_data must be"),
        ("[services.a-service]\nport = 3001\n[services.a-service.compose]\nimage = 1\n", "compose"),
        (
            '[services.a-service]\nport = 3001\n[services.a-service.compose]\ndepends_on = ["A"]\n',
            "compose.depends_on",
        ),
    ],
)
def test_impossible_registries_are_refused_with_a_reason(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(RegistryError, match=message):
        load(write(tmp_path, text))


def test_an_app_table_lives_in_clients_and_has_no_database(tmp_path: Path) -> None:
    path = tmp_path / "services.toml"
    path.write_text(
        '[services]\n[apps]\n[apps.storefront]\nport = 3000\nroutes = ["/"]\nteam = "team-4"\n'
    )
    (app,) = load(path)
    assert app.is_app
    assert app.kind == "app"
    assert app.path.parts[-2:] == ("clients", "storefront")
    assert app.database_url is None


def test_an_app_cannot_have_a_database(tmp_path: Path) -> None:
    path = tmp_path / "services.toml"
    path.write_text('[apps.admin]\nport = 3009\ndatabase = "admin"\nroutes = ["/admin"]\n')
    with pytest.raises(RegistryError, match="unknown keys"):
        load(path)


def test_cached_and_strict_paths_must_lie_under_the_services_routes(tmp_path: Path) -> None:
    good = USER_SERVICE.replace(
        'team = "team-1"', 'team = "team-1"\nstrict_limit = ["/api/auth/login"]'
    )
    (service,) = load(write(tmp_path, good))
    assert service.strict_limit == ("/api/auth/login",)
    bad = USER_SERVICE.replace('team = "team-1"', 'team = "team-1"\ncached = ["/api/products"]')
    with pytest.raises(RegistryError, match="cached path '/api/products'"):
        load(write(tmp_path, bad))
    bad = USER_SERVICE.replace('team = "team-1"', 'team = "team-1"\nqueued = ["/api/carts"]')
    with pytest.raises(RegistryError, match="queued path '/api/carts'"):
        load(write(tmp_path, bad))


def test_the_committed_registry_routes_the_web_apps_and_caches_the_catalog() -> None:
    by_slug = {s.slug: s for s in load(REGISTRY)}
    assert by_slug["storefront"].routes == ("/",)
    assert by_slug["storefront"].is_app
    assert by_slug["admin"].routes == ("/admin",)
    assert by_slug["admin"].is_app
    assert "/api/products" in by_slug["product-service"].cached
    assert "/api/search" in by_slug["search-service"].cached
    assert set(by_slug["user-service"].strict_limit) == {"/api/auth/login", "/api/auth/register"}
    # a rush on checkout waits its turn at the gateway (cart and order writes)
    assert by_slug["cart-service"].queued == ("/api/carts",)
    assert by_slug["order-service"].queued == ("/api/orders",)


def test_calls_demo_data_and_compose_settings_are_read_in_order(tmp_path: Path) -> None:
    text = (
        USER_SERVICE
        + "\n[services.cart-service]\nport = 3003\ndemo_data = false\n"
        + '[services.cart-service.calls]\nUSER_B = "user-service"\nUSER_A = "user-service"\n'
        + '[services.cart-service.compose]\nenvironment = { X = "1" }\ndepends_on = ["redis"]\n'
    )
    user, cart = load(write(tmp_path, text))
    assert cart.calls == (("USER_B", "user-service"), ("USER_A", "user-service"))
    assert cart.demo_data is False
    assert cart.compose_environment == (("X", "1"),)
    assert cart.compose_depends_on == ("redis",)
    assert user.compose_depends_on == ()
