"""`make up` and `make down`: run every registered service and the gateway, stop them all."""

from __future__ import annotations

import contextlib
import json
import mailbox
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import IO

from . import gateway, infra
from ._console import StepFailed, say, step, tail, warn
from ._paths import LOGS, NGINX_PREFIX, ROOT, RUN, UP_STATE
from .bootstrap import MAIL_SINK, bootstrap, runnable, service_bin, service_env
from .registry import Service, load

DEMO_ADMIN_EMAIL = "admin@shopkit.local"
DEMO_ADMIN_PASSWORD = "shopkit-admin-2026"  # documented dev-only credential, see platform/README.md
DEMO_SHOPPER_EMAIL = "shopper@shopkit.local"
DEMO_SHOPPER_PASSWORD = "shopkit-shopper-2026"  # user-service's seed default
MAIL_DIR = RUN / "mail"
READY_TIMEOUT = float(os.environ.get("SHOPKIT_READY_TIMEOUT", "90"))
STOP_GRACE = 10.0
RESTART_LIMIT = 5
RESTART_WINDOW = 60.0
HANDOVER_LIMIT = 60.0  # seconds a crashed service's workers may wait for their replacement


@dataclass
class Proc:
    name: str
    pid: int
    log: str
    argv0: str
    port: int | None = None  # the port it serves, for a service or web app


@dataclass
class Handover:
    """A crashed service whose surviving workers still serve its port until the replacement
    does: then they are stopped (SIGTERM, they finish their requests)."""

    group: int  # the crashed process's group: its workers
    replacement: Proc
    since: float


class Stack:
    """The processes one `make up` started, mirrored into .run/up.json for `make down`."""

    def __init__(self) -> None:
        self.procs: list[Proc] = []
        self.popen: dict[int, subprocess.Popen[bytes]] = {}
        self.logs: list[IO[bytes]] = []
        self.launch: dict[int, tuple[list[str], Path, Path, dict[str, str]]] = {}
        self.restarts: dict[str, list[float]] = {}
        self.handovers: list[Handover] = []

    def start(
        self,
        name: str,
        cmd: list[str],
        log: Path,
        *,
        cwd: Path,
        env: dict[str, str],
        port: int | None = None,
    ) -> Proc:
        log.parent.mkdir(parents=True, exist_ok=True)
        fh = log.open("ab")
        self.logs.append(fh)
        # Own session: the terminal's Ctrl-C reaches only us, and we stop children in order.
        p = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        proc = Proc(name=name, pid=p.pid, log=str(log), argv0=cmd[0], port=port)
        self.procs.append(proc)
        self.popen[p.pid] = p
        self.launch[p.pid] = (cmd, log, cwd, env)
        self.save()
        return proc

    def restart(self, dead: Proc) -> Proc | None:
        """Start a crashed process again, as a supervisor would; gives up after
        RESTART_LIMIT crashes within RESTART_WINDOW seconds (a crash loop needs a person)."""
        now = time.monotonic()
        recent = [t for t in self.restarts.get(dead.name, []) if now - t < RESTART_WINDOW]
        if len(recent) >= RESTART_LIMIT:
            return None
        self.restarts[dead.name] = [*recent, now]
        cmd, log, cwd, env = self.launch.pop(dead.pid)
        self.procs.remove(dead)
        self.popen.pop(dead.pid)
        again = self.start(dead.name, cmd, log, cwd=cwd, env=env, port=dead.port)
        if dead.port is None:
            _signal_group(dead.pid, signal.SIGKILL)  # nothing of it may serve on
        else:
            # The crashed process's workers (shopkit.server) serve on while the replacement
            # starts: the service stays up; `hand_over` stops them once it serves.
            self.handovers.append(Handover(dead.pid, again, now))
        return again

    def hand_over(self) -> None:
        """Stop the workers of crashed services whose replacement now serves the port (or
        has had HANDOVER_LIMIT seconds to)."""
        for handover in list(self.handovers):
            replacement = handover.replacement
            serving = replacement.port is not None and listening(replacement.pid, replacement.port)
            if serving or time.monotonic() - handover.since > HANDOVER_LIMIT:
                _signal_group(handover.group, signal.SIGTERM)
                self.handovers.remove(handover)

    def save(self) -> None:
        UP_STATE.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "pid": os.getpid(),
            "started": time.time(),
            "processes": [asdict(p) for p in self.procs],
        }
        # Atomically: `make down` (or a test) may read it at any moment.
        partial = UP_STATE.with_suffix(".json.partial")
        partial.write_text(json.dumps(state, indent=2))
        partial.replace(UP_STATE)

    def dead(self) -> list[Proc]:
        return [p for p in self.procs if self.popen[p.pid].poll() is not None]

    def stop(self) -> None:
        for handover in self.handovers:
            _signal_group(handover.group, signal.SIGTERM)
        for proc in reversed(self.procs):
            _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for proc in reversed(self.procs):
            try:
                self.popen[proc.pid].wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                self.popen[proc.pid].wait()
            print(f"    stopped {proc.name} (pid {proc.pid})", flush=True)
        for fh in self.logs:
            fh.close()
        UP_STATE.unlink(missing_ok=True)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def listening(pid: int, port: int) -> bool:
    """Whether process `pid` holds a listening TCP socket on `port` (Linux /proc)."""
    sockets: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    sockets.add(f"socket:[{fields[9]}]")
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for descriptor in descriptors:
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{pid}/fd/{descriptor}") in sockets:
                return True
    return False


