/**
 * Random telemetry in the shapes the OpenTelemetry JS SDK hands its exporters (ReadableSpan,
 * ReadableLogRecord, ResourceMetrics), so the real @opentelemetry/otlp-transformer serializers
 * encode it, and the Braid model each should decode to, built independently of Braid's codecs.
 */
import type { HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, DataPointType, type ResourceMetrics as SdkResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import type { LogRecord } from '../../src/model/logs.js';
import type { Metric, MetricsData } from '../../src/model/metrics.js';
import type { AnyValue, Attributes, Span } from '../../src/model/trace.js';
import { hexId, text } from './arbitraries.js';

type Primitive = string | number | boolean;
type AttrValue = Primitive | string[] | number[];

/** Finite non-integral doubles: the SDK encodes integral numbers as intValue, and OTLP/JSON has no infinities. */
const fraction = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d));
const primitive: fc.Arbitrary<Primitive> = fc.oneof(text(), fc.maxSafeInteger(), fraction, fc.boolean());
const attrValue: fc.Arbitrary<AttrValue> = fc.oneof(
  { weight: 4, arbitrary: primitive },
  { weight: 1, arbitrary: fc.oneof(fc.array(text(8), { maxLength: 4 }), fc.array(fc.maxSafeInteger(), { maxLength: 4 }), fc.array(fraction, { maxLength: 4 })) },
);
/** Attribute maps with any keys, `__proto__` included. */
export const attributes: fc.Arbitrary<Record<string, AttrValue>> = fc.dictionary(text(12), attrValue, { maxKeys: 5 });
/** Resource attributes: the SDK's Resource itself drops keys that Object.prototype has (`__proto__`, `valueOf`, ...). */
const resourceAttributes = attributes.map((a) => Object.fromEntries(Object.entries(a).filter(([k]) => !(k in Object.prototype))));

const hrTime: fc.Arbitrary<HrTime> = fc.tuple(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 }));
const nanos = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

function toAnyValue(v: AttrValue): AnyValue {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return (v as Primitive[]).map((x) => toAnyValue(x));
  return v;
}

/** The attributes Braid decodes from SDK attributes: integral numbers as bigint. */
export function toAttributes(attrs: Record<string, AttrValue> | undefined): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attrs ?? {})) Object.defineProperty(out, k, { value: toAnyValue(v), enumerable: true, writable: true, configurable: true });
  return out;
}

const spanFlags = (traceFlags: number, isRemote: boolean | undefined): number => (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0);

const spanSpec = fc.record({
  traceId: hexId(16), spanId: hexId(8), parent: fc.option(fc.record({ spanId: hexId(8), isRemote: fc.boolean() })), traceFlags: fc.integer({ min: 0, max: 255 }),
  name: text(), kind: fc.integer({ min: 0, max: 4 }), start: hrTime, end: hrTime, attributes, droppedAttributesCount: fc.nat(1000),
  events: fc.array(fc.record({ name: text(), time: hrTime, attributes, droppedAttributesCount: fc.nat(10) }), { maxLength: 3 }),
  links: fc.array(fc.record({ traceId: hexId(16), spanId: hexId(8), traceFlags: fc.integer({ min: 0, max: 255 }), isRemote: fc.boolean(), attributes }), { maxLength: 2 }),
  droppedEventsCount: fc.nat(10), droppedLinksCount: fc.nat(10), status: fc.record({ code: fc.integer({ min: 0, max: 2 }), message: fc.option(text(), { nil: undefined }) }),
  scope: fc.record({ name: text(8), version: fc.option(text(6), { nil: undefined }) }),
});

