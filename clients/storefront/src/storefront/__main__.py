"""`storefront serve`: the shop's web pages on SERVICE_HOST:SERVICE_PORT (127.0.0.1:3000)."""

from __future__ import annotations

import argparse
import sys

from storefront.config import get_settings


def serve() -> None:
    """Serve the app with granian: in this process with one worker, else forked workers
    (`SERVICE_WORKERS`; see `shopkit.server`)."""
    from shopkit.server import serve as serve_app

    serve_app("storefront.asgi:app", get_settings().service, preload="storefront.app")


COMMANDS = {"serve": serve}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="storefront", description=__doc__)
    parser.add_argument("command", choices=sorted(COMMANDS))
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    COMMANDS[args.command]()


if __name__ == "__main__":
    main()