def _alive(pid: int, argv0: str | None = None) -> bool:
    """Is this pid running, and (when argv0 is given) still the program we started?"""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    if b"\0" not in cmdline:  # zombie
        return False
    return argv0 is None or argv0.encode() in cmdline


def _read_state() -> dict[str, object] | None:
    try:
        state: dict[str, object] = json.loads(UP_STATE.read_text())
    except (OSError, ValueError):
        return None
    return state


def _up_is_running(state: dict[str, object]) -> bool:
    pid = state.get("pid")
    return isinstance(pid, int) and _alive(pid, "shopkit_platform")


def _http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - local URL
            status: int = response.status
            return 200 <= status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _wait_ready(stack: Stack, service: Service, proc: Proc) -> None:
    url = f"http://127.0.0.1:{service.port}/health/ready"
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if stack.popen[proc.pid].poll() is not None:
            raise StepFailed(
                f"{service.slug} exited with {stack.popen[proc.pid].returncode}; "
                f"last lines of {proc.log}:\n{tail(proc.log)}"
            )
        if _http_ok(url):
            return
        time.sleep(0.5)
    raise StepFailed(
        f"{service.slug} not ready at {url} after {READY_TIMEOUT:.0f}s; "
        f"last lines of {proc.log}:\n{tail(proc.log)}"
    )


