/**
 * Decodes metric requests produced by the real OpenTelemetry JS SDK (sdk-metrics) and its
 * serializers, and compares them with the SDK's ResourceMetrics converted to Braid's model
 * independently of the codecs. The JS SDK records no exemplars and its serializers write none, so
 * exemplars are covered by the codec tests alone.
 */
import { ValueType, type AttributeValue, type Attributes as OtelAttributes, type HrTime } from '@opentelemetry/api';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality, AggregationType, DataPointType, InstrumentType, MeterProvider, MetricReader, type MetricData as SdkMetricData,
  type ResourceMetrics as SdkResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Metric, MetricData, MetricsData } from '../../src/model/metrics.js';
import { parseMetricsRequestJson } from '../../src/model/otlp/metrics-json.js';
import { decodeMetricsRequest, decodeMetricsRequestLenient } from '../../src/model/otlp/metrics-proto.js';
import type { AnyValue, Attributes } from '../../src/model/trace.js';

/** A reader collected on demand, as a pull exporter's is; histograms are reported as deltas, the rest cumulatively. */
class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: (type) => (type === InstrumentType.HISTOGRAM ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE) });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const nanos = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

// The OTel JS encoders send integral numbers as intValue and the rest as doubleValue.
function toAnyValue(v: AttributeValue | undefined): AnyValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map((x) => toAnyValue(x ?? undefined));
  return v as string | boolean;
}

function toAttributes(attrs: OtelAttributes): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attrs)) out[k] = toAnyValue(v);
  return out;
}

const temporality = (t: AggregationTemporality): number => (t === AggregationTemporality.DELTA ? 1 : 2);

function expectedData(m: SdkMetricData): MetricData {
  const base = (p: { attributes: OtelAttributes; startTime: HrTime; endTime: HrTime }) => ({
    attributes: toAttributes(p.attributes), startTimeUnixNano: nanos(p.startTime), timeUnixNano: nanos(p.endTime), exemplars: [], flags: 0,
  });
  const value = (v: number): number | bigint => (m.descriptor.valueType === ValueType.INT ? BigInt(v) : v);
  switch (m.dataPointType) {
    case DataPointType.GAUGE:
      return { type: 'gauge', dataPoints: m.dataPoints.map((p) => ({ ...base(p), value: value(p.value) })) };
    case DataPointType.SUM:
      return {
        type: 'sum', aggregationTemporality: temporality(m.aggregationTemporality), isMonotonic: m.isMonotonic,
        dataPoints: m.dataPoints.map((p) => ({ ...base(p), value: value(p.value) })),
      };
    case DataPointType.HISTOGRAM:
      return {
        type: 'histogram', aggregationTemporality: temporality(m.aggregationTemporality),
        dataPoints: m.dataPoints.map((p) => ({
          ...base(p), count: BigInt(p.value.count), sum: p.value.sum, min: p.value.min, max: p.value.max,
          bucketCounts: p.value.buckets.counts.map(BigInt), explicitBounds: p.value.buckets.boundaries,
        })),
      };
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return {
        type: 'exponentialHistogram', aggregationTemporality: temporality(m.aggregationTemporality),
        dataPoints: m.dataPoints.map((p) => ({
          ...base(p), count: BigInt(p.value.count), sum: p.value.sum, min: p.value.min, max: p.value.max, scale: p.value.scale,
          zeroCount: BigInt(p.value.zeroCount), zeroThreshold: 0,
          positive: { offset: p.value.positive.offset, bucketCounts: p.value.positive.bucketCounts.map(BigInt) },
          negative: { offset: p.value.negative.offset, bucketCounts: p.value.negative.bucketCounts.map(BigInt) },
        })),
      };
  }
}

function expected(rm: SdkResourceMetrics): MetricsData {
  return {
    resourceMetrics: [{
      resource: { attributes: toAttributes(rm.resource.attributes), droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeMetrics: rm.scopeMetrics.map((sm) => ({
        scope: { name: sm.scope.name, version: sm.scope.version ?? '', attributes: {}, droppedAttributesCount: 0 },
        schemaUrl: sm.scope.schemaUrl ?? '',
        metrics: sm.metrics.map((m): Metric => ({
          name: m.descriptor.name, description: m.descriptor.description, unit: m.descriptor.unit, data: expectedData(m), metadata: {},
        })),
      })),
    }],
  };
}

function allMetrics(data: MetricsData): Map<string, Metric> {
  return new Map(data.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)).map((m) => [m.name, m]));
}

let collected: SdkResourceMetrics;

