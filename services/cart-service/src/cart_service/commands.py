"""Command-line actions of this service beyond the standard ones (serve, migrate, revision,
seed, specs): `cart-service <name>` runs `SERVICE_COMMANDS[name]()`."""

from __future__ import annotations

from collections.abc import Callable

SERVICE_COMMANDS: dict[str, Callable[[], None]] = {}
