"""`order-service serve | migrate | revision | seed | specs`, plus this service's own
commands (`commands.py`); see `shopkit.cli`."""

from __future__ import annotations

from shopkit.cli import ServiceCli

from order_service.commands import SERVICE_COMMANDS

cli = ServiceCli("order_service", SERVICE_COMMANDS)
MIGRATIONS = cli.migrations
main = cli.main

if __name__ == "__main__":
    main()
