import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { decodeMetricsRequest, encodeMetricsRequest } from '../../src/model/otlp/metrics-proto.js';
import { startHeadFeed } from '../../src/promql/head/feed.js';
import { createHead } from '../../src/promql/head/index.js';
import { createTenantHeads } from '../../src/promql/head/tenants.js';
import { createMemoryQueue } from '../../src/queue/memory/memory-queue.js';
import { createQueueMetrics } from '../../src/queue/metrics.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { metric, metricsRequest, numberPoint } from '../model/metrics-helpers.js';

const NOW = 1_700_000_100_000;
const settings = (maxSeries?: number) => ({ windowMs: 2 * 3_600_000, maxBytes: 1 << 28, truncateEveryMs: 0, now: () => NOW, ...(maxSeries === undefined ? {} : { maxSeries }) });
const gauge = (name: string, values: string[]) =>
  metricsRequest(metric(name, { type: 'gauge', dataPoints: values.map((v) => numberPoint({ attributes: { v }, exemplars: [] })) }));
const all = [{ type: '=~' as const, name: '__name__', value: '.+' }];
const names = (head: { series(m: typeof all[], s: number, e: number): Array<Record<string, string>> } | undefined) =>
  (head?.series([all], -Infinity, Infinity) ?? []).map((l) => `${l.__name__}/${l.v}`).sort();

describe('heads per tenant', () => {
  it('feeds each record to its tenant\'s head only, creating the head on its first record, with the tenant\'s series limit', async () => {
    const queue = createMemoryQueue({ partitions: 1, max_bytes: 1 << 20, topicPrefix: 't.' }, createQueueMetrics(new Registry()), createLogger('silent'));
    const registry = new Registry();
    const created: string[] = [];
    const heads = createTenantHeads({ headSettings: (t) => settings(t === 'acme' ? 2 : undefined), onCreate: (t) => created.push(t) }, registry);
    const ac = new AbortController();
    const feed = await startHeadFeed(heads, (from, handler) => queue.read(['metrics'], from, handler, ac.signal), decodeMetricsRequest, NOW - 60_000);
    await feed.ready;
    expect(heads.tenants()).toEqual(['default']);
    const rec = (data: ReturnType<typeof gauge>, tenant?: string) => ({ key: null, value: Buffer.from(encodeMetricsRequest(data)), ...(tenant ? { tenant } : {}) });
    await queue.send('metrics', [rec(gauge('mine', ['1'])), rec(gauge('theirs', ['a', 'b', 'c']), 'acme'), rec(gauge('other', ['x']), 'globex'), { key: null, value: Buffer.from([0xff]), tenant: 'junk' }]);
    await expect.poll(() => heads.get('globex')?.stats().series).toBe(1);
    expect(names(heads.defaultHead)).toEqual(['mine_seconds/1']);
    // acme's limit is two series: the third is refused and counted under its tenant.
    expect(names(heads.get('acme'))).toEqual(['theirs_seconds/a', 'theirs_seconds/b']);
    expect(names(heads.get('globex'))).toEqual(['other_seconds/x']);
    expect(heads.get('junk')).toBeUndefined();
    expect(created).toEqual(['acme', 'globex']);
    // Heads created after the feed caught up are covered from where the feed started.
    expect(heads.get('acme')!.coversFromMs()).toBe(NOW - 60_000);
    const text = await registry.metrics();
    expect(text).toContain('braid_head_tenants 3');
    expect(text).toContain('braid_head_tenant_series{tenant="acme"} 2');
    expect(text).toContain('braid_head_tenant_series_refused_total{tenant="acme",reason="max_series"} 1');
    expect(text).toContain('braid_head_series 1');
    await feed.stop();
    heads.close();
  });

  it('a feed of one head takes the default tenant\'s records and skips the others', async () => {
    const queue = createMemoryQueue({ partitions: 1, max_bytes: 1 << 20, topicPrefix: 't.' }, createQueueMetrics(new Registry()), createLogger('silent'));
    const head = createHead(settings(), new Registry());
    const ac = new AbortController();
    const feed = await startHeadFeed(head, (from, handler) => queue.read(['metrics'], from, handler, ac.signal), decodeMetricsRequest, NOW);
    await queue.send('metrics', [{ key: null, value: Buffer.from(encodeMetricsRequest(gauge('theirs', ['a']))), tenant: 'acme' }, { key: null, value: Buffer.from(encodeMetricsRequest(gauge('mine', ['1']))) }]);
    await expect.poll(() => head.stats().series).toBe(1);
    expect(names(head)).toEqual(['mine_seconds/1']);
    expect(feed.skipped()).toBe(1);
    await feed.stop();
  });
});
