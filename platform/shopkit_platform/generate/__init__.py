"""`make generate` and `make contracts`: the files derived from the registry and the services.

Every per-service deploy file is written from platform/services.toml alone (`make generate`),
and each service's OpenAPI and AsyncAPI documents are published into contracts/ (`make
contracts`). A file is either wholly generated (with a header saying so) or a hand-written file
with generated regions between marker comments (`_regions`). `stale()` is the check
platform/tests/test_generated.py runs in `make test`: it names each file that differs from what
would be written now, and the command that rewrites it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .._paths import ROOT
from ..registry import Service, load
from . import catalog, ci, compose, contracts, k8s, observability, release
from ._regions import GenerateError

__all__ = [
    "GenerateError",
    "Output",
    "contract_outputs",
    "deploy_outputs",
    "stale",
    "write",
]

GENERATE = "make generate"
CONTRACTS = "make contracts"

Fill = Callable[[list[Service], str], str]


@dataclass(frozen=True)
class Output:
    """A file and the whole text it must hold, or None when it must not exist (a generated
    file whose service is no longer registered)."""

    path: Path
    render: Callable[[], str | None]
    command: str = GENERATE

    @property
    def name(self) -> str:
        return str(self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path)


def _filled(path: Path, fill: Fill, services: list[Service]) -> Output:
    """A hand-written file whose generated regions (or generated keys) `fill` writes."""
    return Output(path, lambda: fill(services, path.read_text(encoding="utf-8")))


def deploy_outputs(services: list[Service] | None = None) -> list[Output]:
    """Every file `make generate` writes, from the registry alone."""
    services = load() if services is None else services
    outputs = [
        _filled(compose.COMPOSE, compose.render_compose, services),
        Output(compose.COMPOSE_NGINX, lambda: compose.render_nginx(services)),
        _filled(k8s.KUSTOMIZATION, k8s.render_kustomization, services),
        _filled(k8s.INGRESS, k8s.render_ingress, services),
        Output(k8s.GATEWAY_NGINX, lambda: k8s.render_gateway_nginx(services)),
        _filled(k8s.README, k8s.render_readme, services),
        _filled(observability.PROMETHEUS, observability.render_prometheus, services),
        _filled(observability.DASHBOARD, observability.render_dashboard, services),
        _filled(catalog.CATALOG, catalog.render_catalog, services),
        Output(release.RELEASE, lambda: release.render_release(services)),
    ]
    workflows = {ROOT / ci.path(s): s for s in services}
    outputs += [Output(p, partial(ci.render_workflow, s)) for p, s in workflows.items()]
    outputs += [
        Output(p, lambda: None)
        for p in sorted(ci.WORKFLOWS.glob("*.yml"))
        if p not in workflows and p.read_text(encoding="utf-8").startswith(ci.HEADER)
    ]
    return outputs


def contract_outputs(services: list[Service] | None = None) -> list[Output]:
    """Every spec `make contracts` publishes: each back-end service's, copied from its docs/."""
    services = load() if services is None else services
    outputs = [
        Output(target, partial(contracts.read_spec, source, s.slug), CONTRACTS)
        for s in services
        if not s.is_app
        for source, target in contracts.published(s)
    ]
    wanted = {o.path for o in outputs}
    outputs += [
        Output(p, lambda: None, CONTRACTS)
        for p in sorted(contracts.CONTRACTS.glob("*/*.json"))
        if contracts.is_spec(p) and p not in wanted
    ]
    return outputs


def _current(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def write(outputs: list[Output]) -> list[str]:
    """Write (or remove) every output that differs; the names of those changed."""
    changed = []
    for output in outputs:
        text = output.render()
        if text == _current(output.path):
            continue
        if text is None:
            output.path.unlink()
        else:
            output.path.parent.mkdir(parents=True, exist_ok=True)
            output.path.write_text(text, encoding="utf-8")
        changed.append(output.name)
    return changed


def stale(outputs: list[Output]) -> list[str]:
    """One line per output that differs from what its command would write now."""
    problems = []
    for output in outputs:
        try:
            text = output.render()
        except GenerateError as exc:
            problems.append(f"{output.name}: {exc} (then run `{output.command}`)")
            continue
        if text != _current(output.path):
            what = "should not exist" if text is None else "is stale"
            problems.append(f"{output.name} {what}: run `{output.command}`")
    return problems
