"""Latency and throughput of the shop's read paths through the gateway (Locust, headless).

Runs Locust in its own isolated environment (`uv tool run`), as STACK-NOTES advises, for
BENCH_SECONDS (default 30) with BENCH_USERS (default 50) simulated shoppers against a running
`make up`, then prints requests/s, median and p95 per endpoint next to the product brief's
target (p95 < 200 ms) and keeps Locust's CSV and HTML reports in BENCH_REPORT_DIR.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

LOCUST = "locust==2.47.0"
TARGET_P95_MS = 200.0


def main() -> int:
    gateway = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080")
    reports = Path(os.environ.get("BENCH_REPORT_DIR", ".run/bench"))
    reports.mkdir(parents=True, exist_ok=True)
    seconds = os.environ.get("BENCH_SECONDS", "30")
    users = os.environ.get("BENCH_USERS", "50")
    prefix = reports / "shop_reads"
    command = [
        "uv", "tool", "run", "--from", LOCUST, "locust",
        "-f", str(Path(__file__).with_name("_locustfile.py")),
        "--headless", "--host", gateway, "-u", users, "-r", users, "-t", f"{seconds}s",
        "--csv", str(prefix), "--html", f"{prefix}.html", "--only-summary",
    ]  # fmt: skip
    result = subprocess.run(command, check=False)
    stats_file = Path(f"{prefix}_stats.csv")
    if not stats_file.exists():
        print("Locust wrote no statistics; is `make up` running?", file=sys.stderr)
        return 1
    print(f"\n{'endpoint':<24}{'requests':>10}{'fails':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}")
    worst = 0.0
    with stats_file.open(newline="") as handle:
        for row in csv.DictReader(handle):
            p95 = float(row["95%"] or 0)
            if row["Name"] != "Aggregated":
                worst = max(worst, p95)
            print(
                f"{row['Name']:<24}{row['Request Count']:>10}{row['Failure Count']:>8}"
                f"{float(row['Requests/s']):>9.1f}{float(row['50%'] or 0):>9.0f}{p95:>9.0f}"
            )
    verdict = "within" if worst < TARGET_P95_MS else "OVER"
    print(f"\nworst endpoint p95 {worst:.0f} ms: {verdict} the {TARGET_P95_MS:.0f} ms target")
    print(f"reports: {prefix}_stats.csv, {prefix}.html")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
