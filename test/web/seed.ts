/**
 * What the explorer's browser tests seed through Braid's real OTLP/HTTP receivers: a checkout call
 * chain (frontend -> order -> payment) whose payment span fails and logs why, a log line of the
 * trace without a span, a histogram with an exemplar pointing at the payment span, a run of log
 * lines to page through, and a trace of 20,000 spans.
 */
import { encodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import type { Span, TracesData } from '../../src/model/trace.js';
import { multiServiceTrace, newSpanId, newTraceId } from '../helpers/otlp.js';

const ns = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;

/** POSTs an OTLP/JSON (or protobuf) body to the OTLP/HTTP receiver and fails unless it answers 200. */
export async function post(otlpHttp: string, path: '/v1/traces' | '/v1/logs' | '/v1/metrics', body: unknown): Promise<void> {
  const binary = body instanceof Uint8Array;
  const res = await fetch(`${otlpHttp}${path}`, {
    method: 'POST',
    headers: { 'content-type': binary ? 'application/x-protobuf' : 'application/json' },
    body: binary ? body : JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
}

/** The IDs of the seeded checkout trace. */
export interface Checkout {
  traceId: string;
  /** A frontend trace without the searched tag. */
  otherTraceId: string;
  rootSpanId: string;
  orderSpanId: string;
  paymentSpanId: string;
  /** A child of the payment span, not selected by default: the deep-link target. */
  dbSpanId: string;
  /** The payment span's log line and the trace's log line without a span. */
  paymentLog: string;
  traceLog: string;
  /** The histogram whose exemplar points at the payment span, as Braid names it. */
  exemplarMetric: string;
}

/** Sends the checkout trace, its logs and its exemplar-bearing histogram. */
export async function seedCheckout(otlpHttp: string): Promise<Checkout> {
  const c: Checkout = {
    traceId: newTraceId(), otherTraceId: newTraceId(), rootSpanId: newSpanId(), orderSpanId: newSpanId(), paymentSpanId: newSpanId(), dbSpanId: newSpanId(),
    paymentLog: 'card declined by issuer: insufficient funds', traceLog: 'checkout retry budget exhausted',
    exemplarMetric: 'payment_charge_duration_seconds',
  };
  const t0 = Date.now() - 5_000;
  await post(otlpHttp, '/v1/traces', multiServiceTrace(c.traceId, [
    { id: c.rootSpanId, service: 'frontend', name: 'POST /checkout', kind: 2, startMs: t0, durationMs: 480, error: true, attributes: { 'http.route': '/checkout', 'http.status_code': 502 } },
    { id: c.orderSpanId, parent: c.rootSpanId, service: 'order', name: 'PlaceOrder', kind: 2, startMs: t0 + 20, durationMs: 420, error: true },
    { id: c.paymentSpanId, parent: c.orderSpanId, service: 'payment', name: 'POST /charge', kind: 2, startMs: t0 + 60, durationMs: 350, error: true, attributes: { 'payment.provider': 'acme-pay' } },
    { id: c.dbSpanId, parent: c.paymentSpanId, service: 'payment', name: 'SELECT payment_methods', kind: 3, startMs: t0 + 70, durationMs: 40, attributes: { 'db.system': 'postgresql' } },
  ]));
  // Another frontend trace the search's tag filter must leave out.
  await post(otlpHttp, '/v1/traces', multiServiceTrace(c.otherTraceId, [{ id: newSpanId(), service: 'frontend', name: 'GET /cart', kind: 2, startMs: t0 + 100, durationMs: 30, attributes: { 'http.route': '/cart' } }]));
  const log = (service: string, ms: number, severity: number, text: string, ids: { traceId: string; spanId?: string }) => ({
    resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
    scopeLogs: [{ logRecords: [{ timeUnixNano: ns(ms), severityNumber: severity, severityText: severity >= 17 ? 'ERROR' : 'INFO', body: { stringValue: text }, traceId: ids.traceId, ...(ids.spanId ? { spanId: ids.spanId } : {}) }] }],
  });
  await post(otlpHttp, '/v1/logs', {
    resourceLogs: [
      log('payment', t0 + 300, 17, c.paymentLog, { traceId: c.traceId, spanId: c.paymentSpanId }),
      log('frontend', t0 + 470, 13, c.traceLog, { traceId: c.traceId }),
    ],
  });
  const now = ns(Date.now());
  await post(otlpHttp, '/v1/metrics', {
    resourceMetrics: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'payment' } }] },
      scopeMetrics: [{ metrics: [{
        name: 'payment.charge.duration', unit: 's',
        histogram: { aggregationTemporality: 2, dataPoints: [{
          startTimeUnixNano: now, timeUnixNano: now, count: '2', sum: 0.4, bucketCounts: ['1', '1'], explicitBounds: [0.1],
          exemplars: [{ timeUnixNano: now, asDouble: 0.35, traceId: c.traceId, spanId: c.paymentSpanId }],
        }] },
      }] }],
    }],
  });
  return c;
}

