/**
 * The Jaeger query API as the Jaeger UI and Grafana's Jaeger data source call it, in both modes:
 * services, operations, search (filters first, limit after), trace IDs, dependencies.
 */
import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BraidConfigInput } from '../../src/config/schema.js';
import type { RunningBraid } from '../../src/main.js';
import { eventually, multiServiceTrace, newSpanId, newTraceId } from '../helpers/otlp.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';

interface Envelope<T> {
  data: T;
  errors: Array<{ code: number; msg: string }> | null;
}

function suite(mode: string, config: () => BraidConfigInput, esIndexPrefix?: string) {
  describe(`Jaeger API (${mode})`, () => {
    let braid: RunningBraid;
    const base = Date.now() - 60_000;
    const checkoutTrace = newTraceId();
    const oldMatch = newTraceId();
    const root = newSpanId();
    const pay = newSpanId();
    const db = newSpanId();

    const api = async <T>(path: string): Promise<{ status: number; body: Envelope<T> }> => {
      const res = await fetch(`${braid.addresses.query}${path}`);
      return { status: res.status, body: (await res.json()) as Envelope<T> };
    };
    const post = (body: unknown) => fetch(`${braid.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    beforeAll(async () => {
      braid = await startTestBraid(config());
      // The child arrives before its parent, in separate requests: edges and summaries still form.
      expect((await post(multiServiceTrace(checkoutTrace, [
        { id: pay, parent: root, service: 'payments', name: 'charge', kind: 2, startMs: base + 10, durationMs: 120, error: true, attributes: { 'payment.provider': 'acme' } },
        { id: db, parent: pay, service: 'payments', name: 'INSERT payments', kind: 3, startMs: base + 20, durationMs: 30 },
      ]))).status).toBe(200);
      expect((await post(multiServiceTrace(checkoutTrace, [
        { id: root, service: 'checkout', name: 'POST /checkout', kind: 2, startMs: base, durationMs: 200, attributes: { 'http.response.status_code': 502, 'customer.tier': 'gold' } },
      ]))).status).toBe(200);
      // An old trace that matches, behind many newer ones that do not.
      expect((await post(multiServiceTrace(oldMatch, [
        { id: newSpanId(), service: 'checkout', name: 'GET /cart', kind: 2, startMs: base - 30_000, durationMs: 5, attributes: { 'customer.tier': 'platinum' } },
      ]))).status).toBe(200);
      for (let i = 0; i < 10; i++) {
        const body = { resourceSpans: [] as unknown[] };
        for (let j = 0; j < 20; j++) {
          body.resourceSpans.push(...multiServiceTrace(newTraceId(), [
            { id: newSpanId(), service: 'checkout', name: 'GET /cart', kind: 2, startMs: base + 1_000 + i * 20 + j, durationMs: 5, attributes: { 'customer.tier': 'silver' } },
          ]).resourceSpans);
        }
        expect((await post(body)).status).toBe(200);
      }
      await eventually(async () => ((await api<unknown[]>(`/api/traces/${checkoutTrace}`)).status === 200 ? true : undefined), 30_000, 'trace');
      if (esIndexPrefix) {
        const es = new Client({ node: inject('elasticsearchUrl') });
        await eventually(async () => {
          await es.indices.refresh({ index: `${esIndexPrefix}-*` });
          const n = await es.count({ index: `${esIndexPrefix}-spans-*` });
          return n.count === 204 ? true : undefined;
        }, 30_000, 'all spans indexed');
        await es.close();
      }
    });
    afterAll(async () => {
      await braid?.stop();
    });

    it('lists services and operations', async () => {
      expect((await api<string[]>('/api/services')).body.data).toEqual(expect.arrayContaining(['checkout', 'payments']));
      expect((await api<string[]>('/api/services/payments/operations')).body.data).toEqual(['INSERT payments', 'charge']);
      expect((await api<unknown[]>('/api/operations?service=payments&spanKind=server')).body.data).toEqual([{ name: 'charge', spanKind: 'server' }]);
      expect((await api<unknown[]>('/api/operations?service=payments')).body.data).toEqual([
        { name: 'INSERT payments', spanKind: 'client' },
        { name: 'charge', spanKind: 'server' },
      ]);
    });

    it('searches by service, operation, tags and duration', async () => {
      const ids = async (qs: string) => (await api<Array<{ traceID: string }>>(`/api/traces?${qs}`)).body.data.map((t) => t.traceID);
      expect(await ids(`service=payments&tags=${encodeURIComponent('{"payment.provider":"acme"}')}`)).toEqual([checkoutTrace]);
      expect(await ids('service=checkout&operation=POST%20%2Fcheckout&tag=http.response.status_code:502')).toEqual([checkoutTrace]);
      expect(await ids('service=payments&tag=error:true')).toEqual([checkoutTrace]);
      expect(await ids('service=payments&minDuration=100ms&maxDuration=1s')).toEqual([checkoutTrace]);
      expect(await ids('service=payments&minDuration=150ms')).toEqual([]);
      expect(await ids('service=checkout&tag=deployment.environment:test&limit=3')).toHaveLength(3);
      const res = await api<null>('/api/traces?service=checkout&minDuration=abc');
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.msg).toContain(`unable to parse param 'minDuration'`);
      expect((await api<null>('/api/traces?operation=x')).status).toBe(400);
    });

    it('filters first and limits after: limit=1 finds an older match behind newer non-matching traces', async () => {
      const res = await api<Array<{ traceID: string }>>(`/api/traces?service=checkout&tag=customer.tier:platinum&limit=1&start=${(base - 60_000) * 1000}&end=${(base + 60_000) * 1000}`);
      expect(res.body.data.map((t) => t.traceID)).toEqual([oldMatch]);
      const newest = await api<Array<{ traceID: string }>>('/api/traces?service=checkout&limit=1');
      expect(newest.body.data).toHaveLength(1);
      expect(newest.body.data[0]?.traceID).not.toBe(oldMatch);
    });

    it('returns traces by repeated traceID parameters', async () => {
      const res = await api<Array<{ traceID: string; spans: unknown[] }>>(`/api/traces?traceID=${checkoutTrace}&traceID=${oldMatch}`);
      expect(res.body.data.map((t) => [t.traceID, t.spans.length])).toEqual([[checkoutTrace, 3], [oldMatch, 1]]);
    });

    it('derives service dependencies, even when the child span arrived first', async () => {
      // Edges are derived after the spans are stored, into an index of their own that a loaded
      // Elasticsearch may still be allocating (503 meanwhile): wait for an answer.
      const res = await eventually(async () => {
        const r = await api<Array<{ parent: string; child: string; callCount: number }>>(`/api/dependencies?endTs=${Date.now()}&lookback=3600000`);
        return r.status === 200 && (r.body.data?.length ?? 0) > 0 ? r : undefined;
      }, 30_000, 'dependencies');
      expect(res.body.data).toEqual([{ parent: 'checkout', child: 'payments', callCount: 1 }]);
    });
  });
}

suite('embedded', () => testConfig());

const prefix = uniqueName('jaeger');
suite(
  'Kafka + Elasticsearch',
  () => testConfig({
    queue: { kafka: { brokers: [inject('kafkaBrokers')], topic_prefix: `${prefix}.`, group_id: prefix, partitions: 3 } },
    storage: { elasticsearch: { url: inject('elasticsearchUrl'), index_prefix: prefix } },
  }),
  prefix,
);

describe('trace summary document (Elasticsearch)', () => {
  it('holds root, duration, counts and services of a trace', async () => {
    const es = new Client({ node: inject('elasticsearchUrl') });
    await es.indices.refresh({ index: `${prefix}-traces-*` });
    const res = await es.search<Record<string, unknown>>({ index: `${prefix}-traces-*`, query: { term: { 'root.span.name': 'POST /checkout' } } });
    const doc = res.hits.hits[0]!._source!;
    expect(doc).toMatchObject({ 'root.service.name': 'checkout', 'span.count': 3, 'error.count': 1, 'service.names': ['checkout', 'payments'], 'trace.duration.us': 200_000 });
    expect(res.hits.hits).toHaveLength(1);
    await es.close();
  });
});
