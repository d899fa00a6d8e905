/**
 * Decodes log requests produced by the real OpenTelemetry JS SDK and encoders and compares them
 * with the ReadableLogRecords they were made from, converted to Braid's model independently of the
 * codecs.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, context, trace, type Context, type ContextManager, type HrTime } from '@opentelemetry/api';
import { SeverityNumber, type AnyValue as OtelAnyValue, type LogAttributes } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogRecord, LogsData } from '../../src/model/logs.js';
import { parseLogsRequestJson } from '../../src/model/otlp/logs-json.js';
import { decodeLogsRequest } from '../../src/model/otlp/logs-proto.js';
import type { AnyValue, Attributes } from '../../src/model/trace.js';

/**
 * The smallest real ContextManager (what @opentelemetry/context-async-hooks provides), so the SDK
 * takes the trace context from the active context as an instrumented application's logs do.
 */
class AlsContextManager implements ContextManager {
  private readonly store = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.store.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.store.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.store.disable();
    return this;
  }
}

const nanos = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

// The OTel JS encoders send integral numbers as intValue and the rest as doubleValue.
function toAnyValue(v: OtelAnyValue): AnyValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === 'string' || typeof v === 'boolean' || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(toAnyValue);
  return toAttributes(v);
}

function toAttributes(attrs: LogAttributes | undefined): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attrs ?? {})) out[k] = toAnyValue(v);
  return out;
}

function expectedRecord(r: ReadableLogRecord): LogRecord {
  return {
    timeUnixNano: nanos(r.hrTime),
    observedTimeUnixNano: nanos(r.hrTimeObserved),
    severityNumber: r.severityNumber ?? 0,
    severityText: r.severityText ?? '',
    body: toAnyValue(r.body),
    attributes: toAttributes(r.attributes),
    droppedAttributesCount: r.droppedAttributesCount,
    flags: r.spanContext?.traceFlags ?? 0,
    traceId: r.spanContext?.traceId ?? '',
    spanId: r.spanContext?.spanId ?? '',
    eventName: r.eventName ?? '',
  };
}

function allRecords(data: LogsData): LogRecord[] {
  return data.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
}

const contextManager = new AlsContextManager();
let emitted: ReadableLogRecord[] = [];
let activeSpan = { traceId: '', spanId: '' };
const REMOTE = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 0, isRemote: true };

beforeAll(async () => {
  expect(context.setGlobalContextManager(contextManager)).toBe(true);
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'braid-interop', 'service.instance.id': 7, 'deployment.tags': ['eu', 'blue'] }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
    logRecordLimits: { attributeCountLimit: 4 },
  });
  const logger = provider.getLogger('@braid/interop', '2.0.1', { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0', attributes: { 'scope.kind': 'test' } });
  const other = provider.getLogger('other-lib');
  const tracer = new BasicTracerProvider().getTracer('interop-tracer');

  tracer.startActiveSpan('POST /checkout', (span) => {
    activeSpan = span.spanContext();
    logger.emit({
      severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'payment declined ✗', eventName: 'payment.declined',
      attributes: { 'http.status_code': 402, 'retry.after': 1.5, 'card.present': false, 'items': ['a', 'b'] },
    });
    other.emit({ severityNumber: SeverityNumber.DEBUG2, body: { order: { id: 42, lines: [1, 2.5, 'x'] }, blob: new Uint8Array([0, 1, 255]) } });
    span.end();
  });
  // Outside any span: no trace context at all.
  logger.emit({
    severityNumber: SeverityNumber.INFO, severityText: 'info', body: 12345, timestamp: [1_900_000_000, 999_999_999], observedTimestamp: [1_900_000_001, 5],
    attributes: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }, // over the limit of 4: two dropped
  });
  // An explicit context with an unsampled remote parent: trace and span IDs, flags 0.
  logger.emit({ body: ['x', 2, true], context: trace.setSpanContext(ROOT_CONTEXT, REMOTE) });
  other.emit({});
  await provider.forceFlush();
  emitted = exporter.getFinishedLogRecords();
});

