"""`make bootstrap`: everything `make up` and `make test` need, idempotent and quick on a re-run."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import gateway, infra
from ._console import StepFailed, say, step, warn
from ._paths import (
    CLIENTS_DIR,
    LOGS,
    PLATFORM,
    PYTHON,
    REPORT_PYTHON,
    REPORT_VENV,
    ROOT,
    RUN,
    SDK_DIR,
    SDK_DIST,
    SERVICES_DIR,
    VENV,
)
from .registry import Service, load
from .sdk_wheel import build as sdk_wheel_build

DEV_REQUIREMENTS = PLATFORM / "requirements-dev.txt"
REPORT_REQUIREMENTS = PLATFORM / "requirements-report.txt"
REPORT_STAMP = REPORT_VENV / ".shopkit-bootstrap"
# Once in .venv, now in the report's virtualenv only: taken out of a .venv made before, so the
# services `make up` runs from it stop importing numpy.
MOVED_TO_REPORT_VENV = ("matplotlib", "contourpy", "numpy")
NODE_PROJECTS = (PLATFORM / "catalog", PLATFORM / "ci")
STAMP = VENV / ".shopkit-bootstrap"
TEST_EXTRAS = ("test", "tests", "testing", "dev")
# The SMTP sink `make up` runs (notification-service's default server); SHOPKIT_MAIL_SINK moves
# it (the platform's own tests do, so that they never collide with a running `make up`).
MAIL_SINK = os.environ.get("SHOPKIT_MAIL_SINK", "").strip() or "127.0.0.1:1025"


def uv_env() -> dict[str, str]:
    # Copy rather than hardlink: the uv cache and the repo are often on different filesystems.
    return {**os.environ, "UV_LINK_MODE": "copy", "UV_NO_PROGRESS": "1"}


def uv() -> str:
    found = shutil.which("uv")
    if not found:
        raise StepFailed("uv is missing: run platform/bin/bootstrap (it installs uv with pip)")
    return found


def run(cmd: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        cmd, cwd=cwd, env=env or uv_env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise StepFailed(
            f"`{' '.join(cmd)}` failed in {cwd}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    return result.stdout


def service_dirs() -> list[Path]:
    """Every service folder (services/*) and web app folder (clients/*) with a pyproject,
    registered or not: each is installed, tested and deployed the same way."""
    return [
        p
        for parent in (SERVICES_DIR, CLIENTS_DIR)
        if parent.is_dir()
        for p in sorted(parent.iterdir())
        if (p / "pyproject.toml").is_file()
    ]


def test_extra(service_dir: Path) -> str | None:
    with (service_dir / "pyproject.toml").open("rb") as fh:
        extras = tomllib.load(fh).get("project", {}).get("optional-dependencies", {})
    return next((e for e in TEST_EXTRAS if e in extras), None)


def sdk_wheel() -> Path | None:
    """The SDK wheel for the version in sdk/pyproject.toml, if built."""
    pyproject = SDK_DIR / "pyproject.toml"
    if not pyproject.is_file():
        return None
    with pyproject.open("rb") as fh:
        version = tomllib.load(fh)["project"]["version"]
    wheels = sorted(SDK_DIST.glob(f"shopkit_sdk-{version}-*.whl"))
    return wheels[-1] if wheels else None


def _newest_mtime(folder: Path) -> float:
    files = [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return max((p.stat().st_mtime for p in files), default=0.0)


def build_sdk_wheel(notes: list[str]) -> None:
    if not (SDK_DIR / "pyproject.toml").is_file():
        notes.append("no sdk/ yet, skipped")
        return
    wheel = sdk_wheel()
    source_mtime = max(_newest_mtime(SDK_DIR / "src"), (SDK_DIR / "pyproject.toml").stat().st_mtime)
    if wheel is not None and wheel.stat().st_mtime >= source_mtime:
        notes.append(f"{wheel.name} up to date")
        return
    if wheel is not None:
        wheel.unlink()
    # Reproducibly (sdk_wheel.py): the same bytes the runtime locks pin by hash.
    built = sdk_wheel_build()
    notes.append(f"built {built.name}")


def _install_inputs() -> list[Path]:
    inputs = [DEV_REQUIREMENTS, SDK_DIR / "pyproject.toml"]
    for d in service_dirs():
        inputs += [d / "pyproject.toml", d / "requirements.lock", d / "requirements-test.lock"]
    return [p for p in inputs if p.is_file()]


def _stamp() -> str:
    digest = hashlib.sha256()
    for p in _install_inputs():
        digest.update(str(p.relative_to(ROOT)).encode())
        digest.update(p.read_bytes())
    return digest.hexdigest()


def install_python_packages(notes: list[str]) -> None:
    stamp = _stamp()
    if STAMP.is_file() and STAMP.read_text() == stamp:
        notes.append("up to date")
        return
    cmd = [uv(), "pip", "install", "--python", str(PYTHON), "-r", str(DEV_REQUIREMENTS)]
    if (SDK_DIR / "pyproject.toml").is_file():
        cmd += ["-e", f"{SDK_DIR}[testing]"]
    for d in service_dirs():
        extra = test_extra(d)
        cmd += ["-e", f"{d}[{extra}]" if extra else str(d)]
    run(cmd)
    sites = list((VENV / "lib").glob("python*/site-packages"))
    moved = [
        p for p in MOVED_TO_REPORT_VENV if any((d / p / "__init__.py").is_file() for d in sites)
    ]
    if moved:
        run([uv(), "pip", "uninstall", "--python", str(PYTHON), *moved])
        notes.append(f"took {', '.join(moved)} out (the bench report's venv has them)")
    STAMP.write_text(stamp)
    notes.append(f"installed sdk + {len(service_dirs())} service(s) and app(s) + dev tools")


def install_report_packages(notes: list[str]) -> None:
    """matplotlib for `make bench`'s report, in .run/report-venv (not in .venv)."""
    stamp = hashlib.sha256(REPORT_REQUIREMENTS.read_bytes()).hexdigest()
    if REPORT_STAMP.is_file() and REPORT_STAMP.read_text() == stamp and REPORT_PYTHON.exists():
        notes.append("up to date")
        return
    run([uv(), "venv", "--quiet", "--allow-existing", "--python", str(PYTHON), str(REPORT_VENV)])
    run([uv(), "pip", "install", "--python", str(REPORT_PYTHON), "-r", str(REPORT_REQUIREMENTS)])
    REPORT_STAMP.write_text(stamp)
    notes.append("installed matplotlib")


def install_node_packages(notes: list[str]) -> None:
    npm = shutil.which("npm")
    if npm is None:
        infra.apt_install("nodejs", "npm")
        npm = shutil.which("npm") or "npm"
    for project in NODE_PROJECTS:
        lock = project / "package-lock.json"
        marker = project / "node_modules" / ".package-lock.json"
        if marker.is_file() and marker.stat().st_mtime >= lock.stat().st_mtime:
            notes.append(f"{project.name} up to date")
            continue
        run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=project,
            env={**os.environ},
        )
        notes.append(f"{project.name} installed")