def _seed(service: Service) -> str:
    log = LOGS / f"{service.slug}.seed.log"
    env = {
        **service_env(service),
        "DEMO_ADMIN_EMAIL": DEMO_ADMIN_EMAIL,
        "DEMO_ADMIN_PASSWORD": DEMO_ADMIN_PASSWORD,
        "DEMO_SHOPPER_EMAIL": DEMO_SHOPPER_EMAIL,
        "DEMO_SHOPPER_PASSWORD": DEMO_SHOPPER_PASSWORD,
    }
    with log.open("w") as fh:
        result = subprocess.run(
            [str(service_bin(service)), "seed"],
            cwd=service.path,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0:
        warn(
            f"{service.slug} seed failed (exit {result.returncode}); last lines of {log}:\n"
            f"{tail(log, 15)}"
        )
        return f"{service.slug} failed"
    return service.slug


def _check_free(port: int, what: str) -> None:
    if infra.port_open(port):
        raise StepFailed(
            f"port {port} ({what}) is already in use by another program; stop it or run `make down`"
        )


def up(*, run_bootstrap: bool = True) -> int:
    state = _read_state()
    if state and _up_is_running(state):
        say(
            f"Shopkit is already running (make up, pid {state['pid']}). "
            "Use that one, or `make down` first."
        )
        return 1
    if state:
        _cleanup_orphans(state)
    try:  # a bad GATEWAY_* value is refused before anything starts
        gateway.Settings.from_env()
    except gateway.GatewayConfigError as exc:
        raise StepFailed(str(exc)) from None
    if run_bootstrap:
        bootstrap()
    listen = gateway.DEFAULT_LISTEN
    gateway_port = int(listen.rsplit(":", 1)[-1])
    services, missing = runnable(load())
    for line in missing:
        warn(f"not started: {line}")
    _check_free(gateway_port, "gateway")
    _check_free(int(MAIL_SINK.rsplit(":", 1)[1]), "mail sink")
    for s in services:
        _check_free(s.port, s.slug)

    stack = Stack()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        # Stopping must not be interrupted by a second Ctrl-C or a `make down`.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    stack.save()
    try:
        with step(f"mail sink (SMTP) on {MAIL_SINK}") as notes:
            stack.start(
                "mail sink",
                mail_sink_command(MAIL_SINK, MAIL_DIR),
                LOGS / "mail-sink.log",
                cwd=RUN,
                env=dict(os.environ),
            )  # fmt: skip
            notes.append(f"messages kept in {MAIL_DIR.relative_to(ROOT)}/new")
        started: list[tuple[Service, Proc]] = []
        with step(f"starting {len(services)} service(s)") as notes:
            for s in services:
                env = service_env(s)
                started.append(
                    (
                        s,
                        stack.start(
                            s.slug,
                            [str(service_bin(s)), "serve"],
                            LOGS / f"{s.slug}.log",
                            cwd=s.path,
                            env=env,
                            port=s.port,
                        ),
                    )
                )
                notes.append(f"{s.slug}:{s.port}")
        for s, proc in started:
            with step(f"waiting for {s.slug} /health/ready"):
                _wait_ready(stack, s, proc)
        seeded = [s for s in services if not s.is_app]
        if seeded:
            with step("demo data (`<slug> seed`)") as notes:
                notes.extend(_seed(s) for s in seeded)
        with step(f"gateway (nginx) on {listen}") as notes:
            conf = gateway.write(load(), listen=listen)
            checked = gateway.test_config(conf)
            if checked.returncode != 0:
                raise StepFailed(f"nginx -t failed for {conf}:\n{checked.stderr}")
            proc = stack.start(
                "gateway (nginx)",
                gateway.command(conf),
                LOGS / "gateway.log",
                cwd=NGINX_PREFIX,
                env=dict(os.environ),
            )
            deadline = time.monotonic() + 15
            while not _http_ok(f"http://{listen}/healthz"):
                if stack.popen[proc.pid].poll() is not None or time.monotonic() > deadline:
                    raise StepFailed(
                        f"nginx did not come up; {tail(NGINX_PREFIX / 'logs/error.log')}"
                    )
                time.sleep(0.2)
            notes.append(str(conf))
        _print_banner(services, gateway_port)
        given_up: set[int] = set()
        while True:
            for proc in stack.dead():
                if proc.pid in given_up:
                    continue
                code = stack.popen[proc.pid].returncode
                warn(
                    f"{proc.name} exited ({code}); last lines of {proc.log}:\n{tail(proc.log, 20)}"
                )
                again = stack.restart(proc)
                if again is None:
                    given_up.add(proc.pid)
                    warn(f"{proc.name} keeps crashing; not restarting it again")
                else:
                    say(f"restarted {proc.name} (pid {again.pid})")
            stack.hand_over()
            time.sleep(0.5)
    except KeyboardInterrupt:
        print(flush=True)
        say("stopping ...")
        stack.stop()
        say("stopped")
        return 0
    except StepFailed as exc:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print(f"\n{exc}", file=sys.stderr, flush=True)
        say("stopping what was started ...")
        stack.stop()
        return 1


def prepare_maildir(path: Path) -> mailbox.Maildir:
    """A Maildir with its `tmp`, `new` and `cur` folders, also when `path` already exists.

    `mailbox.Maildir(path, create=True)` (and aiosmtpd's Mailbox handler) creates the three
    folders only when `path` itself is missing: an existing empty `.run/mail` (an older
    `make up` created it with a plain mkdir) stayed without them and every message failed.
    """
    path.mkdir(parents=True, exist_ok=True)
    for sub in ("tmp", "new", "cur"):
        (path / sub).mkdir(mode=0o700, exist_ok=True)
    return mailbox.Maildir(path, create=False)


def mail_sink_command(listen: str, mail_dir: Path) -> list[str]:
    """The SMTP sink `make up` runs: aiosmtpd keeping each message in the Maildir `mail_dir`
    (prepared here, so the sink can deliver from its first message on)."""
    prepare_maildir(mail_dir)
    return [sys.executable, "-m", "aiosmtpd", "-n", "-l", listen,
            "-c", "aiosmtpd.handlers.Mailbox", str(mail_dir)]  # fmt: skip


def _print_banner(services: list[Service], gateway_port: int) -> None:
    print("\nShopkit is up. Ctrl-C here (or `make down` in another shell) stops everything.\n")
    public = f"http://localhost:{gateway_port}"
    for app in (s for s in services if s.is_app):
        route = app.routes[0] if app.routes else "/"
        print(f"  {app.slug:<16} {public}{route if route != '/' else '/'}")
    print(f"  gateway          {public}   (public API: /api/..., health: /healthz)")
    tls = gateway.Settings.from_env()
    if tls.tls_cert:
        print(f"  gateway (TLS)    https://{tls.tls_listen}   (GATEWAY_TLS_CERT, HSTS on)")
    print(f"  mail sink        smtp://{MAIL_SINK}   (messages: {MAIL_DIR.relative_to(ROOT)}/new)")
    for s in services:
        if s.is_app:
            continue
        print(
            f"  {s.slug:<16} http://localhost:{s.port}/schema/swagger"
            f"   routes {', '.join(s.routes) or '-'}"
        )
    if infra.port_open(infra.RABBIT_MGMT_PORT):
        print(f"  rabbitmq         http://localhost:{infra.RABBIT_MGMT_PORT}   (guest / guest)")
    if services:
        print(f"\n  demo admin       {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}")
        print(f"  demo shopper     {DEMO_SHOPPER_EMAIL} / {DEMO_SHOPPER_PASSWORD}")
    print(f"  logs             {LOGS}/\n", flush=True)


def _cleanup_orphans(state: dict[str, object]) -> int:
    """Stop what a `make up` that died without cleaning up left behind."""
    stopped = 0
    processes = state.get("processes")
    for entry in processes if isinstance(processes, list) else []:
        pid, argv0 = entry.get("pid"), entry.get("argv0")
        if isinstance(pid, int) and isinstance(argv0, str) and _alive(pid, argv0):
            _signal_group(pid, signal.SIGTERM)
            stopped += 1
            print(f"    stopped leftover {entry.get('name')} (pid {pid})", flush=True)
    UP_STATE.unlink(missing_ok=True)
    return stopped


def down() -> int:
    state = _read_state()
    if state is None:
        say("nothing to stop (no .run/up.json)")
        return 0
    pid = state.get("pid")
    if isinstance(pid, int) and _up_is_running(state):
        say(f"stopping make up (pid {pid}) ...")
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            warn(f"make up (pid {pid}) did not stop in time; stopping its processes directly")
    _cleanup_orphans(state)
    say("stopped")
    return 0
