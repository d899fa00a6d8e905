/**
 * The ingester per tenant, in-process (memory queue, memory store): documents of each tenant in
 * its own store, dead letters that keep their tenant, derived series counted and emitted per
 * tenant, and the span cap per trace.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { decodeCounters, emptyCounters, encodeCounters, countLogs } from '../../src/ingest/derived/counters.js';
import { DerivedSeries } from '../../src/ingest/derived/derived.js';
import { startIngester } from '../../src/ingest/ingester.js';
import { createIngestMetrics } from '../../src/ingest/metrics.js';
import { metricSamples } from '../../src/ingest/metric-samples.js';
import { TraceTracker } from '../../src/ingest/traces.js';
import type { LogsData } from '../../src/model/logs.js';
import { decodeMetricsRequest } from '../../src/model/otlp/metrics-proto.js';
import { encodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import { parseTraceRequestJson } from '../../src/model/otlp/trace-json.js';
import { createMemoryQueue } from '../../src/queue/memory/memory-queue.js';
import { createQueueMetrics } from '../../src/queue/metrics.js';
import type { QueueRecord, RecordKind } from '../../src/queue/queue.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import type { SpanDocument } from '../../src/storage/store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { multiServiceTrace, newSpanId, newTraceId } from '../helpers/otlp.js';

const doc = (trace: string, id: string): SpanDocument => ({
  '@timestamp': '2026-12-06T13:00:00.000Z', 'trace.id': trace, 'span.id': id, 'service.name': 's', 'span.name': 'op', 'span.kind': 'server',
  'span.start.us': 1, 'span.duration.us': 1, 'span.status.code': 'unset', 'event.outcome': 'unknown', attributes: {}, 'resource.attributes': {},
});

describe('TraceTracker.capSpans', () => {
  it('keeps new spans while the trace holds fewer than the cap, and every replayed span', () => {
    const t = new TraceTracker({ maxSpans: 1_000, maxOperations: 100 });
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(32);
    t.observe([doc(a, 's1'), doc(a, 's2')]);
    const { kept, discarded } = t.capSpans([doc(a, 's3'), doc(a, 's4'), doc(a, 's1'), doc(b, 'x1'), doc(b, 'x2'), doc(b, 'x3'), doc(b, 'x4'), doc(a, 's3')], 3);
    expect(kept.map((d) => d['span.id'])).toEqual(['s3', 's1', 'x1', 'x2', 'x3', 's3']);
    expect(discarded).toBe(2);
    // capSpans changes nothing: the same call gives the same answer.
    expect(t.capSpans([doc(a, 's3'), doc(a, 's4')], 3).kept.map((d) => d['span.id'])).toEqual(['s3']);
  });
});

const logsOf = (service: string): LogsData => ({
  resourceLogs: [{ resource: { attributes: { 'service.name': service }, droppedAttributesCount: 0 }, schemaUrl: '', scopeLogs: [{ scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', logRecords: [{ timeUnixNano: 1n, observedTimeUnixNano: 1n, severityNumber: 9, severityText: 'INFO', body: 'm', attributes: {}, droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: '' }] }] }],
});

describe('derived counters per tenant', () => {
  it('keep tenants apart and through a save; a state saved before tenancy loads as the default tenant\'s', () => {
    const c = emptyCounters([1]);
    const budget = { take: () => true };
    countLogs(c, logsOf('svc'), 0, budget);
    countLogs(c, logsOf('svc'), 0, budget, 'acme');
    countLogs(c, logsOf('svc'), 0, budget, 'acme');
    countLogs(c, logsOf('svc'), 0, budget, 'default');
    const counts = (m: typeof c.logs) => [...m.values()].map((s) => [s.tenant ?? '-', s.count]).sort();
    expect(counts(c.logs)).toEqual([['-', 2], ['acme', 2]]);
    expect(counts(decodeCounters(encodeCounters(c), [1]).counters.logs)).toEqual([['-', 2], ['acme', 2]]);
    const before = emptyCounters([1]);
    countLogs(before, logsOf('old'), 0, budget);
    expect(counts(decodeCounters(encodeCounters(before), [1]).counters.logs)).toEqual([['-', 1]]);
  });

  it('are emitted as records of their tenant', async () => {
    const q = createMemoryQueue({ partitions: 1, max_bytes: 1 << 24, topicPrefix: 't.' }, createQueueMetrics(new Registry()), createLogger('silent'));
    const sent: QueueRecord[] = [];
    const queue = { ...q, send: async (kind: RecordKind, records: QueueRecord[]) => void (kind === 'metrics' && sent.push(...records)) };
    const d = new DerivedSeries({ spans: { enabled: false, dimensions: [], bounds: [1], exemplars: false }, logs: { enabled: true }, maxSeries: 100, flushIntervalMs: 15_000 }, { queue, metrics: createIngestMetrics(new Registry()), log: createLogger('silent') });
    d.onAssignment([{ kind: 'logs', partition: 0 }]);
    await d.count('logs', 0, [{ offset: '0', data: logsOf('a-svc'), tenant: 'acme' }, { offset: '1', data: logsOf('d-svc') }, { offset: '2', data: logsOf('b-svc'), tenant: 'beta' }]);
    await d.emit(Date.now() + 60_000);
    const services = (tenant: string | undefined) => [...new Set(sent.filter((r) => r.tenant === tenant).flatMap((r) => metricSamples(decodeMetricsRequest(r.value))).map((s) => s.labels.service_name))];
    expect(services('acme')).toEqual(['a-svc']);
    expect(services('beta')).toEqual(['b-svc']);
    expect(services(undefined)).toEqual(['d-svc']);
  });
});

describe('the ingester per tenant', () => {
  it('writes each tenant\'s documents to its own store and keeps the tenant on dead letters', async () => {
    const queue = createMemoryQueue({ partitions: 2, max_bytes: 1 << 24, topicPrefix: 't.' }, createQueueMetrics(new Registry()), createLogger('silent'));
    const store = createMemoryStore({ max_spans: 1_000, max_logs: 1_000, max_samples: 1_000 });
    const ingester = await startIngester({ groupId: 'g', limits: () => ({ max_spans_per_trace: 2 }) }, { queue, store, metrics: createIngestMetrics(new Registry()), log: createLogger('silent') });
    const traceOf = (id: string, n: number) =>
      Buffer.from(encodeTraceRequest(parseTraceRequestJson(multiServiceTrace(id, Array.from({ length: n }, (_, i) => ({ id: newSpanId(), service: 's', name: `op${i}`, startMs: Date.now() - 1_000 + i, durationMs: 1 }))))));
    const [acme, other] = [newTraceId(), newTraceId()];
    await queue.send('spans', [
      { key: Buffer.from(acme, 'hex'), value: traceOf(acme, 3), tenant: 'acme' },
      { key: Buffer.from(other, 'hex'), value: traceOf(other, 1) },
      { key: Buffer.from(other, 'hex'), value: Buffer.from([0xff, 0xff]), tenant: 'acme' },
    ]);
    await expect.poll(() => queue.deadLetters().length).toBe(1);
    expect(queue.deadLetters()[0]).toMatchObject({ stage: 'decode', tenant: 'acme' });
    await expect.poll(async () => (await store.forTenant('acme').getTrace(acme)).length).toBe(2);
    expect(await store.getTrace(acme)).toEqual([]);
    expect((await store.getTrace(other)).length).toBe(1);
    expect(await store.forTenant('acme').getTrace(other)).toEqual([]);
    expect(await store.forTenant('acme').services()).toEqual(['s']);
    await ingester.stop();
  });
});
