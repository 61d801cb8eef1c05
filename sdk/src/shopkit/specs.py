"""The documents the catalog points at, generated from the code (never written by hand).

OpenAPI comes from Litestar; AsyncAPI from FastStream (the consumers it knows), with one
`send` operation per event the service publishes through its outbox and every payload's JSON
Schema taken from its msgspec Struct (FastStream's generator only understands pydantic).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
from faststream.rabbit import RabbitBroker, RabbitExchange
from faststream.specification import AsyncAPI
from litestar import Litestar

from shopkit.messaging import Event

__all__ = ["asyncapi_document", "openapi_document", "write_json"]


def openapi_document(app: Litestar) -> dict[str, Any]:
    return app.openapi_schema.to_schema()


def asyncapi_document(
    broker: RabbitBroker,
    exchange: RabbitExchange,
    *,
    title: str,
    version: str,
    publishes: Sequence[type[Event]] = (),
) -> dict[str, Any]:
    for event in publishes:
        broker.publisher(
            exchange=exchange,
            routing_key=event.event_type,
            title=event.event_type,
            description=(event.__doc__ or event.__name__).strip(),
            persist=True,
        )
    specification = AsyncAPI(
        broker, title=title, version=version, description=f"Events of {title}"
    ).to_specification()
    document: dict[str, Any] = json.loads(specification.to_json())
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for event in publishes:
        schemas[f"{event.event_type}:Message:Payload"] = {
            **msgspec.json.schema(event),
            "description": (
                f"The `payload` of a {event.event_type} envelope (id, type, version,"
                " occurred_at, producer, correlation_id, trace_context, payload)."
            ),
        }
    return document


def write_json(path: Path, document: dict[str, Any]) -> Path:
    """Stable output (sorted keys, two-space indent) so a diff shows only real changes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