afterAll(() => {
  context.disable();
});

describe('decoding the OpenTelemetry JS log encoders', () => {
  it('produced the records this test relies on', () => {
    expect(emitted).toHaveLength(5);
    expect(emitted[0]?.spanContext?.traceId).toBe(activeSpan.traceId);
    expect(activeSpan.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(emitted[2]?.spanContext).toBeUndefined();
    expect(emitted[2]?.droppedAttributesCount).toBe(2);
  });

  it('decodes ProtobufLogsSerializer output to the same records, resource and scopes', () => {
    const bytes = ProtobufLogsSerializer.serializeRequest(emitted);
    expect(bytes).toBeInstanceOf(Uint8Array);
    const data = decodeLogsRequest(bytes!);
    expect(data.resourceLogs).toHaveLength(1);
    const rl = data.resourceLogs[0]!;
    expect(rl.resource.attributes).toEqual(toAttributes(emitted[0]?.resource.attributes as LogAttributes));
    expect(rl.resource.attributes).toMatchObject({ 'service.name': 'braid-interop', 'service.instance.id': 7n, 'deployment.tags': ['eu', 'blue'] });
    expect(rl.scopeLogs.map((sl) => [sl.scope.name, sl.scope.version, sl.scope.attributes, sl.schemaUrl, sl.logRecords.length])).toEqual([
      ['@braid/interop', '2.0.1', { 'scope.kind': 'test' }, 'https://opentelemetry.io/schemas/1.26.0', 3],
      ['other-lib', '', {}, '', 2],
    ]);
    // The serializer groups by scope, keeping emission order within each.
    for (const sl of rl.scopeLogs) {
      expect(sl.logRecords).toEqual(emitted.filter((r) => r.instrumentationScope.name === sl.scope.name).map(expectedRecord));
    }
  });

  it('checks the details that matter for correlation explicitly', () => {
    const records = allRecords(decodeLogsRequest(ProtobufLogsSerializer.serializeRequest(emitted)!));
    const inSpan = records.find((r) => r.eventName === 'payment.declined')!;
    expect(inSpan).toMatchObject({ traceId: activeSpan.traceId, spanId: activeSpan.spanId, flags: 1, severityNumber: 17, severityText: 'ERROR', body: 'payment declined ✗' });
    expect(inSpan.attributes).toEqual({ 'http.status_code': 402n, 'retry.after': 1.5, 'card.present': false, 'items': ['a', 'b'] });
    const structured = records.find((r) => r.severityNumber === SeverityNumber.DEBUG2)!;
    expect(structured.traceId).toBe(activeSpan.traceId);
    expect(structured.body).toEqual({ order: { id: 42n, lines: [1n, 2.5, 'x'] }, blob: new Uint8Array([0, 1, 255]) });
    const untraced = records.find((r) => r.body === 12345n)!;
    expect(untraced).toMatchObject({ traceId: '', spanId: '', flags: 0, timeUnixNano: 1_900_000_000_999_999_999n, observedTimeUnixNano: 1_900_000_001_000_000_005n });
    expect(untraced.droppedAttributesCount).toBe(2);
    const remote = records.find((r) => Array.isArray(r.body))!;
    expect(remote).toMatchObject({ traceId: REMOTE.traceId, spanId: REMOTE.spanId, flags: 0, body: ['x', 2n, true] });
  });

  it('parses JsonLogsSerializer output to exactly what the protobuf encoding decodes to', () => {
    const json = JSON.parse(new TextDecoder().decode(JsonLogsSerializer.serializeRequest(emitted)));
    const fromJson = parseLogsRequestJson(json);
    expect(fromJson).toEqual(decodeLogsRequest(ProtobufLogsSerializer.serializeRequest(emitted)!));
    expect(allRecords(fromJson).find((r) => r.eventName === 'payment.declined')?.traceId).toBe(activeSpan.traceId);
  });
});
