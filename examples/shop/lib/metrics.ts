// Request metrics with exemplars. prom-client prints exemplars only from a registry whose content
// type is OpenMetrics, and that registry renames counters for its own format, so the service keeps
// two registries fed by the same calls: one answers OpenMetrics scrapes (with exemplars), the
// other the classic text format.
import { trace, type SpanContext, TraceFlags } from '@opentelemetry/api';
import { Counter, Histogram, Registry, type RegistryContentType } from 'prom-client';

/** Exemplar labels of a span: its trace and span IDs, only for a valid, sampled span. */
export function exemplarLabels(span: SpanContext | undefined): { trace_id: string; span_id: string } | undefined {
  if (span === undefined || !trace.isSpanContextValid(span)) return undefined;
  if ((span.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
  return { trace_id: span.traceId, span_id: span.spanId };
}

/** True when an Accept header asks for OpenMetrics. */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept);
}

type Labels = 'service' | 'route' | 'status';
// prom-client types exemplar labels with the metric's own label names.
type WithExemplar = Labels | 'trace_id' | 'span_id';

interface Pair {
  registry: Registry<RegistryContentType>;
  requests: Counter<WithExemplar>;
  duration: Histogram<WithExemplar>;
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function pair(contentType: RegistryContentType, exemplars: boolean): Pair {
  // The type declarations lack the constructor's content type argument.
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(contentType);
  const requests = new Counter<WithExemplar>({
    name: 'shop_http_requests_total',
    help: 'HTTP requests the service answered, by route and status code.',
    labelNames: ['service', 'route', 'status'],
    registers: [registry],
    enableExemplars: exemplars,
  });
  const duration = new Histogram<WithExemplar>({
    name: 'shop_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route and status code.',
    labelNames: ['service', 'route', 'status'],
    buckets: BUCKETS,
    registers: [registry],
    enableExemplars: exemplars,
  });
  return { registry, requests, duration };
}

/** A service's request metrics. */
export interface ShopMetrics {
  /** Counts one answered request and its duration; the span's IDs become the exemplar. */
  observe(route: string, status: number, seconds: number, span: SpanContext | undefined): void;
  /** The exposition for an Accept header: body and its content type. */
  render(accept: string | undefined): Promise<{ body: string; contentType: string }>;
}

/** Creates the request metrics of `service`. */
export function createShopMetrics(service: string): ShopMetrics {
  const open = pair(Registry.OPENMETRICS_CONTENT_TYPE, true);
  const text = pair(Registry.PROMETHEUS_CONTENT_TYPE, false);
  return {
    observe(route, status, seconds, span) {
      const labels = { service, route, status: String(status) };
      const exemplar = exemplarLabels(span);
      open.requests.inc(exemplar ? { labels, value: 1, exemplarLabels: exemplar } : { labels, value: 1 });
      open.duration.observe(exemplar ? { labels, value: seconds, exemplarLabels: exemplar } : { labels, value: seconds });
      text.requests.inc(labels);
      text.duration.observe(labels, seconds);
    },
    async render(accept) {
      const chosen = wantsOpenMetrics(accept) ? open : text;
      return { body: await chosen.registry.metrics(), contentType: chosen.registry.contentType };
    },
  };
}
