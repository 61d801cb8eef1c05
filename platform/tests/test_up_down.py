"""`make up` / `make down` with real processes: a stand-in service, the gateway, signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import free_port, get, wait_http

pytestmark = pytest.mark.integration

PLATFORM = Path(__file__).resolve().parents[1]

# A stand-in for `<venv>/bin/<slug>`: the subcommands `make up` calls, with a real HTTP server.
FAKE_SERVICE = """\
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

command = sys.argv[1]
if command == "seed":
    with open("seeded.json", "w") as fh:
        json.dump({k: os.environ[k] for k in ("DEMO_ADMIN_EMAIL", "DEMO_ADMIN_PASSWORD")}, fh)
    sys.exit(0)
if command != "serve":
    sys.exit(2)
if os.environ.get("FAKE_CRASH"):
    print("boom: cannot start", flush=True)
    sys.exit(3)
with open("env.json", "w") as fh:
    json.dump(dict(os.environ), fh)
# A worker process of its own, as shopkit.server has: after a crash of its parent it may serve
# on until the replacement serves, then `make up` stops it.
import subprocess
worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open("workers.txt", "a") as fh:
    fh.write(f"{worker.pid}\\n")

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"service": "fake-service", "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

HTTPServer(("127.0.0.1", int(os.environ["SERVICE_PORT"])), Handler).serve_forever()
"""


class Shop:
    def __init__(self, root: Path, service_port: int, gateway_port: int) -> None:
        self.root = root
        self.service_port = service_port
        self.gateway = f"http://127.0.0.1:{gateway_port}"
        self.env = {
            **os.environ,
            "SHOPKIT_ROOT": str(root),
            "SHOPKIT_VENV": str(root / "venv"),
            "GATEWAY_LISTEN": f"127.0.0.1:{gateway_port}",
            "PYTHONPATH": str(PLATFORM),
            "SHOPKIT_READY_TIMEOUT": "15",
            # Its own SMTP sink port: a `make up` may be running beside the tests.
            "SHOPKIT_MAIL_SINK": f"127.0.0.1:{free_port()}",
        }

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "shopkit_platform", *args]

    def start(self, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command("up", "--no-bootstrap"),
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args), env=self.env, capture_output=True, text=True, timeout=60
        )

    @property
    def service_dir(self) -> Path:
        return self.root / "services" / "fake-service"


@pytest.fixture
def shop(scratch_root: Path) -> Iterator[Shop]:
    service_port, gateway_port = free_port(), free_port()
    (scratch_root / "platform" / "services.toml").write_text(
        f'[services.fake-service]\nport = {service_port}\nroutes = ["/api/fake"]\n'
    )
    service = scratch_root / "services" / "fake-service"
    service.mkdir()
    (service / "pyproject.toml").write_text('[project]\nname = "fake-service"\n')
    binary = scratch_root / "venv" / "bin" / "fake-service"
    binary.parent.mkdir(parents=True)
    binary.write_text(f"#!{sys.executable}\n{FAKE_SERVICE}")
    binary.chmod(0o755)
    shop = Shop(scratch_root, service_port, gateway_port)
    yield shop
    shop.run("down")


def wait_until_up(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith("  logs"):
            return "".join(seen)
    raise AssertionError("make up ended before it was up:\n" + "".join(seen))


def test_up_runs_the_service_behind_the_gateway_and_down_stops_everything(shop: Shop) -> None:
    proc = shop.start()
    banner = wait_until_up(proc)
    assert f"http://localhost:{shop.service_port}/schema/swagger" in banner
    assert "admin@shopkit.local" in banner

    response = get(f"{shop.gateway}/api/fake/items?x=1")
    assert response.status == 200
    assert response.json() == {"service": "fake-service", "path": "/api/fake/items?x=1"}
    assert get(f"{shop.gateway}/healthz").status == 200

    env = json.loads((shop.service_dir / "env.json").read_text())
    assert env["SERVICE_PORT"] == str(shop.service_port)
    assert env["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert env["BROKER_URL"] == "amqp://guest:guest@127.0.0.1:5672/"
    assert env["AUTH_JWKS_URL"] == "http://127.0.0.1:3001/api/auth/.well-known/jwks.json"
    assert "DATABASE_URL" not in env or env["DATABASE_URL"] == os.environ.get("DATABASE_URL")
    # The services send mail to the sink this `make up` started.
    sink = shop.env["SHOPKIT_MAIL_SINK"]
    assert f"{env['SMTP_HOST']}:{env['SMTP_PORT']}" == sink
    assert f"smtp://{sink}" in banner
    seeded = json.loads((shop.service_dir / "seeded.json").read_text())
    assert seeded["DEMO_ADMIN_EMAIL"] == "admin@shopkit.local"

    second = shop.run("up", "--no-bootstrap")
    assert second.returncode == 1
    assert "already running" in second.stdout

    down = shop.run("down")
    assert down.returncode == 0, down.stderr
    assert proc.wait(timeout=30) == 0
    assert not (shop.root / ".run" / "up.json").exists()
    for url in (f"http://127.0.0.1:{shop.service_port}/health/ready", f"{shop.gateway}/healthz"):
        with pytest.raises(OSError, match="refused"):
            get(url, timeout=1)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_to_up_stops_every_process_it_started(shop: Shop, sig: signal.Signals) -> None:
    proc = shop.start()
    wait_until_up(proc)
    wait_http(f"{shop.gateway}/api/fake/")
    state = json.loads((shop.root / ".run" / "up.json").read_text())
    children = [p["pid"] for p in state["processes"]]
    assert len(children) == 3  # the mail sink, the service and nginx

    proc.send_signal(sig)
    assert proc.wait(timeout=30) == 0
    time.sleep(0.2)
    for pid in children:
        assert (
            not Path(f"/proc/{pid}").exists()
            or b"\0" not in Path(f"/proc/{pid}/cmdline").read_bytes()
        )


def test_a_service_that_crashes_while_up_is_restarted(shop: Shop) -> None:
    proc = shop.start()
    wait_until_up(proc)
    wait_http(f"{shop.gateway}/api/fake/")
    state = json.loads((shop.root / ".run" / "up.json").read_text())
    service = next(p for p in state["processes"] if p["name"] == "fake-service")

    os.kill(service["pid"], signal.SIGKILL)

    def restarted() -> bool:
        now = json.loads((shop.root / ".run" / "up.json").read_text())
        pids = [p["pid"] for p in now["processes"] if p["name"] == "fake-service"]
        return bool(pids) and pids[0] != service["pid"]

    deadline = time.monotonic() + 60  # generous: CI machines can be busy
    while not restarted():
        assert time.monotonic() < deadline, "the crashed service was not started again"
        time.sleep(0.2)
    while get(f"{shop.gateway}/api/fake/items").status != 200:
        assert time.monotonic() < deadline, "the restarted service never answered"
        time.sleep(0.2)
    crashed_worker = int((shop.service_dir / "workers.txt").read_text().split()[0])
    while _running(crashed_worker):  # stopped once the replacement serves: not left behind
        assert time.monotonic() < deadline, "the crashed service's worker is still running"
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan may wait a while to be reaped)."""
    try:
        return b"\0" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def test_a_service_that_dies_on_start_fails_up_with_its_log(shop: Shop) -> None:
    proc = shop.start(FAKE_CRASH="1")
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "fake-service exited with 3" in output
    assert "boom: cannot start" in output
    assert not (shop.root / ".run" / "up.json").exists()
