/**
 * The consumer lag gauge on the real Kafka: records produced while no ingester runs show as lag
 * on the partitions they landed on, and the gauge falls to 0 once an ingester has indexed them
 * into the real Elasticsearch, both in a lag reader of the test's own and in the ingester process.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { parseTraceRequestJson } from '../../src/model/otlp/trace-json.js';
import { encodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import { createKafkaQueue } from '../../src/queue/kafka/kafka-queue.js';
import { readLag, startLagReader, type LagReader } from '../../src/queue/lag.js';
import { partitionFor } from '../../src/queue/memory/partition.js';
import { createQueueMetrics } from '../../src/queue/metrics.js';
import type { Queue } from '../../src/queue/queue.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';
import { eventually, newTraceId, twoSpanTrace } from '../helpers/otlp.js';

/** Sum of the gauge's samples for `topic`, and how many partitions reported (absent gauge: undefined). */
async function lagOf(registry: Registry, topic: string): Promise<{ total: number; partitions: number } | undefined> {
  const metric = await registry.getSingleMetric('braid_queue_consumer_lag_records')?.get();
  const values = metric?.values.filter((v) => v.labels.topic === topic) ?? [];
  return values.length === 0 ? undefined : { total: values.reduce((n, v) => n + v.value, 0), partitions: values.length };
}

describe('consumer lag gauge (real Kafka, real Elasticsearch)', () => {
  const brokers = inject('kafkaBrokers');
  const prefix = uniqueName('lag');
  const topicPrefix = `${prefix}.`;
  const group = `${prefix}-ingester`;
  const partitions = 3;
  const traces = 40;
  const log = createLogger('warn');
  const registry = new Registry();
  const metrics = createQueueMetrics(registry);
  let queue: Queue;
  let reader: LagReader | undefined;
  let braid: RunningBraid | undefined;

  beforeAll(async () => {
    queue = createKafkaQueue({ brokers: [brokers], client_id: `${prefix}-test`, topic_prefix: topicPrefix, partitions, replication_factor: 1, produce_timeout_ms: 10_000 }, metrics, log);
    await queue.start();
  });
  afterAll(async () => {
    await reader?.stop();
    await braid?.stop();
    await queue?.close();
  });

  it('shows the backlog per partition while no ingester runs, and 0 once one has consumed it', async () => {
    const settings = { group, topicPrefix };
    await readLag(queue, settings, metrics);
    expect(await lagOf(registry, `${topicPrefix}spans.v1`)).toEqual({ total: 0, partitions });

    // One record per trace, keyed by its trace ID, as the collector sends them.
    const perPartition = new Array<number>(partitions).fill(0);
    const records = Array.from({ length: traces }, () => {
      const id = newTraceId();
      const key = Buffer.from(id, 'hex');
      perPartition[partitionFor(key, partitions)]! += 1;
      return { key, value: Buffer.from(encodeTraceRequest(parseTraceRequestJson(twoSpanTrace(id).body))) };
    });
    await queue.send('spans', records);

    await readLag(queue, settings, metrics);
    const gauge = (await registry.getSingleMetric('braid_queue_consumer_lag_records')?.get())?.values ?? [];
    const spans = gauge.filter((v) => v.labels.topic === `${topicPrefix}spans.v1`).sort((a, b) => Number(a.labels.partition) - Number(b.labels.partition));
    expect(spans.map((v) => v.value)).toEqual(perPartition);
    expect(await lagOf(registry, `${topicPrefix}logs.v1`)).toEqual({ total: 0, partitions });
    expect(await queue.lag(group, ['spans', 'logs', 'metrics'])).toBe(traces);

    reader = startLagReader(queue, { ...settings, intervalMs: 500 }, metrics, log);
    braid = await startTestBraid(
      testConfig({
        target: 'ingester',
        queue: { kafka: { brokers: [brokers], topic_prefix: topicPrefix, group_id: group, partitions } },
        storage: { elasticsearch: { url: inject('elasticsearchUrl'), index_prefix: prefix } },
      }),
    );
    const ingesterRegistry = braid.registry;
    // The ingester process reads the lag at start, then every 15 s: it reports 0 by its second read.
    await eventually(async () => ((await lagOf(registry, `${topicPrefix}spans.v1`))?.total === 0 ? true : undefined), 60_000, 'our lag reader sees 0');
    // The ingester itself produces the span metrics it derives into the metrics topic and then
    // consumes them, so that topic can show a short lag of its own: wait for all three at once.
    const allZero = async () => {
      const lags = await Promise.all(['spans', 'logs', 'metrics'].map((t) => lagOf(ingesterRegistry, `${topicPrefix}${t}.v1`)));
      return lags.every((l) => l?.total === 0 && l.partitions === partitions) ? lags : undefined;
    };
    await eventually(allZero, 60_000, "the ingester process's gauge shows 0 on spans, logs and metrics");
    const failures = (await ingesterRegistry.getSingleMetric('braid_queue_consumer_lag_read_failures_total')?.get())?.values[0]?.value;
    expect(failures).toBe(0);
  }, 180_000);
});
