import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DerivedSeries, type DerivedSettings } from '../../../src/ingest/derived/derived.js';
import { createIngestMetrics } from '../../../src/ingest/metrics.js';
import { metricSamples } from '../../../src/ingest/metric-samples.js';
import { decodeMetricsRequest } from '../../../src/model/otlp/metrics-proto.js';
import type { TracesData } from '../../../src/model/trace.js';
import { createMemoryQueue } from '../../../src/queue/memory/memory-queue.js';
import { createQueueMetrics } from '../../../src/queue/metrics.js';
import type { Queue, QueueRecord, RecordKind } from '../../../src/queue/queue.js';
import { createLogger } from '../../../src/telemetry/logger.js';

/** Emission times after every series' creation (now). */
const T1 = Date.now() + 60_000;
const settings: DerivedSettings = { spans: { enabled: true, dimensions: [], bounds: [1], exemplars: false }, logs: { enabled: true }, maxSeries: 100, flushIntervalMs: 15_000 };

function spans(n: number, name = 'op'): TracesData {
  return {
    resourceSpans: [{
      resource: { attributes: { 'service.name': 'svc' }, droppedAttributesCount: 0 }, schemaUrl: '',
      scopeSpans: [{
        scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '',
        spans: Array.from({ length: n }, () => ({
          traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceState: '', parentSpanId: '', flags: 0, name, kind: 2, startTimeUnixNano: 0n, endTimeUnixNano: 1_000_000n,
          attributes: {}, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
        })),
      }],
    }],
  };
}

/** A memory queue that keeps what is sent to the metrics topic, and can be made to refuse state saves. */
function queue() {
  const q = createMemoryQueue({ partitions: 2, max_bytes: 64 * 1024 * 1024, topicPrefix: 't.' }, createQueueMetrics(new Registry()), createLogger('silent'));
  const sent: QueueRecord[] = [];
  let refuseSaves = false;
  const wrapped: Queue = {
    ...q,
    send: async (kind: RecordKind, records: QueueRecord[]) => {
      if (kind === 'metrics') sent.push(...records);
      await q.send(kind, records);
    },
    saveState: async (key, value) => {
      if (refuseSaves) throw new Error('state topic unavailable');
      await q.saveState(key, value);
    },
  };
  return { queue: wrapped, sent, refuse: (on: boolean) => (refuseSaves = on) };
}

function derived(q: Queue, over: Partial<DerivedSettings> = {}) {
  const metrics = createIngestMetrics(new Registry());
  return { d: new DerivedSeries({ ...settings, ...over }, { queue: q, metrics, log: createLogger('silent') }), metrics };
}

/** calls_total samples (timestamp ms, value) that were sent. */
function calls(sent: QueueRecord[]): Array<[number, number | null]> {
  return sent
    .flatMap((r) => metricSamples(decodeMetricsRequest(r.value)))
    .filter((s) => s['metric.name'] === 'traces_span_metrics_calls_total')
    .map((s): [number, number | null] => [Date.parse(s['@timestamp']), s.value]);
}

describe('derived series through replays and restarts', () => {
  it('does not count records below the saved offset again, in this process or the next', async () => {
    const { queue: q, sent } = queue();
    const first = derived(q);
    first.d.onAssignment([{ kind: 'spans', partition: 0 }]);
    await first.d.count('spans', 0, [{ offset: '0', data: spans(3) }, { offset: '1', data: spans(2) }]);
    // The batch comes again (its commit was lost), then the next one.
    await first.d.count('spans', 0, [{ offset: '0', data: spans(3) }, { offset: '1', data: spans(2) }, { offset: '2', data: spans(4) }]);
    expect(await first.metrics.derivedReplayed.get()).toMatchObject({ values: [{ labels: { kind: 'spans' }, value: 2 }] });
    await first.d.emit(T1);
    expect(calls(sent).at(-1)).toEqual([T1, 9]);

    // A new process restores the saved state, and a replay from offset 1 counts only offset 3.
    const second = derived(q);
    second.d.onAssignment([{ kind: 'spans', partition: 0 }]);
    await second.d.count('spans', 0, [{ offset: '1', data: spans(2) }, { offset: '2', data: spans(4) }, { offset: '3', data: spans(1) }]);
    await second.d.emit(T1 + 15_000);
    expect(calls(sent).at(-1)).toEqual([T1 + 15_000, 10]);
    // Its zero sample was sent by the first process and saved as sent: no zero after a value.
    expect(calls(sent).filter(([, v]) => v === 0)).toHaveLength(1);
  });

  it('forgets a partition whose save failed, so the redelivered batch counts from what was saved', async () => {
    const { queue: q, sent, refuse } = queue();
    const { d } = derived(q);
    d.onAssignment([{ kind: 'spans', partition: 1 }]);
    await d.count('spans', 1, [{ offset: '0', data: spans(1) }]);
    refuse(true);
    await expect(d.count('spans', 1, [{ offset: '1', data: spans(5) }])).rejects.toThrow('state topic unavailable');
    refuse(false);
    await d.count('spans', 1, [{ offset: '1', data: spans(5) }]);
    await d.emit(T1);
    expect(calls(sent).at(-1)).toEqual([T1, 6]);
  });

  it('stops emitting a partition that was assigned elsewhere', async () => {
    const { queue: q, sent } = queue();
    const { d } = derived(q);
    d.onAssignment([{ kind: 'spans', partition: 0 }, { kind: 'spans', partition: 1 }]);
    await d.count('spans', 0, [{ offset: '0', data: spans(1) }]);
    await d.count('spans', 1, [{ offset: '0', data: spans(1) }]);
    d.onAssignment([{ kind: 'spans', partition: 1 }]);
    await d.emit(T1);
    const partitions = sent.flatMap((r) => metricSamples(decodeMetricsRequest(r.value))).map((s) => s.labels.braid_partition);
    expect(new Set(partitions)).toEqual(new Set(['1']));
  });

  it('bounds the series of the process and counts what it left out', async () => {
    const { queue: q } = queue();
    const { d, metrics } = derived(q, { maxSeries: 2 });
    d.onAssignment([{ kind: 'spans', partition: 0 }, { kind: 'spans', partition: 1 }]);
    await d.count('spans', 0, [{ offset: '0', data: spans(1, 'a') }, { offset: '1', data: spans(1, 'b') }]);
    await d.count('spans', 1, [{ offset: '0', data: spans(3, 'c') }, { offset: '1', data: spans(1, 'a') }]);
    expect((await metrics.derivedSeries.get()).values[0]?.value).toBe(2);
    expect((await metrics.derivedDropped.get()).values[0]).toMatchObject({ labels: { kind: 'spans' }, value: 4 });
  });
});
