"""Traces, metrics and structured logs, set up once per process.

- Logs: structlog JSON lines carrying `service`, `request_id`, `trace_id` and `span_id`, so a
  log line can be found from a trace and the other way round. Standard-library loggers
  (uvicorn, SQLAlchemy, FastStream) go through the same renderer.
- Traces: an OpenTelemetry `TracerProvider` named after the service; spans are exported over
  OTLP/HTTP only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, for the share of traces
  `OTEL_TRACES_SAMPLER_ARG` asks (10 % by default; a trace's services follow its first one).
  With no endpoint this process starts no recorded trace (it still follows a caller's sampled
  one), but trace ids are still made and passed on, so log lines of one request still share a
  `trace_id`. (Recording every span for nobody cost a
  catalog read about 15 % of its time under load.) SQLAlchemy, Redis and httpx are
  instrumented here; HTTP in comes from `TracingPlugin` (below), broker publish/consume from
  the messaging middleware.
- Metrics: Prometheus RED metrics per route at `/metrics` (Litestar's Prometheus plugin).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

import structlog
from litestar.config.app import AppConfig
from litestar.enums import ScopeType
from litestar.plugins import InitPluginProtocol
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased, Sampler, TraceIdRatioBased
from prometheus_client import Counter, Gauge, Histogram

from shopkit.config import ServiceSettings, TelemetrySettings
from shopkit.context import request_id_var

__all__ = [
    "TracingPlugin",
    "configure_logging",
    "configure_tracing",
    "metrics_controller",
    "metrics_middleware",
    "opentelemetry_plugin",
    "prometheus_config",
    "tracing_middleware",
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
    # httpx logs every request it makes at INFO: one line per call between services, which
    # cost more than the call at load. Failures still reach the logs through our own handlers;
    # at DEBUG they are all shown again.
    chatty_level = logging.WARNING if root.level == logging.INFO else root.level
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(chatty_level)
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
        sampler=_sampler(settings),
    )
    if settings.exporter_otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    _instrument_clients()
    return provider


def _sampler(settings: TelemetrySettings) -> Sampler:
    # Parent-based either way: a caller's decision travels on unchanged (a sampled trace stays
    # sampled in the services after us); only the traces this process starts differ.
    if not settings.exporter_otlp_endpoint:
        return ParentBased(ALWAYS_OFF)
    return ParentBased(TraceIdRatioBased(settings.traces_sampler_arg))


def _instrument_clients() -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # SQLAlchemy: engines made after this (shopkit.db makes them lazily) get statement spans.
    for instrumentor in (HTTPXClientInstrumentor(), RedisInstrumentor(), SQLAlchemyInstrumentor()):
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()


_UNTRACED = tuple(_HEALTH_AND_METRICS)
_PROPAGATION_HEADERS = frozenset({b"traceparent", b"tracestate", b"baggage"})


def tracing_middleware(app: ASGIApp, tracer_provider: TracerProvider | None = None) -> ASGIApp:
    """A server span per HTTP request, continuing the caller's trace (W3C `traceparent`).

    The span's attributes (method, route, status) are set only when the span is sampled: an
    unsampled request pays for a context switch and nothing else. OpenTelemetry's ASGI
    middleware collects every attribute before the sampler decides, which made it the most
    expensive layer of a catalog read (about a fifth of its time under load, py-spy).
    """
    tracer = trace.get_tracer("shopkit.http", tracer_provider=tracer_provider)

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"].startswith(_UNTRACED):
            await app(scope, receive, send)
            return
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in _PROPAGATION_HEADERS
        }
        parent = propagate.extract(carrier) if carrier else None
        method = scope["method"]
        with tracer.start_as_current_span(
            method, context=parent, kind=trace.SpanKind.SERVER
        ) as span:
            if not span.is_recording():
                await app(scope, receive, send)
                return
            span.set_attribute("http.request.method", method)
            span.set_attribute("url.path", scope["path"])

            async def send_with_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = message["status"]
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(trace.StatusCode.ERROR)
                await send(message)

            try:
                await app(scope, receive, send_with_status)
            finally:
                route = scope.get("path_template")
                if route:
                    span.set_attribute("http.route", route)
                    span.update_name(f"{method} {route}")

    return middleware


class TracingPlugin(InitPluginProtocol):
    """Puts `tracing_middleware` outermost, so the span covers every other layer."""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.middleware.insert(0, tracing_middleware)
        return app_config


def opentelemetry_plugin() -> TracingPlugin:
    return TracingPlugin()


_METRICS: dict[str, Any] = {}


def _metric(kind: type[Any], name: str, documentation: str, labels: list[str]) -> Any:
    """One metric per name per process (several apps in one test process share them)."""
    if name not in _METRICS:
        _METRICS[name] = kind(name, documentation, labelnames=labels)
    return _METRICS[name]


def metrics_middleware(service: ServiceSettings) -> Callable[[ASGIApp], ASGIApp]:
    """RED metrics per route: `shopkit_requests_total`, `shopkit_request_duration_seconds`,
    `shopkit_requests_in_progress` and `shopkit_requests_error_total`, with the names and labels
    Litestar's Prometheus middleware gave them (the dashboards read these), for less: that one
    built the request's full URL and looked every label up again on each request, about a tenth
    of a cached read (py-spy, search-service). As before, a request that matches no route is
    answered by Litestar before any middleware and is not counted.
    """
    labels = ["method", "path", "status_code", "app_name", "service"]
    total = _metric(Counter, "shopkit_requests_total", "Total requests", labels)
    duration = _metric(
        Histogram, "shopkit_request_duration_seconds", "Request duration, in seconds", labels
    )
    errors = _metric(Counter, "shopkit_requests_error_total", "Total errors in requests", labels)
    in_progress = _metric(
        Gauge, "shopkit_requests_in_progress", "Total requests currently in progress", labels
    )
    children: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}

    def series(method: str, path: str, status: int) -> tuple[Any, Any, Any]:
        key = (method, path, status)
        found = children.get(key)
        if found is None:
            values = (method, path, status, service.name, service.name)
            found = children[key] = (
                total.labels(*values),
                duration.labels(*values),
                errors.labels(*values),
            )
        return found

    def middleware(app: ASGIApp) -> ASGIApp:
        async def measure(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP or scope["path"].startswith(_UNTRACED):
                await app(scope, receive, send)
                return
            method = scope["method"]
            path = scope.get("path_template") or scope["path"]
            status = 500
            started = time.perf_counter()

            async def send_with_status(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            running = in_progress.labels(method, path, 200, service.name, service.name)
            running.inc()
            try:
                await app(scope, receive, send_with_status)
            finally:
                running.dec()
                count, seconds, failed = series(method, path, status)
                count.inc()
                seconds.observe(time.perf_counter() - started)
                if status >= 500:
                    failed.inc()

        return measure

    return middleware


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
