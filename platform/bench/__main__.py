"""`make bench [PROFILE=checkout|browse|reads|flash_sale|pages]`: run profiles, keep each run's
raw figures in .run/bench/runs/, print and write summary.txt, and redraw report.html."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shopkit_platform._paths import REPORT_PYTHON

from . import browse, checkout, flash_sale, pages, reads
from ._context import Context
from ._db import vacuum_if_autovacuum_is_off
from ._sampler import Sampler
from ._shop import ShopNotRunning, bench_dir, check_running, commit

PROFILES: dict[str, Callable[[Context], dict[str, Any]]] = {
    "checkout": checkout.run,
    "browse": browse.run,
    "reads": reads.run,
    "flash_sale": flash_sale.run,
    "pages": pages.run,
}


def draw_report(out: Path) -> None:
    """report.html, drawn by `bench.report` in the report's own virtualenv (matplotlib is kept
    out of .venv, from which `make up` runs the services: platform/requirements-report.txt)."""
    platform = Path(__file__).resolve().parents[1]
    subprocess.run(
        [str(REPORT_PYTHON), "-m", "bench.report", str(out)],
        cwd=platform, env={**os.environ, "PYTHONPATH": str(platform)}, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def main(argv: list[str]) -> int:
    chosen = (argv[0] if argv else os.environ.get("PROFILE", "")).strip() or "all"
    names = list(PROFILES) if chosen == "all" else chosen.replace(",", " ").split()
    unknown = [n for n in names if n not in PROFILES]
    if unknown:
        print(f"unknown profile {unknown}; choose from {', '.join(PROFILES)} (or none for all)",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        check_running()
    except ShopNotRunning as error:
        print(f"make bench: {error}", file=sys.stderr)
        return 1
    out = bench_dir()
    runs = out / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    measured = commit()
    summary: list[str] = []
    failed = False
    for name in names:
        print(f"\n==> bench {name} (commit {measured})", flush=True)
        if vacuumed := vacuum_if_autovacuum_is_off():
            print(f"    autovacuum is off here: vacuumed {', '.join(vacuumed)} first", flush=True)
        sampler = Sampler()
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as work:
            ctx = Context(sampler=sampler, work=Path(work))
            sampler.start()
            started = time.time()
            try:
                result = PROFILES[name](ctx)
            except Exception as error:  # one profile failing must not hide the rest
                print(f"!!  bench {name} failed: {error!r}", file=sys.stderr, flush=True)
                failed = True
                continue
            finally:
                sampler.stop()
        label = sampler.workers_label()
        print(f"    ({name} took {time.time() - started:.0f}s)", flush=True)
        memory = sampler.peak_shop_memory() / 2**20
        ctx.say(f"memory: the whole shop held at most {memory:.0f} MB (PSS) with {label}"
                f" (brief: < 2,048 MB with 2 workers per hot service)")  # fmt: skip
        run = {
            "id": f"{time.strftime('%Y%m%d-%H%M%S', time.localtime(started))}-{name}",
            "profile": name, "started": started, "commit": measured, "label": label,
            "workers": sampler.workers, "summary": ctx.lines, "processes": sampler.to_json(),
            **result,
        }  # fmt: skip
        (runs / f"{run['id']}.json").write_text(json.dumps(run))
        summary += [
            f"== {name} | commit {measured} | {label} | "
            f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(started))}",
            *ctx.lines,
            "",
        ]
    if summary:
        text = "\n".join(summary)
        (out / "summary.txt").write_text(text + "\n")
        draw_report(out)
        print(f"\n==> summary\n{text}")
        print(f"report: {out / 'report.html'}\nsummary: {out / 'summary.txt'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
