/**
 * Decodes requests produced by the real OpenTelemetry JS encoders and compares them with the
 * ReadableSpans they were made from, converted to Braid's model independently of the codecs.
 */
import { context, createTraceState, SpanKind, SpanStatusCode, trace, type AttributeValue, type Attributes as OtelAttributes, type HrTime, type SpanContext } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTraceRequestJson } from '../../src/model/otlp/trace-json.js';
import { decodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import type { AnyValue, Attributes, Span, TracesData } from '../../src/model/trace.js';

const nanos = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

function toAnyValue(v: AttributeValue | undefined | null): AnyValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return (v as unknown[]).map((x) => toAnyValue(x as AttributeValue));
  return v as AnyValue;
}

function toAttributes(attrs: OtelAttributes | undefined): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attrs ?? {})) out[k] = toAnyValue(v);
  return out;
}

// OTLP span flags: W3C trace flags in the low byte, then HAS_IS_REMOTE (0x100) and IS_REMOTE (0x200).
const flags = (ctx: SpanContext | undefined, traceFlags: number): number => (traceFlags & 0xff) | 0x100 | (ctx?.isRemote ? 0x200 : 0);

function expectedSpan(s: ReadableSpan): Span {
  const ctx = s.spanContext();
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    traceState: ctx.traceState?.serialize() ?? '',
    parentSpanId: s.parentSpanContext?.spanId ?? '',
    flags: flags(s.parentSpanContext, ctx.traceFlags),
    name: s.name,
    kind: s.kind + 1,
    startTimeUnixNano: nanos(s.startTime),
    endTimeUnixNano: nanos(s.endTime),
    attributes: toAttributes(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({ timeUnixNano: nanos(e.time), name: e.name, attributes: toAttributes(e.attributes), droppedAttributesCount: e.droppedAttributesCount ?? 0 })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({
      traceId: l.context.traceId, spanId: l.context.spanId, traceState: l.context.traceState?.serialize() ?? '',
      attributes: toAttributes(l.attributes), droppedAttributesCount: l.droppedAttributesCount ?? 0, flags: flags(l.context, l.context.traceFlags),
    })),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.status.code, message: s.status.message ?? '' },
  };
}

function allSpans(data: TracesData): Span[] {
  return data.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
}

let finished: ReadableSpan[] = [];

beforeAll(async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)], spanLimits: { eventCountLimit: 2 } });
  const tracer = provider.getTracer('@braid/interop', '2.0.1');
  const other = provider.getTracer('other-lib');

  const remoteParent = trace.wrapSpanContext({
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true, traceState: createTraceState('vendor=abc,other=x'),
  });
  const root = tracer.startSpan('GET /orders/:id', {
    kind: SpanKind.SERVER,
    attributes: { 'http.method': 'GET', 'http.status_code': 503, 'http.duration': 12.75, 'cache.hit': false, 'tags': ['a', 'b'], 'ports': [80, 443], 'ratios': [0.5, 1.5], 'big': 2 ** 60, 'neg': -42, 'unicode': 'naïve ☃ 🚀' },
  }, trace.setSpan(context.active(), remoteParent));
  const sibling = other.startSpan('background job', { kind: SpanKind.CONSUMER });
  const child = tracer.startSpan('SELECT orders', {
    kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' }, links: [{ context: sibling.spanContext(), attributes: { 'link.reason': 'follows' } }],
  }, trace.setSpan(context.active(), root));
  child.addEvent('query.start', { 'rows.expected': 10 });
  child.addEvent('query.retry', { attempt: 2, 'backoff.ms': 12.5 });
  child.addEvent('query.done'); // the SDK keeps the newest events, so the first two are dropped
  child.recordException(new Error('connection reset'));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset' });
  child.end();
  root.setStatus({ code: SpanStatusCode.OK });
  root.end();
  sibling.end();
  const producer = tracer.startSpan('publish', { kind: SpanKind.PRODUCER, root: true });
  producer.end();
  const internal = tracer.startSpan('compute', { kind: SpanKind.INTERNAL, startTime: [1_900_000_000, 999_999_999] });
  internal.end([1_900_000_001, 5]);
  await provider.forceFlush();
  finished = exporter.getFinishedSpans();
});

describe('decoding the OpenTelemetry JS encoders', () => {
  it('produced the spans this test relies on', () => {
    expect(finished.map((s) => s.name).sort()).toEqual(['GET /orders/:id', 'SELECT orders', 'background job', 'compute', 'publish']);
    expect(finished.find((s) => s.name === 'SELECT orders')?.droppedEventsCount).toBe(2);
  });

  it('decodes ProtobufTraceSerializer output to the same spans', () => {
    const bytes = ProtobufTraceSerializer.serializeRequest(finished);
    expect(bytes).toBeInstanceOf(Uint8Array);
    const data = decodeTraceRequest(bytes!);
    const decoded = allSpans(data);
    expect(decoded).toHaveLength(finished.length);
    for (const s of finished) expect(decoded.find((d) => d.spanId === s.spanContext().spanId)).toEqual(expectedSpan(s));

    const resource = data.resourceSpans[0]?.resource;
    expect(resource?.attributes).toEqual(toAttributes(finished[0]?.resource.attributes));
    expect(resource?.attributes['service.name']).toMatch(/^unknown_service/);
    const scopes = data.resourceSpans.flatMap((rs) => rs.scopeSpans.map((ss) => `${ss.scope.name}@${ss.scope.version}:${ss.spans.length}`)).sort();
    expect(scopes).toEqual(['@braid/interop@2.0.1:4', 'other-lib@:1']);
  });

  it('checks the details that matter to Jaeger explicitly', () => {
    const spans = allSpans(decodeTraceRequest(ProtobufTraceSerializer.serializeRequest(finished)!));
    const root = spans.find((s) => s.name === 'GET /orders/:id')!;
    const child = spans.find((s) => s.name === 'SELECT orders')!;
    expect(root.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(root.parentSpanId).toBe('00f067aa0ba902b7');
    expect(root.traceState).toBe('vendor=abc,other=x');
    expect(root.flags).toBe(0x301);
    expect(root.kind).toBe(2);
    expect(root.attributes['http.status_code']).toBe(503n);
    expect(root.attributes['http.duration']).toBe(12.75);
    expect(root.attributes.big).toBe(2n ** 60n);
    expect(child.parentSpanId).toBe(root.spanId);
    expect(child.status).toEqual({ code: 2, message: 'connection reset' });
    expect(child.events.map((e) => e.name)).toEqual(['query.done', 'exception']);
    expect(child.events[1]?.attributes['exception.message']).toBe('connection reset');
    expect(child.links[0]?.attributes).toEqual({ 'link.reason': 'follows' });
    const internal = spans.find((s) => s.name === 'compute')!;
    expect(internal.startTimeUnixNano).toBe(1_900_000_000_999_999_999n);
    expect(internal.endTimeUnixNano).toBe(1_900_000_001_000_000_005n);
  });

  it('parses JsonTraceSerializer output to exactly what the protobuf encoding decodes to', () => {
    const json = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(finished)));
    const fromJson = parseTraceRequestJson(json);
    expect(fromJson).toEqual(decodeTraceRequest(ProtobufTraceSerializer.serializeRequest(finished)!));
    for (const s of finished) expect(allSpans(fromJson).find((d) => d.spanId === s.spanContext().spanId)).toEqual(expectedSpan(s));
  });
});
