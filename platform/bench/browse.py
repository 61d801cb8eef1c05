"""browse: BENCH_USERS (default 10,000) concurrent shoppers with a shopper's think time
(5-15 s), ramped up over BENCH_RAMP seconds, then held for BENCH_SECONDS (default 180): the
read mix, guest carts, and a few logged-in buyers checking out. p95 per endpoint and errors,
measured over the steady part (after the ramp).

Locust runs as its own process (`uv tool run --from locust==2.47.0`, FastHttpUser), with
`--processes` when one Python process cannot drive the users; the sampler watches the load
generator's CPU so the summary can say whether it, not the shop, was the bottleneck.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from . import _shop
from ._context import Context, env_int, target
from ._sampler import LOAD
from ._stats import endpoint_table, errors_by_kind, read_records, timeline

LOCUST = "locust==2.47.0"
TARGET_P95_MS = 200.0
# The name suffix of requests that wait for an order's next change (`Prefer: wait`).
WAITS = "(waits)"


def _uv() -> str:
    found = shutil.which("uv") or Path.home() / ".local/bin/uv"
    if not Path(found).exists():
        raise RuntimeError("uv is missing (it runs Locust): run `make bootstrap`")
    return str(found)


def _more_files() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # a socket per shopper


def run(ctx: Context) -> dict[str, Any]:
    users = env_int("BENCH_USERS", 10000)
    seconds = env_int("BENCH_BROWSE_SECONDS", env_int("BENCH_SECONDS", 180))
    ramp = env_int("BENCH_RAMP", min(120, max(1, users // 100)))
    processes = env_int("BENCH_LOCUST_PROCESSES", 2 if users > 2000 else 1)
    buyers = env_int("BENCH_BUYERS_IN_BROWSE", max(1, users // 200))
    tokens = _shop.customers(buyers * 2)
    (ctx.work / "tokens.json").write_text(json.dumps(tokens))
    records = ctx.work / "records"
    records.mkdir()
    env = {
        **os.environ, "BENCH_TOKENS": str(ctx.work / "tokens.json"),
        "BENCH_RECORDS": str(records), "BENCH_BUYERS_IN_BROWSE": str(buyers),
    }  # fmt: skip
    command = [
        _uv(), "tool", "run", "--from", LOCUST, "locust",
        "-f", str(Path(__file__).with_name("_locustfile.py")), "--headless",
        "--host", ctx.gateway, "-u", str(users), "-r", str(max(1, users // ramp)),
        "-t", f"{ramp + seconds}s", "--only-summary", "--stop-timeout", "20",
        *(["--processes", str(processes)] if processes > 1 else []),
    ]  # fmt: skip
    think = os.environ.get("BENCH_THINK", "5,15").replace(",", "-")
    ctx.say(f"{users} shoppers ({buyers} of them buying), think time {think} s, ramp {ramp} s,"
            f" then {seconds} s steady; Locust with {processes} process(es)")  # fmt: skip
    log = (ctx.work / "locust.log").open("w")
    started = time.time()
    locust = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                              preexec_fn=_more_files)  # fmt: skip
    ctx.sampler.mark(LOAD, locust.pid)
    locust.wait(timeout=ramp + seconds + 180)
    log.close()
    steady = (started + ramp, started + ramp + seconds)
    rows = read_records(records.glob("*.csv"))
    if not rows:
        tail = (ctx.work / "locust.log").read_text()[-2000:]
        raise RuntimeError(f"Locust recorded no request; its output ends:\n{tail}")
    table = endpoint_table(rows, steady)
    errors = errors_by_kind(rows, (started, steady[1]))
    # An ask that waits for the order's next change is held on purpose: not a latency.
    timed = {name: row for name, row in table.items() if not name.endswith(WAITS)}
    worst = max(timed.items(), key=lambda kv: kv[1]["p95"]) if timed else ("-", {"p95": 0})
    total_rps = sum(row["rps"] for row in table.values())
    cpu = ctx.sampler.cpu_between(*steady)
    load_cores = cpu.get(LOAD, 0.0) / seconds
    saturated = load_cores >= 0.85 * processes
    ctx.say(f"\n{'endpoint':<40}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}  errors")
    for name, row in table.items():
        ctx.say(f"{name:<40}{row['rps']:>8.1f}{row['p50']:>7.0f}{row['p95']:>7.0f}"
                f"{row['p99']:>7.0f}  {sum(row['errors'].values()) or ''}")  # fmt: skip
    error_count = sum(errors.values())
    ctx.say(f"worst p95 {worst[1]['p95']:.0f} ms ({worst[0]}): target < {TARGET_P95_MS:.0f} ms"
            f" on every endpoint: {target(worst[1]['p95'] < TARGET_P95_MS)}; errors"
            f" {error_count} (ramp included): {target(error_count == 0)}")  # fmt: skip
    if errors:
        ctx.say(f"errors by kind: {errors}")
    ctx.say(f"load generator: {load_cores:.2f} cores over {processes} Locust process(es): "
            + ("SATURATED, so the figures understate what the shop can do"
               if saturated else "not the bottleneck"))  # fmt: skip
    figures = {
        "users": users, "seconds": seconds, "ramp": ramp, "rps": round(total_rps, 1),
        "worst_p95": worst[1]["p95"], "worst_endpoint": worst[0], "error_count": error_count,
        "errors": errors, "load_generator_cores": round(load_cores, 2),
        "load_generator_saturated": saturated, "locust_processes": processes,
        "exit_code": locust.returncode,
    }  # fmt: skip
    return {
        "figures": figures,
        "endpoints": table,
        "window": list(steady),
        "timeline": timeline(rows, started, steady[1]),
    }
