"""Traces, metrics and structured logs, set up once per process.

- Logs: structlog JSON lines carrying `service`, `request_id`, `trace_id` and `span_id`, so a
  log line can be found from a trace and the other way round. Standard-library loggers
  (uvicorn, SQLAlchemy, FastStream) go through the same renderer.
- Traces: an OpenTelemetry `TracerProvider` named after the service; spans are exported over
  OTLP/HTTP only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. SQLAlchemy, Redis and httpx are
  instrumented here; HTTP in comes from Litestar's plugin, broker publish/consume from the
  messaging middleware.
- Metrics: Prometheus RED metrics per route at `/metrics` (Litestar's Prometheus plugin).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from shopkit.config import ServiceSettings, TelemetrySettings
from shopkit.context import request_id_var

__all__ = [
    "configure_logging",
    "configure_tracing",
    "metrics_controller",
    "opentelemetry_plugin",
    "prometheus_config",
]

_HEALTH_AND_METRICS = ["/health", "/metrics", "/schema"]


def _add_request_and_trace_ids(
    _logger: Any, _method: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    request_id = request_id_var.get()
    if request_id and "request_id" not in event_dict:
        event_dict["request_id"] = request_id
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        event_dict["trace_id"] = format(span_context.trace_id, "032x")
        event_dict["span_id"] = format(span_context.span_id, "016x")
    return event_dict


def configure_logging(service: ServiceSettings) -> None:
    """JSON logs on stdout (or readable console lines when `SERVICE_LOG_JSON=false`)."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if service.log_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_request_and_trace_ids,
        structlog.processors.CallsiteParameterAdder(
            {structlog.processors.CallsiteParameter.MODULE}
        ),
    ]
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.EventRenamer("message"),
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(service.log_level.upper())
    structlog.contextvars.bind_contextvars(service=service.name)


def configure_tracing(service: ServiceSettings, settings: TelemetrySettings) -> TracerProvider:
    """Install this process's tracer provider once; later calls return the installed one."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    provider = TracerProvider(
        resource=Resource.create(
            {
                "service.name": service.name,
                "service.version": service.version,
                "deployment.environment": service.environment,
            }
        ),
        sampler=ParentBased(TraceIdRatioBased(settings.traces_sampler_arg)),
    )
    if settings.exporter_otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    _instrument_clients()
    return provider


def _instrument_clients() -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # SQLAlchemy: engines made after this (shopkit.db makes them lazily) get statement spans.
    for instrumentor in (HTTPXClientInstrumentor(), RedisInstrumentor(), SQLAlchemyInstrumentor()):
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()


def opentelemetry_plugin() -> OpenTelemetryPlugin:
    return OpenTelemetryPlugin(OpenTelemetryConfig(exclude=_HEALTH_AND_METRICS))


def prometheus_config(service: ServiceSettings) -> PrometheusConfig:
    return PrometheusConfig(
        app_name=service.name,
        prefix="shopkit",
        group_path=True,
        exclude=_HEALTH_AND_METRICS,
        labels={"service": service.name},
    )


class _MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = False


def metrics_controller() -> type[PrometheusController]:
    return _MetricsController
