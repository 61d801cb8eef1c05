"""`shopkit.cli.ServiceCli`: every service's commands, found from the package's shape."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from shopkit.cli import ServiceCli

pytestmark = pytest.mark.unit


@pytest.fixture
def package(tmp_path: Path) -> Iterator[str]:
    """A package shaped like a service: config, seed and specs modules that leave a trace."""
    root = tmp_path / "cli_demo_service"
    (root / "db" / "migrations").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "config.py").write_text(
        textwrap.dedent(
            """
            from types import SimpleNamespace

            def get_settings():
                return SimpleNamespace(
                    service=SimpleNamespace(name="cli-demo-service"),
                    database=SimpleNamespace(url="postgresql+asyncpg://nowhere/demo"),
                )
            """
        )
    )
    (root / "seed.py").write_text(
        "async def load_demo_data(settings):\n    return f'seeded {settings.service.name}'\n"
    )
    (root / "specs.py").write_text("def write_specs():\n    return ['docs/openapi.json']\n")
    sys.path.insert(0, str(tmp_path))
    try:
        yield "cli_demo_service"
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("cli_demo_service")]:
            del sys.modules[name]


def test_the_standard_commands_use_the_packages_own_modules(
    package: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[str] = []
    cli = ServiceCli(package, {"reindex": lambda: ran.append("reindex")})
    assert cli.prog == "cli-demo-service"
    assert cli.migrations.endswith("cli_demo_service/db/migrations")
    assert sorted(cli.commands) == ["migrate", "reindex", "revision", "seed", "serve", "specs"]

    cli.main(["seed"])
    cli.main(["specs"])
    cli.main(["reindex"])
    assert capsys.readouterr().out.splitlines() == [
        "seeded cli-demo-service",
        "wrote docs/openapi.json",
    ]
    assert ran == ["reindex"]


def test_an_unknown_command_is_a_usage_error_and_a_standard_name_cannot_be_taken(
    package: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        ServiceCli(package).main(["deploy"])
    assert exited.value.code == 2
    assert "invalid choice: 'deploy'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="may not be named seed"):
        ServiceCli(package, {"seed": lambda: None})
