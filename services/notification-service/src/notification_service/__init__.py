"""notification-service (what it does: README.md and the pyproject description)."""

__version__ = "1.0.0"