/** Spans as the SDK hands them to exporters (one resource per request), and the Braid spans they decode to. */
export const spans: fc.Arbitrary<{ readable: ReadableSpan[]; expected: Span[] }> = fc.tuple(resourceAttributes, fc.array(spanSpec, { minLength: 1, maxLength: 8 })).map(([resAttrs, specs]) => {
  const resource = resourceFromAttributes(resAttrs);
  // Scopes by name and version, as the serializer groups them; it groups by object identity too.
  const scopes = new Map<string, { name: string; version?: string }>();
  const readable = specs.map((s): ReadableSpan => {
    const key = `${s.scope.name}@${s.scope.version ?? ''}`;
    const scope = scopes.get(key) ?? s.scope;
    scopes.set(key, scope);
    return {
      name: s.name, kind: s.kind, spanContext: () => ({ traceId: s.traceId, spanId: s.spanId, traceFlags: s.traceFlags }),
      parentSpanContext: s.parent === null ? undefined : { traceId: s.traceId, spanId: s.parent.spanId, traceFlags: s.traceFlags, isRemote: s.parent.isRemote },
      startTime: s.start, endTime: s.end, status: s.status, attributes: s.attributes,
      links: s.links.map((l) => ({ context: { traceId: l.traceId, spanId: l.spanId, traceFlags: l.traceFlags, isRemote: l.isRemote }, attributes: l.attributes })),
      events: s.events, duration: [0, 0], ended: true, resource, instrumentationScope: scope,
      droppedAttributesCount: s.droppedAttributesCount, droppedEventsCount: s.droppedEventsCount, droppedLinksCount: s.droppedLinksCount,
    };
  });
  const expected = specs.map((s): Span => ({
    traceId: s.traceId, spanId: s.spanId, traceState: '', parentSpanId: s.parent?.spanId ?? '', flags: spanFlags(s.traceFlags, s.parent?.isRemote),
    name: s.name, kind: s.kind + 1, startTimeUnixNano: nanos(s.start), endTimeUnixNano: nanos(s.end), attributes: toAttributes(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({ timeUnixNano: nanos(e.time), name: e.name, attributes: toAttributes(e.attributes), droppedAttributesCount: e.droppedAttributesCount })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, traceState: '', attributes: toAttributes(l.attributes), droppedAttributesCount: 0, flags: spanFlags(l.traceFlags, l.isRemote) })),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.status.code, message: s.status.message ?? '' },
  }));
  return { readable, expected };
});

const logSpec = fc.record({
  time: hrTime, observed: hrTime, severityNumber: fc.option(fc.integer({ min: 0, max: 24 }), { nil: undefined }), severityText: fc.option(text(8), { nil: undefined }),
  body: fc.option(attrValue, { nil: undefined }), attributes, droppedAttributesCount: fc.nat(10), eventName: fc.option(text(8), { nil: undefined }),
  context: fc.option(fc.record({ traceId: hexId(16), spanId: hexId(8), traceFlags: fc.integer({ min: 0, max: 255 }) }), { nil: undefined }),
});

/** Log records as the SDK hands them to exporters, and the Braid records they decode to. */
export const logs: fc.Arbitrary<{ readable: ReadableLogRecord[]; expected: LogRecord[] }> = fc.tuple(resourceAttributes, fc.array(logSpec, { minLength: 1, maxLength: 8 })).map(([resAttrs, specs]) => {
  const resource = resourceFromAttributes(resAttrs);
  const scope = { name: 'fuzz', version: '1.0.0' };
  const readable = specs.map((s) => ({
    hrTime: s.time, hrTimeObserved: s.observed, severityNumber: s.severityNumber, severityText: s.severityText, body: s.body, attributes: s.attributes,
    droppedAttributesCount: s.droppedAttributesCount, eventName: s.eventName, spanContext: s.context, resource, instrumentationScope: scope,
  }) as unknown as ReadableLogRecord);
  const expected = specs.map((s): LogRecord => ({
    timeUnixNano: nanos(s.time), observedTimeUnixNano: nanos(s.observed), severityNumber: s.severityNumber ?? 0, severityText: s.severityText ?? '',
    body: s.body === undefined ? null : toAnyValue(s.body), attributes: toAttributes(s.attributes), droppedAttributesCount: s.droppedAttributesCount,
    flags: s.context?.traceFlags ?? 0, traceId: s.context?.traceId ?? '', spanId: s.context?.spanId ?? '', eventName: s.eventName ?? '',
  }));
  return { readable, expected };
});

