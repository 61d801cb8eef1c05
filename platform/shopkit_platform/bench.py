"""`make bench`: run every benchmark script in platform/bench/ and say which ran."""

from __future__ import annotations

import os
import subprocess
import time

from ._console import say, warn
from ._paths import PLATFORM, PYTHON, ROOT, RUN

BENCH_DIR = PLATFORM / "bench"


def main() -> int:
    scripts = sorted(
        p
        for p in BENCH_DIR.glob("*")
        if p.is_file()
        and (p.suffix == ".py" or os.access(p, os.X_OK))
        and not p.name.startswith("_")
    )
    if not scripts:
        warn(
            f"no benchmark scripts in {BENCH_DIR.relative_to(ROOT)}/ (add *.py or executables); "
            "nothing was measured"
        )
        return 1
    reports = RUN / "bench"
    reports.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "GATEWAY_URL": os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080"),
        "BENCH_REPORT_DIR": str(reports),
    }
    results = []
    for script in scripts:
        cmd = [str(PYTHON), str(script)] if script.suffix == ".py" else [str(script)]
        say(f"bench {script.name}")
        started = time.monotonic()
        code = subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode
        results.append((script.name, code, time.monotonic() - started))
    say(f"ran {len(results)} benchmark(s); reports in {reports}")
    for name, code, elapsed in results:
        print(f"{'ok  ' if code == 0 else 'FAIL'} {name} ({elapsed:.1f}s)")
    return 1 if any(code for _, code, _ in results) else 0
