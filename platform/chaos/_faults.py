"""The faults `make chaos` injects, one at a time, into the shop `make up` runs on this machine.

- `kill:<service>`: SIGKILL to the service's first serving process (its forked workers serve
  on meanwhile, shopkit.server); `make up` notices and starts it again. Over when the new
  process listens on the service's port (`make up` then stops the old workers).
- `rabbitmq`: the broker's app stopped (`rabbitmqctl stop_app`) for `outage` seconds, then
  started; durable queues and persistent messages survive, connections do not.
- `postgres`: PostgreSQL stopped in immediate mode (a crash: no checkpoint, every connection
  cut) for `outage` seconds, then started; it recovers from its WAL.
- `redis`: Redis killed (SIGKILL, a crash) for `outage` seconds, then started again as it was
  (same directory, same append-only setting): with its append-only file (`make bootstrap`
  turns it on) it comes back with the carts; caches and rate limits hardly matter.

`inject()` returns when the fault is in place, `heal()` when the component is back (started and
answering); the run measures customers' recovery from that moment.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shopkit_platform import infra
from shopkit_platform._paths import ROOT
from shopkit_platform.registry import load
from shopkit_platform.runner import listening

UP_STATE = ROOT / ".run" / "up.json"
INFRA = ("rabbitmq", "postgres", "redis")


class FaultError(Exception):
    """A fault could not be injected or healed: the run stops there."""


@dataclass
class Fault:
    name: str
    outage: float  # seconds an infrastructure component stays down
    killed_pid: int = 0
    redis_dir: str = ""
    redis_append_only: bool = True

    def inject(self) -> None:
        kind, _, target = self.name.partition(":")
        if kind == "kill":
            self.killed_pid = _kill(target)
        elif kind == "rabbitmq":
            _run(["rabbitmqctl", "-q", "stop_app"])
        elif kind == "postgres":
            _run(["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), "main", "stop",
                  "-m", "immediate"])  # fmt: skip
        elif kind == "redis":
            self.redis_dir = _redis_setting("dir")
            self.redis_append_only = _redis_setting("appendonly") == "yes"
            info = infra.redis_cli("INFO", "server")
            pid = next(line.split(":")[1] for line in info.splitlines() if "process_id:" in line)
            os.kill(int(pid), signal.SIGKILL)
            _wait(lambda: not infra.port_open(infra.REDIS_PORT), 10, "Redis to stop")
        else:  # pragma: no cover - names are checked by `plan`
            raise FaultError(f"unknown fault {self.name}")

    def heal(self, patience: float = 90.0) -> None:
        kind, _, target = self.name.partition(":")
        if kind == "kill":
            _wait(lambda: _restarted_and_ready(target, self.killed_pid), patience,
                  f"make up to start {target} again")  # fmt: skip
            return
        time.sleep(self.outage)
        if kind == "rabbitmq":
            _run(["rabbitmqctl", "-q", "start_app"])
            _wait(lambda: infra.port_open(infra.AMQP_PORT), patience, "RabbitMQ")
        elif kind == "postgres":
            _run(["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), "main", "start"])
            _wait(lambda: infra.psql("SELECT 1").returncode == 0, patience, "PostgreSQL")
        elif kind == "redis":
            command = infra.redis_command(Path(self.redis_dir), append_only=self.redis_append_only)
            _run(command)
            _wait(lambda: infra.port_open(infra.REDIS_PORT), patience, "Redis")


def services() -> list[str]:
    """The registered services (not the web apps), in the registry's order."""
    return [s.slug for s in load() if not s.is_app]


def plan(names: str, outage: float) -> list[Fault]:
    """Faults from a list such as `kill:order-service redis` (`all`: every service, then the
    broker, the database and Redis)."""
    known = [f"kill:{slug}" for slug in services()] + list(INFRA)
    chosen = known if names.strip() in ("", "all") else names.replace(",", " ").split()
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise FaultError(f"unknown fault(s) {unknown}; choose from: {' '.join(known)}")
    return [Fault(name, outage) for name in chosen]


def _run(cmd: list[str], *, check: bool = True) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if check and done.returncode != 0:
        raise FaultError(f"{' '.join(cmd)} failed: {(done.stderr or done.stdout).strip()}")


def _wait(ready: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise FaultError(f"waited {seconds:.0f} s for {what}")
        time.sleep(0.1)


def _redis_setting(name: str) -> str:
    reply = infra.redis_cli("CONFIG", "GET", name).splitlines()
    if len(reply) != 2:
        raise FaultError(f"cannot read Redis's {name} setting")
    return reply[1]


def _pg_version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[-1]


def _serving_pid(slug: str) -> int:
    state = json.loads(UP_STATE.read_text())
    return int(next(p["pid"] for p in state["processes"] if p["name"] == slug))


def _kill(slug: str) -> int:
    pid = _serving_pid(slug)
    os.kill(pid, signal.SIGKILL)
    return pid


def _restarted_and_ready(slug: str, killed: int) -> bool:
    """The replacement serves the port (what survived of the killed process may have answered
    /health/ready meanwhile: its workers serve on until then)."""
    try:
        pid = _serving_pid(slug)
    except (OSError, ValueError, StopIteration):
        return False
    if pid == killed:
        return False
    port = next(s.port for s in load() if s.slug == slug)
    return listening(pid, port)
