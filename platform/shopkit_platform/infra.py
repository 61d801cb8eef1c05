"""PostgreSQL, Redis, RabbitMQ and the tools `make up`/`make test` need on this machine.

Each `ensure_*` is idempotent: reachable -> nothing; installed but stopped -> started;
missing -> installed from Debian packages when we are root, else StepFailed saying what to run.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from ._console import StepFailed
from ._paths import RUN

PG_PORT, REDIS_PORT, AMQP_PORT, RABBIT_MGMT_PORT = 5432, 6379, 5672, 15672
REDIS_DIR = RUN / "redis"
_apt_updated = False


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_port(port: int, seconds: float, host: str = "127.0.0.1") -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(port, host):
            return True
        time.sleep(0.5)
    return port_open(port, host)


def is_root() -> bool:
    return os.geteuid() == 0


def which(name: str) -> str | None:
    """Like shutil.which, but also looks in the sbin folders a non-root PATH leaves out."""
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/lib/rabbitmq/bin"):
        candidate = Path(folder) / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def apt_install(*packages: str) -> None:
    """Install Debian packages as root, or raise StepFailed with the command to run."""
    command = f"apt-get update && apt-get install -y {' '.join(packages)}"
    if not is_root() or not shutil.which("apt-get"):
        raise StepFailed(f"{', '.join(packages)} missing. Run as root:  sudo sh -c '{command}'")
    global _apt_updated
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not _apt_updated:
        _run(["apt-get", "update", "-qq"], env=env)
        _apt_updated = True
    _run(["apt-get", "install", "-y", "-qq", *packages], env=env)


def _run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise StepFailed(
            f"`{' '.join(cmd)}` failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )


def _start(cmd: list[str], what: str, port: int, seconds: float) -> None:
    if not is_root() and what != "redis":
        raise StepFailed(f"{what} is installed but stopped. Start it:  sudo {' '.join(cmd)}")
    _run(cmd)
    if not wait_port(port, seconds):
        raise StepFailed(
            f"{what} was started with `{' '.join(cmd)}` but port {port} is still closed"
        )


def psql(sql: str, database: str = "postgres") -> subprocess.CompletedProcess[str]:
    binary = which("psql") or "psql"
    return subprocess.run(
        [
            binary,
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-tAc",
            sql,
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
    )


def ensure_postgres() -> str:
    note = "running"
    if not port_open(PG_PORT):
        if not glob.glob("/etc/postgresql/*/main") or not which("pg_ctlcluster"):
            apt_install("postgresql")
            note = "installed"
        if not port_open(PG_PORT):
            version = sorted(os.listdir("/etc/postgresql"))[-1]
            _start(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                "PostgreSQL",
                PG_PORT,
                30,
            )
            note = "started" if note == "running" else note
    if psql("SELECT 1").returncode != 0:
        _trust_local_connections()
        note += ", local trust auth enabled"
        check = psql("SELECT 1")
        if check.returncode != 0:
            raise StepFailed(f"cannot connect as postgres@127.0.0.1: {check.stderr.strip()}")
    return note


def _trust_local_connections() -> None:
    """Dev machines connect as `postgres` without a password, as every service default says."""
    files = glob.glob("/etc/postgresql/*/main/pg_hba.conf")
    lines = "host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n"
    if not is_root() or not files:
        raise StepFailed(
            "PostgreSQL refuses postgres@127.0.0.1 without a password. As root, put these lines "
            f"first in pg_hba.conf and reload:\n{lines}"
        )
    hba = Path(sorted(files)[-1])
    text = hba.read_text()
    if lines not in text:
        hba.write_text("# shopkit dev: trust local TCP connections\n" + lines + text)
    version = hba.parts[-3]
    _run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "reload"])
    time.sleep(1)


def ensure_redis() -> str:
    """Redis running, with an append-only file: carts live in Redis (cart-service), and a Redis
    that keeps nothing on disk loses every cart when it restarts. A Redis already running
    without one (as a bare machine's is often started) has it turned on in place."""
    if port_open(REDIS_PORT):
        return _append_only()
    note = "started"
    if not which("redis-server"):
        apt_install("redis-server")
        note = "installed"
        if port_open(REDIS_PORT):
            return f"{note}, {_append_only()}"
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    _start(redis_command(REDIS_DIR), "redis", REDIS_PORT, 10)
    return f"{note}, append-only file in {REDIS_DIR}"


def redis_command(directory: Path, *, append_only: bool = True) -> list[str]:
    """How Redis is started here: local only, no snapshots; with `append_only` every write
    goes to an append-only file in `directory`, flushed to disk every second."""
    return [
        which("redis-server") or "redis-server",
        "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(REDIS_PORT),
        "--save", "", "--dir", str(directory),
        "--appendonly", "yes" if append_only else "no", "--appendfsync", "everysec",
    ]  # fmt: skip


def redis_cli(*args: str) -> str:
    """One command to the local Redis; its reply, or "" when it cannot be asked."""
    binary = which("redis-cli")
    if binary is None:
        return ""
    done = subprocess.run([binary, "-p", str(REDIS_PORT), *args], capture_output=True, text=True,
                          timeout=10, check=False)  # fmt: skip
    return done.stdout.strip() if done.returncode == 0 else ""


def _append_only() -> str:
    if redis_cli("CONFIG", "GET", "appendonly").endswith("yes"):
        return "running"
    if redis_cli("CONFIG", "SET", "appendonly", "yes") != "OK":
        return "running WITHOUT an append-only file: carts are lost when it restarts"
    return "running; append-only file turned on (carts survive a restart)"


def ensure_rabbitmq() -> str:
    if port_open(AMQP_PORT):
        return "running"
    note = "started"
    if not which("rabbitmq-server"):
        apt_install("rabbitmq-server")
        note = "installed"
        if wait_port(AMQP_PORT, 5):
            return note
    # -detached returns at once; the broker accepts connections ~15 s later.
    _start([which("rabbitmq-server") or "rabbitmq-server", "-detached"], "RabbitMQ", AMQP_PORT, 60)
    return note


def ensure_tool(binary: str, package: str) -> str:
    found = which(binary)
    if found:
        return found
    apt_install(package)
    found = which(binary)
    if not found:
        raise StepFailed(f"installed {package} but `{binary}` is still not on this machine")
    return found
