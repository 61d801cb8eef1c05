"""The specs in contracts/: each service's OpenAPI and AsyncAPI documents, published from the
copies the service writes itself (`<slug> specs` writes services/<slug>/docs/)."""

from __future__ import annotations

from pathlib import Path

from .._paths import ROOT
from ..registry import Service
from ._regions import GenerateError

CONTRACTS = ROOT / "contracts"
# contracts/<folder>/<slug><suffix> is published from services/<slug>/docs/<source>.
KINDS = (
    ("openapi", ".openapi.json", "openapi.json"),
    ("events", ".asyncapi.json", "asyncapi.json"),
)


def published(s: Service) -> list[tuple[Path, Path]]:
    """(the service's own document, its published copy) for each kind of spec."""
    return [
        (s.path / "docs" / source, CONTRACTS / folder / f"{s.slug}{suffix}")
        for folder, suffix, source in KINDS
    ]


def read_spec(source: Path, slug: str) -> str:
    if not source.is_file():
        where = source.relative_to(ROOT) if source.is_relative_to(ROOT) else source
        raise GenerateError(f"{where} is missing: run `{slug} specs` in services/{slug}/")
    return source.read_text(encoding="utf-8")


def is_spec(path: Path) -> bool:
    """A file this module publishes (anything else in contracts/ is left alone)."""
    return any(
        path.parent == CONTRACTS / folder and path.name.endswith(suffix)
        for folder, suffix, _ in KINDS
    )
