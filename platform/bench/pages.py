"""pages: server time of every storefront page (issue 5), folded into the bench as a profile;
the measuring itself stays in `storefront_pages.py`, which also runs on its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ._context import Context


def run(ctx: Context) -> dict[str, Any]:
    env = {**os.environ, "GATEWAY_URL": ctx.gateway, "BENCH_REPORT_DIR": str(ctx.work)}
    script = Path(__file__).with_name("storefront_pages.py")
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, check=False)  # fmt: skip
    for line in done.stdout.strip().splitlines():
        if not line.startswith("report: "):  # its scratch copy; the figures go in the run JSON
            ctx.say(line)
    pages = json.loads((ctx.work / "storefront_pages.json").read_text())["pages"]
    worst = max((float(p["p95_ms"]) for p in pages.values()), default=0.0)
    return {"figures": {"worst_p95": worst, "pages": pages, "ok": done.returncode == 0}}
