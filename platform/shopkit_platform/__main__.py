"""`python -m shopkit_platform <command>`; the Makefile and platform/bin/ call this."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._console import StepFailed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shopkit_platform", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    boot = sub.add_parser("bootstrap", help="install and prepare everything, idempotently")
    boot.add_argument(
        "--python-only",
        action="store_true",
        help="only the SDK wheel and the virtualenv (no infrastructure, no databases)",
    )
    run = sub.add_parser("up", help="run every registered service behind the gateway until Ctrl-C")
    run.add_argument("--no-bootstrap", action="store_true", help="skip the set-up steps")
    sub.add_parser("down", help="stop what `make up` started")
    test = sub.add_parser("test-all", help="every check, with a summary line per part")
    test.add_argument("--fast", action="store_true", help="ruff, mypy and unit tests only")
    test.add_argument("--only", help="run only the parts whose name contains this text")
    test.add_argument("-v", "--verbose", action="store_true", help="show the output of every part")
    gw = sub.add_parser("gateway-config", help="write .run/nginx/nginx.conf and check it")
    gw.add_argument("--listen", help="address:port (default 127.0.0.1:8080 or $GATEWAY_LISTEN)")
    gw.add_argument("--stdout", action="store_true", help="print the config instead")
    gw.add_argument(
        "--k8s",
        action="store_true",
        help="print the Kubernetes gateway's config, with this shell's GATEWAY_* variables",
    )
    for name, what in (
        ("generate", "write every per-service deploy file from platform/services.toml"),
        ("contracts", "publish every service's OpenAPI and AsyncAPI documents into contracts/"),
    ):
        derived = sub.add_parser(name, help=what)
        derived.add_argument(
            "--check", action="store_true", help="write nothing; fail naming each stale file"
        )
    locks = sub.add_parser("lock", help="write every service's and app's lock files again")
    locks.add_argument(
        "--upgrade", action="store_true", help="the newest versions the pyprojects allow"
    )
    locks.add_argument("folders", nargs="*", type=Path, help="only these folders (default: all)")
    sub.add_parser("sdk-wheel", help="build the SDK wheel reproducibly into sdk/dist")
    sub.add_parser("bench", help="run platform/bench/ scripts")
    sub.add_parser("chaos", help="inject faults under a checkout load and check the invariants")
    args = parser.parse_args(argv)

    try:
        if args.command == "bootstrap":
            from .bootstrap import bootstrap

            bootstrap(python_only=args.python_only)
            return 0
        if args.command == "up":
            from .runner import up

            return up(run_bootstrap=not args.no_bootstrap)
        if args.command == "down":
            from .runner import down

            return down()
        if args.command == "test-all":
            from .testall import main as test_all

            return test_all(fast=args.fast, only=args.only, verbose=args.verbose)
        if args.command == "gateway-config":
            return _gateway_config(args.listen, args.stdout, k8s=args.k8s)
        if args.command in ("generate", "contracts"):
            return _derived(args.command, check=args.check)
        if args.command == "lock":
            from .locks import lock

            lock(args.folders, upgrade=args.upgrade)
            return 0
        if args.command == "sdk-wheel":
            from .sdk_wheel import build

            print(build())
            return 0
        if args.command in ("bench", "chaos"):
            from .harness import run as run_harness

            return run_harness(args.command)
    except StepFailed as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 1
    parser.error(f"unknown command {args.command}")
    return 2


def _derived(command: str, *, check: bool) -> int:
    from . import generate

    outputs = generate.deploy_outputs() if command == "generate" else generate.contract_outputs()
    if check:
        problems = generate.stale(outputs)
        print("\n".join(problems) or f"{len(outputs)} file(s) up to date")
        return 1 if problems else 0
    try:
        changed = generate.write(outputs)
    except generate.GenerateError as exc:
        print(exc, file=sys.stderr)
        return 1
    for name in changed:
        print(f"wrote {name}")
    print(f"{len(outputs)} file(s), {len(changed)} changed")
    return 0


def _gateway_config(listen: str | None, to_stdout: bool, *, k8s: bool = False) -> int:
    import os

    from . import gateway
    from .registry import load

    services = load()
    if k8s:
        from .generate.k8s import render_gateway_nginx

        print(render_gateway_nginx(services, os.environ), end="")
        return 0
    listen = listen or gateway.DEFAULT_LISTEN
    if to_stdout:
        print(gateway.render(services, listen=listen), end="")
        return 0
    conf = gateway.write(services, listen=listen)
    checked = gateway.test_config(conf)
    print(checked.stderr.strip())
    if checked.returncode == 0:
        print(
            f"wrote {conf} ({len(services)} service(s), "
            f"{sum(len(s.routes) for s in services)} route(s))"
        )
    return checked.returncode


if __name__ == "__main__":
    sys.exit(main())
