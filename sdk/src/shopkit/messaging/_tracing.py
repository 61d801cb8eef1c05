"""W3C trace context in and out of envelopes, so one trace spans request → outbox → consumer."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import propagate

__all__ = ["current_trace_context", "trace_context_attached"]


def current_trace_context() -> dict[str, str]:
    """`traceparent` / `tracestate` of the active span (empty outside a span)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextmanager
def trace_context_attached(carrier: Mapping[str, str]) -> Iterator[None]:
    """Make the span recorded in `carrier` the parent of spans started inside the block.

    The outbox relay publishes long after the request that wrote the event has ended; attaching
    the context captured at write time keeps the publish (and so the consumer) in that trace.
    """
    if not carrier:
        yield
        return
    token = otel_context.attach(propagate.extract(dict(carrier)))
    try:
        yield
    finally:
        otel_context.detach(token)
