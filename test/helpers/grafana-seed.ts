/**
 * Traffic that gives every dashboard panel something to show, sent through Braid's real
 * receivers: a call chain frontend -> checkout -> payment over OTLP/HTTP JSON (server and client
 * spans, one request failing in payment and checkout), an inventory service traced by the OTel
 * SDK over OTLP/gRPC, logs carrying the trace ids over NDJSON and OTLP/HTTP JSON, and one
 * malformed request that the receiver refuses.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { multiServiceTrace, newSpanId, newTraceId, type SpanSpec } from './otlp.js';

/** The services the seed creates. */
export const SEED_SERVICES = ['frontend', 'checkout', 'payment', 'inventory'] as const;

/** What one round sent: trace ids, and the trace ids with an error span. */
export interface SeedRound {
  traces: string[];
  errorTraces: string[];
}

async function post(url: string, contentType: string, body: string, expected = 200): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  if (res.status !== expected) throw new Error(`POST ${url} answered ${res.status}, expected ${expected}: ${await res.text()}`);
}

/**
 * One request of the chain frontend -> checkout -> payment; `fail` makes payment fail and the
 * error travel up to checkout (its client and server spans), as instrumented services report it.
 */
function chain(traceId: string, startMs: number, fail: boolean): { spans: SpanSpec[]; ids: Record<string, string> } {
  const ids = { fe: newSpanId(), feOut: newSpanId(), co: newSpanId(), coOut: newSpanId(), pay: newSpanId() };
  const spans: SpanSpec[] = [
    { id: ids.fe, service: 'frontend', name: 'GET /checkout', kind: 2, startMs, durationMs: 180, attributes: { 'http.request.method': 'GET', 'http.route': '/checkout' } },
    { id: ids.feOut, parent: ids.fe, service: 'frontend', name: 'POST /orders', kind: 3, startMs: startMs + 5, durationMs: 160 },
    { id: ids.co, parent: ids.feOut, service: 'checkout', name: 'POST /orders', kind: 2, startMs: startMs + 8, durationMs: 150, error: fail },
    { id: ids.coOut, parent: ids.co, service: 'checkout', name: 'POST /pay', kind: 3, startMs: startMs + 20, durationMs: 100, error: fail },
    { id: ids.pay, parent: ids.coOut, service: 'payment', name: 'POST /pay', kind: 2, startMs: startMs + 22, durationMs: fail ? 450 : 90, error: fail },
  ];
  return { spans, ids };
}

/** Sends `traces` call chains over OTLP/HTTP JSON with their logs (NDJSON and OTLP/HTTP JSON). */
export async function seedHttp(otlpHttp: string, traces: number, failOne: boolean): Promise<SeedRound> {
  const round: SeedRound = { traces: [], errorTraces: [] };
  const ndjson: string[] = [];
  const otlpLogs: unknown[] = [];
  for (let i = 0; i < traces; i++) {
    const traceId = newTraceId();
    const startMs = Date.now() - 1_000;
    const fail = failOne && i === 0;
    const { spans, ids } = chain(traceId, startMs, fail);
    await post(`${otlpHttp}/v1/traces`, 'application/json', JSON.stringify(multiServiceTrace(traceId, spans)));
    round.traces.push(traceId);
    if (fail) round.errorTraces.push(traceId);
    const at = new Date(startMs + 10).toISOString();
    ndjson.push(JSON.stringify({ '@timestamp': at, 'log.level': 'info', message: `order placed for trace ${i}`, 'trace.id': traceId, 'span.id': ids.co, 'service.name': 'checkout' }));
    otlpLogs.push({
      timeUnixNano: `${BigInt(startMs + 30) * 1_000_000n}`, severityNumber: fail ? 17 : 9, severityText: fail ? 'ERROR' : 'INFO',
      body: { stringValue: fail ? 'card declined' : 'payment accepted' }, traceId, spanId: ids.pay,
    });
  }
  await post(`${otlpHttp}/v1/logs`, 'application/x-ndjson', ndjson.join('\n'));
  const logs = { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'payment' } }] }, scopeLogs: [{ logRecords: otlpLogs }] }] };
  await post(`${otlpHttp}/v1/logs`, 'application/json', JSON.stringify(logs));
  return round;
}

/** Sends `traces` traces of the inventory service through the OTel SDK's OTLP/gRPC exporter. */
export async function seedGrpc(otlpGrpc: string, traces: number): Promise<string[]> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'inventory' }),
    spanProcessors: [new SimpleSpanProcessor(new GrpcTraceExporter({ url: `http://${otlpGrpc}` }))],
  });
  const tracer = provider.getTracer('braid-dashboards-test');
  const ids: string[] = [];
  for (let i = 0; i < traces; i++) {
    const server = tracer.startSpan('GET /stock', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET' } }, ROOT_CONTEXT);
    const db = tracer.startSpan('SELECT stock', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' } }, trace.setSpan(ROOT_CONTEXT, server));
    db.setStatus({ code: SpanStatusCode.OK });
    db.end();
    server.end();
    ids.push(server.spanContext().traceId);
  }
  await provider.forceFlush();
  await provider.shutdown();
  return ids;
}

/** A malformed OTLP/HTTP request, which the receiver must refuse with 400 (and count). */
export async function sendRefused(otlpHttp: string): Promise<void> {
  await post(`${otlpHttp}/v1/traces`, 'application/json', '{"resourceSpans": [', 400);
}
