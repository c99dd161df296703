"""OpenTelemetry traces: off unless `OTEL_TRACES_EXPORTER` names an exporter (otlp, console).

When on: a span per HTTP request (ASGI), per GraphQL operation and resolver (strawberry's extension) and
per outgoing vendor call (httpx), in one trace; OTLP's endpoint comes from the usual `OTEL_EXPORTER_OTLP_*`.
"""

from __future__ import annotations

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)

from opustrace.settings import Settings

# Probes and scrapes would drown the traces that matter.
UNTRACED_URLS = "livez,readyz,healthz,metrics"


def tracer_provider(settings: Settings, exporter: SpanExporter | None = None) -> TracerProvider | None:
    """The process's tracer provider, or None when tracing is off; `exporter` (tests) exports at once."""
    processor: SpanProcessor
    if exporter is not None:
        processor = SimpleSpanProcessor(exporter)
    elif settings.otel_traces_exporter == "otlp":
        processor = BatchSpanProcessor(OTLPSpanExporter())
    elif settings.otel_traces_exporter == "console":
        processor = BatchSpanProcessor(ConsoleSpanExporter())
    else:
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": settings.otel_service_name}))
    provider.add_span_processor(processor)
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    return provider
