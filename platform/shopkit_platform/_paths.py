"""Where things live; every path is derived from the repository root."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("SHOPKIT_ROOT", Path(__file__).resolve().parents[2]))
PLATFORM = ROOT / "platform"
REGISTRY = PLATFORM / "services.toml"
SERVICES_DIR = ROOT / "services"
CLIENTS_DIR = ROOT / "clients"
SDK_DIR = ROOT / "sdk"
SDK_DIST = SDK_DIR / "dist"
TEMPLATES_DIR = ROOT / "templates"
RUN = ROOT / ".run"
LOGS = RUN / "logs"
NGINX_PREFIX = RUN / "nginx"
VENV = Path(os.environ.get("SHOPKIT_VENV", ROOT / ".venv"))
VENV_BIN = VENV / "bin"
PYTHON = VENV_BIN / "python"
UP_STATE = RUN / "up.json"
# `make bench`'s report is drawn with matplotlib from a virtualenv of its own (see
# platform/requirements-report.txt).
REPORT_VENV = RUN / "report-venv"
REPORT_PYTHON = REPORT_VENV / "bin" / "python"


def venv_tool(name: str) -> str:
    """A console script of the dev virtualenv, by absolute path."""
    return str(VENV_BIN / name)
