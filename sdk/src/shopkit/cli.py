"""Every service's command line: `<slug> serve | migrate | revision | seed | specs`, plus the
service's own commands. A service's `__main__.py` is

    cli = ServiceCli("order_service", SERVICE_COMMANDS)
    main = cli.main

and the rest follows from the service's shape (the template's): settings from
`<package>.config.get_settings()`, the app at `<package>.asgi:app` (built by `<package>.app`),
migrations in `<package>/db/migrations`, demo data from `<package>.seed.load_demo_data`, the
specs from `<package>.specs.write_specs`. Each command imports what it needs when it runs, so
`serve` loads nothing a migration needs and the other way round.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from pathlib import Path
from typing import Any

__all__ = ["ServiceCli"]

Command = Callable[[], None]


class ServiceCli:
    def __init__(self, package: str, commands: Mapping[str, Command] | None = None) -> None:
        """`package`: the service's import name; `commands`: its own, beside the standard ones
        (a name of its own may not hide a standard one)."""
        self.package = package
        self.prog = package.replace("_", "-")
        standard: dict[str, Command] = {
            "serve": self.serve,
            "migrate": self.migrate,
            "revision": self.revision,
            "seed": self.seed,
            "specs": self.specs,
        }
        clash = sorted(set(standard) & set(commands or {}))
        if clash:
            raise ValueError(f"{package}: its own commands may not be named {', '.join(clash)}")
        self.commands = {**standard, **(commands or {})}
        self._words: list[str] = []
        spec = import_module(package).__file__
        assert spec is not None
        self.migrations = str(Path(spec).parent / "db" / "migrations")

    def settings(self) -> Any:
        return import_module(f"{self.package}.config").get_settings()

    def serve(self) -> None:
        """Serve the app with granian: in this process with one worker, else forked workers
        (`SERVICE_WORKERS`; see `shopkit.server`)."""
        from shopkit.server import serve as serve_app

        package = self.package
        serve_app(f"{package}.asgi:app", self.settings().service, preload=f"{package}.app")

    def migrate(self) -> None:
        """Create the database when it is missing and apply every migration."""
        from shopkit.db import upgrade

        settings = self.settings()
        upgrade(self.migrations, settings.database.url)
        _say(f"{settings.service.name}: migrations applied")

    def revision(self) -> None:
        """Write a new migration from the models (`<slug> revision "add x"`)."""
        from shopkit.db import make_migration

        message = " ".join(self._words) or "change"
        make_migration(self.migrations, self.settings().database.url, message)

    def seed(self) -> None:
        """Load demo data; running it twice changes nothing."""
        load_demo_data = import_module(f"{self.package}.seed").load_demo_data
        _say(str(asyncio.run(load_demo_data(self.settings()))))

    def specs(self) -> None:
        """Write the OpenAPI and AsyncAPI documents the catalog points at (docs/)."""
        for path in import_module(f"{self.package}.specs").write_specs():
            _say(f"wrote {path}")

    def main(self, argv: list[str] | None = None) -> None:
        parser = argparse.ArgumentParser(
            prog=self.prog,
            description=f"{self.prog}: {', '.join(sorted(self.commands))}",
        )
        parser.add_argument("command", choices=sorted(self.commands))
        parser.add_argument("words", nargs="*", help="the message of a new revision")
        args = parser.parse_args(argv if argv is not None else sys.argv[1:])
        self._words = list(args.words)
        self.commands[args.command]()


def _say(line: str) -> None:
    """A command's answer, on standard output (what the command is for, not a log line)."""
    sys.stdout.write(f"{line}\n")