def ensure_databases(services: list[Service], notes: list[str]) -> None:
    created = []
    for s in services:
        if s.database is None:
            continue
        # The registry only admits names matching [a-z_][a-z0-9_]*, so inlining them is safe.
        exists = infra.psql(f"SELECT 1 FROM pg_database WHERE datname = '{s.database}'")  # noqa: S608
        if exists.returncode != 0:
            raise StepFailed(f"cannot query PostgreSQL: {exists.stderr.strip()}")
        if exists.stdout.strip() != "1":
            # `user` and `order` are reserved words: always quote the identifier.
            result = infra.psql(f'CREATE DATABASE "{s.database}"')
            if result.returncode != 0:
                raise StepFailed(f"CREATE DATABASE {s.database} failed: {result.stderr.strip()}")
            created.append(s.database)
    with_db = sum(1 for s in services if s.database)
    notes.append(f"created {', '.join(created)}" if created else f"{with_db} present")


# PostgreSQL's default max_connections is 100: the services' pools share 80 of them, leaving
# room for migrations, psql, the bench and the tests.
DATABASE_CONNECTIONS = int(os.environ.get("SHOPKIT_DATABASE_CONNECTIONS", "80"))


def serving_processes(service: Service) -> int:
    """The registry's `processes`, or `SHOPKIT_PROCESSES` for a service registered with more."""
    override = os.environ.get("SHOPKIT_PROCESSES", "")
    if override.isdigit() and int(override) >= 1 and service.processes > 1:
        return int(override)
    return service.processes