beforeAll(async () => {
  const reader = new TestReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'braid-interop', 'service.instance.id': 7, 'deployment.tags': ['eu', 'blue'] }),
    readers: [reader],
    views: [
      { instrumentName: 'http.server.duration', aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [0.1, 1, 10] } } },
      { instrumentName: 'rpc.latency', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 20 } } },
    ],
  });
  const meter = provider.getMeter('@braid/interop', '3.1.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' });
  const requests = meter.createCounter('http.server.requests', { valueType: ValueType.INT, unit: '{request}', description: 'Requests served' });
  requests.add(3, { 'http.route': '/a', 'http.status_code': 200 });
  requests.add(2, { 'http.route': '/a', 'http.status_code': 200 });
  requests.add(1, { 'http.route': '/b', 'http.status_code': 500 });
  const active = meter.createUpDownCounter('jobs.active', { description: 'Jobs running ✓' });
  active.add(2.5);
  active.add(-4);
  const duration = meter.createHistogram('http.server.duration', { unit: 's' });
  for (const v of [0.05, 0.5, 0.7, 20]) duration.record(v, { 'http.route': '/a' });
  const latency = meter.createHistogram('rpc.latency', { unit: 'ms' });
  for (const v of [0, 0.001, 5, 5, 1000, 123456.789]) latency.record(v);
  meter.createGauge('cpu.temperature', { unit: 'Cel' }).record(71.5, { core: 0 });
  meter.createObservableGauge('process.memory', { valueType: ValueType.INT, unit: 'By' }).addCallback((result) => {
    result.observe(2 ** 40 + 1, { kind: 'heap' });
    result.observe(-5, { kind: 'delta' });
  });
  provider.getMeter('other-lib').createCounter('other.count').add(0.5);
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  collected = resourceMetrics;
  await provider.shutdown();
});

describe('decoding the OpenTelemetry JS metric serializers', () => {
  it('produced the metrics this test relies on', () => {
    // The SDK orders scopes and instruments as it pleases; the codecs keep whatever order it chose.
    const kinds = new Map(collected.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => [m.descriptor.name, m.dataPointType])));
    expect(kinds).toEqual(new Map([
      ['http.server.requests', DataPointType.SUM], ['jobs.active', DataPointType.SUM], ['http.server.duration', DataPointType.HISTOGRAM],
      ['rpc.latency', DataPointType.EXPONENTIAL_HISTOGRAM], ['cpu.temperature', DataPointType.GAUGE], ['process.memory', DataPointType.GAUGE],
      ['other.count', DataPointType.SUM],
    ]));
  });

  it('decodes ProtobufMetricsSerializer output to the same metrics, resource and scopes', () => {
    const bytes = ProtobufMetricsSerializer.serializeRequest(collected);
    expect(bytes).toBeInstanceOf(Uint8Array);
    const data = decodeMetricsRequest(bytes!);
    expect(data).toEqual(expected(collected));
    expect(data.resourceMetrics[0]?.resource.attributes).toMatchObject({ 'service.name': 'braid-interop', 'service.instance.id': 7n, 'deployment.tags': ['eu', 'blue'] });
    const scopes = data.resourceMetrics[0]?.scopeMetrics.map((sm) => [sm.scope.name, sm.scope.version, sm.schemaUrl, sm.metrics.length]);
    expect(scopes?.sort()).toEqual([
      ['@braid/interop', '3.1.0', 'https://opentelemetry.io/schemas/1.26.0', 6],
      ['other-lib', '', '', 1],
    ]);
    expect(decodeMetricsRequestLenient(bytes!)).toMatchObject({ rejected: 0, errors: [] });
  });

  it('checks the values that matter explicitly', () => {
    const metrics = allMetrics(decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest(collected)!));
    const requests = metrics.get('http.server.requests')!;
    expect(requests).toMatchObject({ unit: '{request}', description: 'Requests served', data: { type: 'sum', aggregationTemporality: 2, isMonotonic: true } });
    expect(requests.data.dataPoints.map((p) => [p.attributes, 'value' in p && p.value])).toEqual([
      [{ 'http.route': '/a', 'http.status_code': 200n }, 5n],
      [{ 'http.route': '/b', 'http.status_code': 500n }, 1n],
    ]);
    expect(metrics.get('jobs.active')?.data).toMatchObject({ isMonotonic: false, dataPoints: [{ value: -1.5 }] });
    expect(metrics.get('http.server.duration')?.data).toMatchObject({
      type: 'histogram', aggregationTemporality: 1,
      dataPoints: [{ count: 4n, sum: 21.25, min: 0.05, max: 20, explicitBounds: [0.1, 1, 10], bucketCounts: [1n, 2n, 0n, 1n] }],
    });
    const latency = metrics.get('rpc.latency')!.data.dataPoints[0]!;
    expect(latency).toMatchObject({ count: 6n, zeroCount: 1n, min: 0, max: 123456.789, negative: { offset: 0, bucketCounts: [] } });
    if (!('positive' in latency)) throw new Error('rpc.latency is not an exponential histogram');
    // maxSize 20 forces a coarse (negative) scale to span 0.001 to 123456.789 in 20 buckets.
    expect(latency.scale).toBeLessThan(0);
    expect(latency.positive.bucketCounts.reduce((a, b) => a + b, 0n)).toBe(5n);
    expect(metrics.get('cpu.temperature')?.data).toMatchObject({ type: 'gauge', dataPoints: [{ value: 71.5, attributes: { core: 0n } }] });
    expect(metrics.get('process.memory')?.data.dataPoints.map((p) => 'value' in p && p.value)).toEqual([2n ** 40n + 1n, -5n]);
    expect(metrics.get('other.count')?.data.dataPoints[0]).toMatchObject({ value: 0.5 });
  });

  it('parses JsonMetricsSerializer output to exactly what the protobuf encoding decodes to', () => {
    const json = JSON.parse(new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(collected)));
    expect(parseMetricsRequestJson(json)).toEqual(decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest(collected)!));
  });
});
