"""Pact's usage tracking stays off in tests (set before any test module imports `pact`)."""

from __future__ import annotations

import os

os.environ.setdefault("PACT_DO_NOT_TRACK", "true")
