"""reads: how close each read comes to the framework's ceiling, measured in the same run.

wrk (2 threads, BENCH_READS_CONNECTIONS=256 connections, BENCH_READS_SECONDS=10 each) probes a
bare Litestar handler (20 msgspec Structs, granian with 2 workers, started here on a free port)
and then the catalog list, one product, search and stock, each at its service's own port
(127.0.0.1:<port> from services.toml), through the gateway with a customer's bearer token (no
micro-cache) and anonymously through the gateway (nginx micro-cache). Through the gateway every
request comes from another X-Forwarded-For address (wrk Lua), as the gateway rate-limits per
client. The uncached list is the same list asked by an admin at the service's own port:
product-service serves admins from the database, never from its cache.

Without wrk (install it: `apt-get install -y wrk`; the harness does when run as root, unless
BENCH_INSTALL_WRK=0) a small asyncio prober stands in, labelled as such: its absolute req/s are
below wrk's (about 70 % on the bare handler here), its ratios to the bare handler (probed the
same way, in the same run) still mean what they say.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _shop
from ._context import PLATFORM, Context, env_int, target
from ._sampler import BARE, LOAD

BARE_NAME = "bare Litestar handler (2 granian workers)"
DONE_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""
XFF_LUA = """
request = function()
  wrk.headers["X-Forwarded-For"] = "10.77." .. math.random(0, 255) .. "." .. math.random(1, 254)
  return wrk.format(nil)
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wrk() -> str | None:
    """wrk's path; installed with apt when missing and we are root (BENCH_INSTALL_WRK=0 says
    not to); BENCH_WRK=none forces the built-in prober."""
    if os.environ.get("BENCH_WRK") == "none":
        return None
    found = shutil.which("wrk")
    allowed = os.environ.get("BENCH_INSTALL_WRK", "1") != "0"
    if found is None and allowed and os.geteuid() == 0 and shutil.which("apt-get"):
        print("    wrk is missing; installing it with apt-get (root)", flush=True)
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False,
                           capture_output=True, timeout=120)  # fmt: skip
        found = shutil.which("wrk")
    return found


@dataclass(frozen=True)
class Probe:
    name: str
    url: str
    headers: dict[str, str]
    rotate: bool  # a new X-Forwarded-For per request (through the gateway)


class Prober:
    def __init__(self, ctx: Context, seconds: int, connections: int) -> None:
        self.ctx, self.seconds, self.connections = ctx, seconds, connections
        self.wrk = _wrk()
        self.tool = (
            f"wrk -t2 -c{connections} -d{seconds}s --timeout 10s"
            if self.wrk
            else "built-in asyncio prober, wrk not installed (absolute req/s below wrk's)"
        )
        for name, text in (("done.lua", DONE_LUA), ("xff.lua", XFF_LUA + DONE_LUA)):
            (ctx.work / name).write_text(text)

    def all(self, plan: list[Probe]) -> dict[str, dict[str, float]]:
        """Every probe, one after the other (the Python prober: all in one process)."""
        if self.wrk is None:
            return self._python(plan)
        return {probe.name: self._wrk(probe) for probe in plan}

    def _wrk(self, probe: Probe) -> dict[str, float]:
        assert self.wrk is not None
        script = self.ctx.work / ("xff.lua" if probe.rotate else "done.lua")
        # --timeout 10s: a slow answer counts as slow, not as a socket error (wrk's default 2 s)
        command = [self.wrk, "-t2", f"-c{self.connections}", f"-d{self.seconds}s",
                   "--timeout", "10s", "-s",
                   str(script), *[f"-H{k}: {v}" for k, v in probe.headers.items()],
                   probe.url]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self.ctx.sampler.mark(LOAD, process.pid)
        out, _ = process.communicate(timeout=self.seconds + 60)
        line = next((x for x in out.splitlines() if x.startswith("BENCH ")), None)
        if line is None:
            raise RuntimeError(f"wrk printed no figures for {probe.url}:\n{out[-1000:]}")
        row = json.loads(line[6:])
        row["rps"] = row["requests"] / max(row["seconds"], 1e-9)
        return dict(row)

    def _python(self, plan: list[Probe]) -> dict[str, dict[str, float]]:
        config = {
            "seconds": self.seconds, "connections": min(64, self.connections),
            "probes": [{"name": p.name, "url": p.url, "headers": p.headers,
                        "rotate_xff": p.rotate} for p in plan],
        }  # fmt: skip
        path = self.ctx.work / "probe.json"
        path.write_text(json.dumps(config))
        env = {**os.environ, "PYTHONPATH": str(PLATFORM)}
        process = subprocess.Popen([sys.executable, "-m", "bench._prober", str(path)], env=env,
                                   stdout=subprocess.PIPE, text=True)  # fmt: skip
        self.ctx.sampler.mark(LOAD, process.pid)
        out, _ = process.communicate(timeout=(self.seconds + 10) * len(plan) + 60)
        return dict(json.loads(out.strip().splitlines()[-1]))