/** Sends `count` log lines of service `inventory`, one a second back from now, numbered from the oldest. */
export async function seedLogRun(otlpHttp: string, count: number): Promise<string[]> {
  const now = Date.now() - 60_000;
  const texts = Array.from({ length: count }, (_, i) => `inventory reconciled batch ${String(i).padStart(4, '0')}`);
  const logRecords = texts.map((text, i) => ({ timeUnixNano: ns(now - (count - i) * 1_000), severityNumber: 9, severityText: 'INFO', body: { stringValue: text }, traceId: newTraceId(), spanId: newSpanId() }));
  await post(otlpHttp, '/v1/logs', { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'inventory' } }] }, scopeLogs: [{ logRecords }] }] });
  return texts;
}

/** A trace of `count` spans: a root, a group span every 100 spans, leaves under the latest group; start times rise with the index, so the waterfall lists them in index order. */
export function largeTrace(traceId: string, count: number): { body: Uint8Array; spanIds: string[] } {
  const spanIds = Array.from({ length: count }, () => newSpanId());
  const startNs = BigInt(Date.now() - 120_000) * 1_000_000n;
  let group = spanIds[0]!;
  const spans: Span[] = spanIds.map((spanId, i) => {
    const isGroup = i > 0 && i % 100 === 1;
    const parentSpanId = i === 0 ? '' : isGroup ? spanIds[0]! : group;
    if (isGroup) group = spanId;
    // 50 µs apart: a leaf lasts 40 µs, a group its 100 spans, the root all of them (1 s for 20,000).
    const start = startNs + BigInt(i) * 50_000n;
    const end = i === 0 ? startNs + BigInt(count + 1) * 50_000n : isGroup ? start + 100n * 50_000n : start + 40_000n;
    return {
      traceId, spanId, parentSpanId, traceState: '', flags: 0, name: i === 0 ? 'nightly reindex' : isGroup ? `shard ${Math.floor(i / 100)}` : `index document ${i}`,
      kind: 1, startTimeUnixNano: start, endTimeUnixNano: end, attributes: { 'span.index': BigInt(i) }, droppedAttributesCount: 0,
      events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
    };
  });
  const data: TracesData = {
    resourceSpans: [{ resource: { attributes: { 'service.name': 'reindexer' }, droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope: { name: 'braid-web-test', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', spans }] }],
  };
  return { body: encodeTraceRequest(data).slice(), spanIds };
}

/** A rule that fires at the first evaluation that sees a failed payment span (the seeded checkout has one). */
export const PAYMENT_ERRORS_RULE = `      - alert: PaymentErrors
        expr: sum by (service_name) (traces_span_metrics_calls_total{service_name="payment", status_code="STATUS_CODE_ERROR"}) > 0
        labels: { severity: page }
        annotations: { summary: "payment calls fail" }
`;

/** A rule file of one group evaluated every second. */
export const ruleFile = (group: string, rules: string): string => `groups:\n  - name: ${group}\n    interval: 1s\n    rules:\n${rules}`;
