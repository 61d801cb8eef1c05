"""`notification-service serve | migrate | revision | seed | specs`, plus this service's own
commands (`commands.py`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from notification_service.commands import SERVICE_COMMANDS
from notification_service.config import get_settings

MIGRATIONS = str(Path(__file__).parent / "db" / "migrations")


def serve() -> None:
    """Serve the app with granian: in this process with one worker, else forked workers
    (`SERVICE_WORKERS`; see `shopkit.server`)."""
    from shopkit.server import serve as serve_app

    package = "notification_service"
    serve_app(f"{package}.asgi:app", get_settings().service, preload=f"{package}.app")


def migrate() -> None:
    """Create the database when it is missing and apply every migration."""
    from shopkit.db import upgrade

    upgrade(MIGRATIONS, get_settings().database.url)
    print(f"{get_settings().service.name}: migrations applied")


def revision() -> None:
    """Write a new migration from the models (`notification-service revision "add x"`)."""
    from shopkit.db import make_migration

    message = " ".join(sys.argv[2:]) or "change"
    make_migration(MIGRATIONS, get_settings().database.url, message)


def seed() -> None:
    """Load demo data; running it twice changes nothing."""
    from notification_service.seed import load_demo_data

    print(asyncio.run(load_demo_data(get_settings())))


def specs() -> None:
    """Write the OpenAPI and AsyncAPI documents the catalog points at (docs/)."""
    from notification_service.specs import write_specs

    for path in write_specs():
        print(f"wrote {path}")


COMMANDS = {
    "serve": serve,
    "migrate": migrate,
    "revision": revision,
    "seed": seed,
    "specs": specs,
    **SERVICE_COMMANDS,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="notification-service", description=__doc__)
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("words", nargs="*", help="the message of a new revision")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    COMMANDS[args.command]()


if __name__ == "__main__":
    main()
