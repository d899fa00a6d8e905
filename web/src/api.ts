/**
 * Typed fetch of Braid's query APIs, relative to the page's origin (the query port). The Jaeger
 * and native shapes are the server's own types (type-only imports, erased by the build), so a
 * change on the server that the page does not follow fails `tsc -p web/tsconfig.json`; rules and
 * alerts mirror src/alerting/evaluator/api.ts.
 */

import type { JaegerSpan, JaegerTag, JaegerTrace } from '../../src/query/jaeger/convert.js';
import type { ExemplarView, LogView, SpanNode, TraceView } from '../../src/query/braid/routes.js';
import type { StoredValue, TraceSummaryDocument as TraceSummary } from '../../src/storage/store.js';

export type { ExemplarView, JaegerSpan, JaegerTag, JaegerTrace, LogView, SpanNode, StoredValue, TraceSummary, TraceView };

/** One page of GET /braid/v1/logs; `next` is the cursor of the following page. */
export interface LogPage {
  logs: LogView[];
  next?: string;
}

/** A service-graph edge of GET /api/dependencies. */
export interface Dependency {
  parent: string;
  child: string;
  callCount: number;
}

/** An active alert of /prometheus/api/v1/alerts (annotations carry example_trace_ids). */
export interface AlertView {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  keepFiringSince?: string;
  value: string;
}

/** A rule of /prometheus/api/v1/rules. */
export interface RuleView {
  type: 'alerting' | 'recording';
  name: string;
  query: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  state?: 'inactive' | 'pending' | 'firing';
  duration?: number;
  alerts?: AlertView[] | null;
  health: string;
  lastError?: string;
  lastEvaluation: string;
  evaluationTime: number;
}

/** A rule group of /prometheus/api/v1/rules. */
export interface RuleGroup {
  name: string;
  file: string;
  interval: number;
  rules: RuleView[];
}

/** A failed API call: the HTTP status and the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly url: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The server's message from any of the three error shapes (Jaeger, native, Prometheus). */
function errorMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as { errors?: Array<{ msg?: string }> | null; error?: string | { message?: string } };
  if (Array.isArray(b.errors) && b.errors[0]?.msg) return b.errors[0].msg;
  if (typeof b.error === 'string') return b.error;
  if (typeof b.error === 'object' && b.error?.message) return b.error.message;
  return undefined;
}

/** GET a JSON answer of the query server; a non-2xx answer throws ApiError with the server's message (Jaeger, native or Prometheus shape). */
export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, `cannot reach the query server: ${(e as Error).message}`, url);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, errorMessage(body) ?? `${res.status} ${res.statusText}`, url);
  if (body === undefined) throw new ApiError(res.status, `expected JSON from ${url}`, url);
  return body as T;
}

const withQuery = (path: string, q?: URLSearchParams) => (q && q.toString() !== '' ? `${path}?${q}` : path);

/** The query APIs. Each takes an optional AbortSignal to cancel a superseded request. */
export const api = {
  /** GET /api/services: service names. */
  async services(signal?: AbortSignal): Promise<string[]> {
    return (await getJson<{ data: string[] | null }>('/api/services', signal)).data ?? [];
  },
  /** GET /api/services/{service}/operations: operation names. */
  async operations(service: string, signal?: AbortSignal): Promise<string[]> {
    return (await getJson<{ data: string[] | null }>(`/api/services/${encodeURIComponent(service)}/operations`, signal)).data ?? [];
  },
  /** GET /api/traces: Jaeger search (service, operation, tags JSON, minDuration, maxDuration, start, end in µs, limit). */
  async searchTraces(query: URLSearchParams, signal?: AbortSignal): Promise<JaegerTrace[]> {
    return (await getJson<{ data: JaegerTrace[] | null }>(withQuery('/api/traces', query), signal)).data ?? [];
  },
  /** GET /api/traces/{id}: one trace in Jaeger's shape (processes carry the resource attributes). */
  async jaegerTrace(traceId: string, signal?: AbortSignal): Promise<JaegerTrace | undefined> {
    return (await getJson<{ data: JaegerTrace[] | null }>(`/api/traces/${encodeURIComponent(traceId)}`, signal)).data?.[0];
  },
  /** GET /braid/v1/traces/{id}: the span tree with each span's logs, the trace's other logs and exemplars. */
  trace(traceId: string, signal?: AbortSignal): Promise<TraceView> {
    return getJson<TraceView>(`/braid/v1/traces/${encodeURIComponent(traceId)}`, signal);
  },
  /** GET /braid/v1/logs: service, level, traceId, q, start, end, lookback, limit, cursor, attribute=k:v. */
  logs(query: URLSearchParams, signal?: AbortSignal): Promise<LogPage> {
    return getJson<LogPage>(withQuery('/braid/v1/logs', query), signal);
  },
  /** GET /api/dependencies: service-graph edges over `lookbackMs` before `endTs` (ms; default now and 24 h). */
  async dependencies(opts: { endTs?: number; lookbackMs?: number } = {}, signal?: AbortSignal): Promise<Dependency[]> {
    const q = new URLSearchParams();
    if (opts.endTs !== undefined) q.set('endTs', String(opts.endTs));
    if (opts.lookbackMs !== undefined) q.set('lookback', String(opts.lookbackMs));
    return (await getJson<{ data: Dependency[] | null }>(withQuery('/api/dependencies', q), signal)).data ?? [];
  },
  /** GET /prometheus/api/v1/rules: rule groups with their rules' state. */
  async rules(signal?: AbortSignal): Promise<RuleGroup[]> {
    return (await getJson<{ data: { groups: RuleGroup[] } }>('/prometheus/api/v1/rules', signal)).data.groups;
  },
  /** GET /prometheus/api/v1/alerts: pending and firing alerts. */
  async alerts(signal?: AbortSignal): Promise<AlertView[]> {
    return (await getJson<{ data: { alerts: AlertView[] } }>('/prometheus/api/v1/alerts', signal)).data.alerts;
  },
};

/** Trace IDs of an alert's examples (the `example_trace_ids` annotation, comma-separated). */
export function exampleTraceIds(a: AlertView): string[] {
  const ids = a.annotations.example_trace_ids;
  return ids ? ids.split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
}