def database_pool(services: list[Service]) -> tuple[int, int]:
    """(pool size, overflow) per process, so every process of every service fits the budget."""
    processes = sum(serving_processes(s) for s in services if s.database) or 1
    per_process = max(3, DATABASE_CONNECTIONS // processes)
    pool_size = max(2, per_process * 2 // 3)
    return pool_size, per_process - pool_size


def service_env(service: Service, services: list[Service] | None = None) -> dict[str, str]:
    """The environment every service command gets under `make up` (12-factor, no files)."""
    env = {
        **os.environ,
        "SERVICE_PORT": str(service.port),
        "SERVICE_WORKERS": str(serving_processes(service)),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/",
        "AUTH_JWKS_URL": "http://127.0.0.1:3001/api/auth/.well-known/jwks.json",
        "OTEL_SERVICE_NAME": service.slug,
        "PYTHONUNBUFFERED": "1",
    }
    smtp_host, _, smtp_port = MAIL_SINK.rpartition(":")
    env.setdefault("SMTP_HOST", smtp_host)  # a developer's own SMTP_* wins
    env.setdefault("SMTP_PORT", smtp_port)
    if service.database_url:
        env["DATABASE_URL"] = service.database_url
        pool_size, overflow = database_pool(services if services is not None else load())
        env.setdefault("DATABASE_POOL_SIZE", str(pool_size))
        env.setdefault("DATABASE_MAX_OVERFLOW", str(overflow))
    if service.is_app:
        # The web apps talk to the services only through the gateway's public API.
        host, _, port = gateway.DEFAULT_LISTEN.rpartition(":")
        env["GATEWAY_URL"] = f"http://{'127.0.0.1' if host in ('', '0.0.0.0') else host}:{port}"  # noqa: S104
        # The admin's dead-letters page asks each registered service for its own.
        registered = services if services is not None else load()
        env["ADMIN_OPS_SERVICES"] = ",".join(s.slug for s in registered if not s.is_app)
    return env


def service_bin(service: Service) -> Path:
    return VENV / "bin" / service.slug


def runnable(services: list[Service]) -> tuple[list[Service], list[str]]:
    """Registered services whose folder and console script exist, and a note for each that don't."""
    ok, missing = [], []
    for s in services:
        if not (s.path / "pyproject.toml").is_file():
            missing.append(f"{s.slug}: registered but services/{s.slug}/ is missing")
        elif not service_bin(s).exists():
            missing.append(f"{s.slug}: no {service_bin(s)} (is [project.scripts] set?)")
        else:
            ok.append(s)
    return ok, missing


def migrate(services: list[Service], notes: list[str]) -> None:
    """`<slug> migrate` for every service with a database, side by side: each has its own."""
    LOGS.mkdir(parents=True, exist_ok=True)
    with_db = [s for s in services if s.database is not None]
    with ThreadPoolExecutor(max_workers=4) as pool:
        failures = [f for f in pool.map(_migrate_one, with_db) if f]
    if failures:
        raise StepFailed("\n".join(failures))
    notes.extend(s.slug for s in with_db)


def _migrate_one(service: Service) -> str | None:
    """Run one service's migrations; the failure message, or None when they applied."""
    log = LOGS / f"{service.slug}.migrate.log"
    with log.open("w") as fh:
        result = subprocess.run(
            [str(service_bin(service)), "migrate"],
            cwd=service.path,
            env=service_env(service),
            stdout=fh,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode == 0:
        return None
    return (
        f"{service.slug} migrate failed (exit {result.returncode}); "
        f"log {log}:\n{log.read_text()[-3000:]}"
    )


def bootstrap(*, python_only: bool = False) -> None:
    RUN.mkdir(exist_ok=True)
    with step("SDK wheel (sdk/dist)") as notes:
        build_sdk_wheel(notes)
    with step("Python packages (.venv)") as notes:
        install_python_packages(notes)
    with step("bench report plotting (.run/report-venv)") as notes:
        install_report_packages(notes)
    if python_only:
        return
    with step("node packages (platform/catalog, platform/ci)") as notes:
        install_node_packages(notes)
    with step("PostgreSQL on 127.0.0.1:5432") as notes:
        notes.append(infra.ensure_postgres())
    with step("Redis on 127.0.0.1:6379") as notes:
        notes.append(infra.ensure_redis())
    with step("RabbitMQ on 127.0.0.1:5672") as notes:
        notes.append(infra.ensure_rabbitmq())
    with step("nginx, kubectl and Chromium") as notes:
        notes.append(infra.ensure_tool("nginx", "nginx-light"))
        notes.append(infra.ensure_tool("kubectl", "kubectl"))
        # The browser tests drive Debian's Chromium: Playwright's own download is not reachable.
        notes.append(infra.ensure_tool("chromium", "chromium"))
    services = load()
    ready, missing = runnable(services)
    for line in missing:
        warn(line)
    with step(f"databases ({sum(1 for s in services if s.database)} registered)") as notes:
        ensure_databases(services, notes)
    with step("migrations") as notes:
        migrate(ready, notes)
        if not notes:
            notes.append("nothing to migrate")
    say("bootstrap done")
