"""`notification-service specs`, run in the service's folder: regenerate docs/*.json."""

from __future__ import annotations

from pathlib import Path

from shopkit.specs import asyncapi_document, openapi_document, write_json

from notification_service.app import create_app
from notification_service.config import SLUG, get_settings
from notification_service.events.events import PUBLISHED

DOCS = Path("docs")


def build_specs() -> dict[str, dict[str, object]]:
    app = create_app()
    messaging = app.state["messaging"]
    version = get_settings().service.version
    return {
        "openapi.json": openapi_document(app),
        "asyncapi.json": asyncapi_document(
            messaging.broker, messaging.exchange, title=SLUG, version=version, publishes=PUBLISHED
        ),
    }


def write_specs(docs: Path = DOCS) -> list[Path]:
    return [write_json(docs / name, document) for name, document in build_specs().items()]
