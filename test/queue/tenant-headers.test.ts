import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMemoryQueue } from '../../src/queue/memory/memory-queue.js';
import { createQueueMetrics } from '../../src/queue/metrics.js';
import { TENANT_HEADER, deadLetterHeaders, tenantHeaders, tenantOfHeaders, type ConsumedRecord } from '../../src/queue/queue.js';
import { consumedRecord } from '../../src/queue/kafka/kafka-read.js';
import { createLogger } from '../../src/telemetry/logger.js';

describe('the tenant of a record', () => {
  it('is a braid.tenant header for other tenants and none for the default tenant', () => {
    expect(tenantHeaders('acme')).toEqual({ 'braid.tenant': 'acme' });
    expect(tenantHeaders('default')).toBeUndefined();
    expect(tenantHeaders(undefined)).toBeUndefined();
  });

  it('is read back from Kafka headers (Buffer or string); absent, default or invalid IDs mean the default tenant', () => {
    expect(tenantOfHeaders({ [TENANT_HEADER]: Buffer.from('acme') })).toBe('acme');
    expect(tenantOfHeaders({ [TENANT_HEADER]: ['x', Buffer.from('b-2')] })).toBe('b-2');
    expect(tenantOfHeaders({})).toBeUndefined();
    expect(tenantOfHeaders(undefined)).toBeUndefined();
    expect(tenantOfHeaders({ [TENANT_HEADER]: 'default' })).toBeUndefined();
    expect(tenantOfHeaders({ [TENANT_HEADER]: 'a.b' })).toBeUndefined();
    expect(tenantOfHeaders({ [TENANT_HEADER]: 'UPPER' })).toBeUndefined();
  });

  it('comes with a consumed Kafka message', () => {
    const m = { key: null, value: Buffer.from('v'), offset: '7', timestamp: '0', attributes: 0, headers: { 'braid.tenant': Buffer.from('acme') } };
    expect(consumedRecord(m, 3)).toEqual({ key: null, value: Buffer.from('v'), partition: 3, offset: '7', tenant: 'acme' });
    expect(consumedRecord({ ...m, headers: {} }, 3)).not.toHaveProperty('tenant');
  });

  it('stays on a dead letter', () => {
    const letter = { kind: 'spans' as const, key: null, value: Buffer.alloc(1), contentType: 'application/x-protobuf' as const, stage: 'decode' as const, reason: 'r', partition: 0, offset: '1' };
    expect(deadLetterHeaders({ ...letter, tenant: 'acme' }, 't')[TENANT_HEADER]).toBe('acme');
    expect(deadLetterHeaders(letter, 't')).not.toHaveProperty(TENANT_HEADER);
  });

  it('is carried by the in-process queue to consumers and readers', async () => {
    const q = createMemoryQueue({ partitions: 2, max_bytes: 10_000, topicPrefix: 't.' }, createQueueMetrics(new Registry()), createLogger('silent'));
    const ac = new AbortController();
    const read: ConsumedRecord[] = [];
    await q.read(['logs'], 0, (b) => void read.push(...b.records), ac.signal);
    const consumed: ConsumedRecord[] = [];
    const c = await q.consume('g', ['logs'], async (b) => void consumed.push(...b.records));
    await q.send('logs', [
      { key: Buffer.from('k1'), value: Buffer.from('a'), tenant: 'acme' },
      { key: Buffer.from('k2'), value: Buffer.from('b'), tenant: 'default' },
      { key: Buffer.from('k3'), value: Buffer.from('c') },
    ]);
    await expect.poll(() => consumed.length).toBe(3);
    await expect.poll(() => read.length).toBe(3);
    for (const got of [consumed, read]) {
      const byValue = new Map(got.map((r) => [r.value.toString(), r.tenant]));
      expect([...byValue].sort()).toEqual([
        ['a', 'acme'],
        ['b', undefined],
        ['c', undefined],
      ]);
    }
    await c.stop();
    ac.abort();
  });
});
