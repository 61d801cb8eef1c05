"""`{{ cookiecutter.slug }} serve | migrate | revision | seed | specs`, plus this service's own
commands (`commands.py`); see `shopkit.cli`."""

from __future__ import annotations

from shopkit.cli import ServiceCli

from {{ cookiecutter.package }}.commands import SERVICE_COMMANDS

cli = ServiceCli("{{ cookiecutter.package }}", SERVICE_COMMANDS)
MIGRATIONS = cli.migrations
main = cli.main

if __name__ == "__main__":
    main()
