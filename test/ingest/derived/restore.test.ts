import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DerivedSeries } from '../../../src/ingest/derived/derived.js';
import { createIngestMetrics } from '../../../src/ingest/metrics.js';
import { createMemoryQueue } from '../../../src/queue/memory/memory-queue.js';
import { createQueueMetrics } from '../../../src/queue/metrics.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { captureLog } from '../../helpers/log.js';

describe('restoring derived state', () => {
  it('counts a partition again from zero, and says so, when its saved state cannot be read', async () => {
    const queue = createMemoryQueue({ partitions: 1, max_bytes: 1 << 20, topicPrefix: 't.' }, createQueueMetrics(new Registry()), createLogger('silent'));
    await queue.saveState('logs.v1/0', Buffer.from('not gzip'));
    const metrics = createIngestMetrics(new Registry());
    const { log, lines } = captureLog();
    const d = new DerivedSeries({ spans: { enabled: true, dimensions: [], bounds: [1], exemplars: false }, logs: { enabled: true }, maxSeries: 10, flushIntervalMs: 15_000 }, { queue, metrics, log });
    const data = { resourceLogs: [{ resource: { attributes: { 'service.name': 's' }, droppedAttributesCount: 0 }, schemaUrl: '', scopeLogs: [{ scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', logRecords: [{ timeUnixNano: 0n, observedTimeUnixNano: 0n, severityNumber: 9, severityText: 'INFO', body: 'x', attributes: {}, droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: '' }] }] }] };
    await d.count('logs', 0, [{ offset: '7', data }]);
    expect((await metrics.derivedCounted.get()).values[0]).toMatchObject({ labels: { kind: 'logs' }, value: 1 });
    expect(lines.some((l) => l.msg === 'derived state unreadable: the partition counts again from zero' && l.key === 'logs.v1/0')).toBe(true);
  });
});
