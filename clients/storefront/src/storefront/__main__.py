"""`storefront serve`: the shop's web pages on SERVICE_HOST:SERVICE_PORT (127.0.0.1:3000)."""

from __future__ import annotations

import argparse
import sys

from storefront.config import get_settings


def serve() -> None:
    """Serve the app with granian (one process per worker; `SERVICE_WORKERS`)."""
    from granian import Granian
    from granian.constants import Interfaces

    settings = get_settings().service
    Granian(
        "storefront.asgi:app",
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=settings.workers,
        log_access=False,
    ).serve()


COMMANDS = {"serve": serve}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="storefront", description=__doc__)
    parser.add_argument("command", choices=sorted(COMMANDS))
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    COMMANDS[args.command]()


if __name__ == "__main__":
    main()