def _bare(ctx: Context) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    granian = Path(sys.executable).with_name("granian")
    env = {**os.environ, "PYTHONPATH": str(PLATFORM)}
    process = subprocess.Popen(
        [str(granian), "--interface", "asgi", "--workers", "2", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "bench._bare_app:app"],
        cwd=PLATFORM, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    ctx.sampler.mark(BARE, process.pid)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the bare Litestar handler did not start (granian in the dev venv?)")


def run(ctx: Context) -> dict[str, Any]:
    seconds = env_int("BENCH_READS_SECONDS", 10)
    probe = Prober(ctx, seconds, env_int("BENCH_READS_CONNECTIONS", 256))
    ports = _shop.service_ports()
    sku = _shop.catalog_skus(1)[0]
    token = _shop.customers(1)[0]
    admin = _shop.admin_token()
    bearer = {"Authorization": f"Bearer {token}"}
    reads = {
        "catalog list": ("product-service", "/api/products?limit=20"),
        "product": ("product-service", f"/api/products/{sku.product_id}"),
        "search": ("search-service", "/api/search?q=headphones"),
        "stock": ("inventory-service", f"/api/inventory/{sku.sku}"),
    }
    bare, bare_url = _bare(ctx)
    plan = [Probe(BARE_NAME, bare_url, {}, False)]
    for name, (service, path) in reads.items():
        own = f"http://127.0.0.1:{ports[service]}{path}"
        plan.append(Probe(f"{name}, own port", own, {}, False))
        if name == "catalog list":
            plan.append(Probe("catalog list uncached (admin), own port", own,
                              {"Authorization": f"Bearer {admin}"}, False))  # fmt: skip
        plan.append(Probe(f"{name}, gateway + token", ctx.gateway + path, bearer, True))
        plan.append(Probe(f"{name}, gateway anonymous", ctx.gateway + path, {}, True))
    ctx.say(f"tool: {probe.tool}")
    try:
        probes = probe.all(plan)
    finally:
        os.killpg(bare.pid, 15)
        bare.wait(timeout=10)
    ceiling = probes[BARE_NAME]["rps"]
    ctx.say(f"\n{'probe':<44}{'req/s':>9}{'of bare':>9}{'p50 ms':>8}{'p99 ms':>8}{'errors':>8}")
    for name, row in probes.items():
        row["ratio"] = row["rps"] / ceiling if ceiling else 0.0
        ctx.say(f"{name:<44}{row['rps']:>9.0f}{row['ratio']:>9.1%}{row['p50']:>8.1f}"
                f"{row['p99']:>8.1f}{int(row['errors']):>8}")  # fmt: skip
    cached = probes["catalog list, own port"]
    uncached = probes["catalog list uncached (admin), own port"]
    search = probes["search, own port"]
    ctx.say(
        f"cached catalog read at its own port: {cached['ratio']:.1%} of bare, target >= 50 %:"
        f" {target(cached['ratio'] >= 0.5)}"
    )
    ctx.say(
        f"uncached product list: {uncached['ratio']:.1%} of bare, target >= 25 %:"
        f" {target(uncached['ratio'] >= 0.25)}"
    )
    ctx.say(
        f"search at its own port: {search['rps']:.0f} req/s, target >= 1,000:"
        f" {target(search['rps'] >= 1000)}"
    )
    if any(row["errors"] for row in probes.values()):
        ctx.say(
            "errors are non-2xx answers or socket errors: such a probe's req/s is not a read rate"
        )
    rounded = {k: {m: round(float(v), 3) for m, v in row.items()} for k, row in probes.items()}
    figures = {"tool": probe.tool, "bare_rps": ceiling, "probes": rounded}
    return {"figures": figures}