const metricName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_.]{0,20}$/);
/** Finite doubles without -0, which OTLP/JSON writes as 0. */
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v));
const point = <V>(value: fc.Arbitrary<V>) => fc.record({ attributes, startTime: hrTime, endTime: hrTime, value });
const histogramValue = fc.array(finite, { maxLength: 5 }).chain((bounds) => {
  const boundaries = [...new Set(bounds)].sort((a, b) => a - b);
  return fc.record({
    buckets: fc.record({ boundaries: fc.constant(boundaries), counts: fc.array(fc.nat(1000), { minLength: boundaries.length + 1, maxLength: boundaries.length + 1 }) }),
    sum: finite, count: fc.nat(10_000), min: finite, max: finite,
  });
});
const metricSpec = fc.oneof(
  fc.record({ kind: fc.constant('gauge' as const), int: fc.boolean(), points: fc.array(point(finite), { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('sum' as const), int: fc.boolean(), monotonic: fc.boolean(), delta: fc.boolean(), points: fc.array(point(finite), { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('histogram' as const), delta: fc.boolean(), points: fc.array(point(histogramValue), { minLength: 1, maxLength: 3 }) }),
);

/** ResourceMetrics as the SDK's readers collect them (gauges, sums, histograms), and the Braid metrics they decode to. */
export const metrics: fc.Arbitrary<{ sdk: SdkResourceMetrics; expected: MetricsData }> = fc.tuple(resourceAttributes, fc.uniqueArray(fc.tuple(metricName, metricSpec), { minLength: 1, maxLength: 5, selector: ([n]) => n })).map(([resAttrs, specs]) => {
  const sdkMetrics = specs.map(([name, m]) => {
    // The SDK's INT instruments (ValueType.INT = 0) record integers; the serializer writes asInt for them.
    const intValue = (v: number) => Math.trunc(Math.max(-(2 ** 53) + 1, Math.min(2 ** 53 - 1, v)));
    const descriptor = { name, description: `${name} help`, unit: '1', valueType: m.kind !== 'histogram' && m.int ? 0 : 1 };
    if (m.kind === 'histogram') {
      return { descriptor, dataPointType: DataPointType.HISTOGRAM, aggregationTemporality: m.delta ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE, dataPoints: m.points };
    }
    const dataPoints = m.points.map((p) => ({ ...p, value: m.int ? intValue(p.value) : p.value }));
    if (m.kind === 'gauge') return { descriptor, dataPointType: DataPointType.GAUGE, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPoints };
    return { descriptor, dataPointType: DataPointType.SUM, isMonotonic: m.monotonic, aggregationTemporality: m.delta ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE, dataPoints };
  });
  const sdk = { resource: resourceFromAttributes(resAttrs), scopeMetrics: [{ scope: { name: 'fuzz', version: '1.0.0' }, metrics: sdkMetrics }] } as unknown as SdkResourceMetrics;
  const base = (p: { attributes: Record<string, AttrValue>; startTime: HrTime; endTime: HrTime }) => ({
    attributes: toAttributes(p.attributes), startTimeUnixNano: nanos(p.startTime), timeUnixNano: nanos(p.endTime), exemplars: [], flags: 0,
  });
  const expectedMetrics = sdkMetrics.map((m): Metric => {
    const value = (v: number) => (m.descriptor.valueType === 0 ? BigInt(v) : v);
    const temporality = m.aggregationTemporality === AggregationTemporality.DELTA ? 1 : 2;
    let data: Metric['data'];
    if (m.dataPointType === DataPointType.HISTOGRAM) {
      const points = m.dataPoints as Array<{ attributes: Record<string, AttrValue>; startTime: HrTime; endTime: HrTime; value: { buckets: { boundaries: number[]; counts: number[] }; sum: number; count: number; min: number; max: number } }>;
      data = {
        type: 'histogram', aggregationTemporality: temporality,
        dataPoints: points.map((p) => ({ ...base(p), count: BigInt(p.value.count), sum: p.value.sum, min: p.value.min, max: p.value.max, bucketCounts: p.value.buckets.counts.map(BigInt), explicitBounds: p.value.buckets.boundaries })),
      };
    } else {
      const points = (m.dataPoints as Array<{ attributes: Record<string, AttrValue>; startTime: HrTime; endTime: HrTime; value: number }>).map((p) => ({ ...base(p), value: value(p.value) }));
      data = m.dataPointType === DataPointType.GAUGE
        ? { type: 'gauge', dataPoints: points }
        : { type: 'sum', aggregationTemporality: temporality, isMonotonic: (m as { isMonotonic?: boolean }).isMonotonic === true, dataPoints: points };
    }
    return { name: m.descriptor.name, description: m.descriptor.description, unit: m.descriptor.unit, data, metadata: {} };
  });
  const expected: MetricsData = {
    resourceMetrics: [{
      resource: { attributes: toAttributes(resAttrs), droppedAttributesCount: 0 }, schemaUrl: '',
      scopeMetrics: [{ scope: { name: 'fuzz', version: '1.0.0', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', metrics: expectedMetrics }],
    }],
  };
  return { sdk, expected };
});
