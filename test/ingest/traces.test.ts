import { describe, expect, it } from 'vitest';
import { TraceTracker } from '../../src/ingest/traces.js';
import type { LogDocument, SpanDocument } from '../../src/storage/store.js';

const T = 'a'.repeat(32);
const T2 = 'b'.repeat(32);
const base = 1_700_000_000_000_000; // microseconds

function span(id: string, service: string, name: string, startOffsetUs: number, durationUs: number, opts: { parent?: string; error?: boolean; trace?: string } = {}): SpanDocument {
  const start = base + startOffsetUs;
  const doc: SpanDocument = {
    '@timestamp': new Date(Math.floor(start / 1000)).toISOString(),
    'trace.id': opts.trace ?? T,
    'span.id': id,
    'service.name': service,
    'span.name': name,
    'span.kind': 'server',
    'span.start.us': start,
    'span.duration.us': durationUs,
    'span.status.code': opts.error ? 'error' : 'unset',
    'event.outcome': opts.error ? 'failure' : 'unknown',
    attributes: {},
    'resource.attributes': { 'service.name': service },
  };
  if (opts.parent !== undefined) doc['parent.id'] = opts.parent;
  return doc;
}

function log(id: string, service: string, level: string, offsetUs: number, trace = T): LogDocument {
  return {
    '@timestamp': new Date((base + offsetUs) / 1000).toISOString(),
    'log.id': id,
    'trace.id': trace,
    'service.name': service,
    'log.level': level,
    'severity.number': level === 'error' ? 17 : 9,
    message: 'm',
    attributes: {},
    'resource.attributes': {},
  };
}

const tracker = (maxSpans = 1_000) => new TraceTracker({ maxSpans, maxOperations: 100 });

describe('TraceTracker', () => {
  it('derives the summary, the cross-service edges and each operation once', () => {
    const t = tracker();
    const d = t.observe([
      span('0000000000000001', 'frontend', 'GET /', 0, 1_000),
      span('0000000000000002', 'frontend', 'GET', 10, 900, { parent: '0000000000000001' }),
      span('0000000000000003', 'orders', 'GET /orders', 20, 800, { parent: '0000000000000002', error: true }),
      span('0000000000000004', 'orders', 'SELECT', 30, 2_000, { parent: '0000000000000003' }),
      span('0000000000000005', 'orders', 'SELECT', 40, 10, { parent: '0000000000000003' }),
    ]);
    expect(d.summaries).toEqual([
      {
        '@timestamp': new Date(base / 1000).toISOString(),
        'trace.id': T,
        'trace.start.us': base,
        'trace.duration.us': 2_030,
        'span.count': 5,
        'error.count': 1,
        'service.names': ['frontend', 'orders'],
        'log.count': 0,
        'error.log.count': 0,
        'root.service.name': 'frontend',
        'root.span.name': 'GET /',
      },
    ]);
    expect(d.edges).toEqual([
      { '@timestamp': new Date(Math.floor((base + 20) / 1000)).toISOString(), 'trace.id': T, 'span.id': '0000000000000003', 'parent.service.name': 'frontend', 'child.service.name': 'orders', 'event.outcome': 'failure' },
    ]);
    expect(d.operations.map((o) => `${o['service.name']} ${o['span.name']}`)).toEqual(['frontend GET /', 'frontend GET', 'orders GET /orders', 'orders SELECT']);
    // The same operations later are not written again.
    expect(t.observe([span('0000000000000006', 'orders', 'SELECT', 50, 10, { parent: '0000000000000003' })]).operations).toEqual([]);
  });

  it('makes the edge when the parent arrives after its child, and the root then is the real root', () => {
    const t = tracker();
    const first = t.observe([span('0000000000000002', 'orders', 'handler', 20, 100, { parent: '0000000000000001' })]);
    expect(first.edges).toEqual([]);
    // Until its parent comes, the orphan is the root.
    expect(first.summaries[0]).toMatchObject({ 'root.service.name': 'orders', 'root.span.name': 'handler', 'span.count': 1 });
    const second = t.observe([span('0000000000000001', 'frontend', 'GET /', 0, 500)]);
    expect(second.edges).toEqual([
      { '@timestamp': new Date(Math.floor((base + 20) / 1000)).toISOString(), 'trace.id': T, 'span.id': '0000000000000002', 'parent.service.name': 'frontend', 'child.service.name': 'orders', 'event.outcome': 'success' },
    ]);
    expect(second.summaries[0]).toMatchObject({ 'root.service.name': 'frontend', 'root.span.name': 'GET /', 'span.count': 2, 'trace.duration.us': 500 });
  });

  it('takes the earliest orphan as the root when no span lacks a parent', () => {
    const t = tracker();
    const d = t.observe([
      span('0000000000000003', 'b', 'late orphan', 50, 10, { parent: '00000000000000ff' }),
      span('0000000000000002', 'a', 'early orphan', 10, 100, { parent: '00000000000000fe' }),
      span('0000000000000004', 'a', 'child', 20, 10, { parent: '0000000000000002' }),
    ]);
    expect(d.summaries[0]).toMatchObject({ 'root.service.name': 'a', 'root.span.name': 'early orphan', 'trace.start.us': base + 10, 'trace.duration.us': 100 });
  });

  it('changes nothing when spans are replayed', () => {
    const t = tracker();
    const spans = [span('0000000000000001', 'frontend', 'GET /', 0, 100), span('0000000000000002', 'orders', 'GET', 10, 50, { parent: '0000000000000001', error: true })];
    const first = t.observe(spans);
    const again = t.observe(spans);
    expect(again.summaries).toEqual(first.summaries);
    expect(again.edges).toEqual([]);
    expect(again.summaries[0]).toMatchObject({ 'span.count': 2, 'error.count': 1 });
  });

  it('counts logs, error logs and their services; a trace known only by logs spans their time', () => {
    const t = tracker();
    const d = t.observeLogs([log('l1', 'pay', 'info', 100_000), log('l2', 'pay', 'error', 300_000), log('l1', 'pay', 'info', 100_000)]);
    expect(d.summaries).toEqual([
      {
        '@timestamp': new Date((base + 100_000) / 1000).toISOString(),
        'trace.id': T,
        'trace.start.us': base + 100_000,
        'trace.duration.us': 200_000,
        'span.count': 0,
        'error.count': 0,
        'service.names': ['pay'],
        'log.count': 2,
        'error.log.count': 1,
      },
    ]);
    const withSpan = t.observe([span('0000000000000001', 'frontend', 'GET /', 0, 50)]);
    expect(withSpan.summaries[0]).toMatchObject({ 'trace.start.us': base, 'trace.duration.us': 50, 'span.count': 1, 'log.count': 2, 'error.log.count': 1, 'service.names': ['frontend', 'pay'] });
  });

  it('forgets the least recently touched traces past maxSpans, and is seeded back from stored spans and logs', () => {
    const t = tracker(3);
    t.observe([span('0000000000000001', 'a', 'x', 0, 10), span('0000000000000002', 'a', 'y', 5, 10, { parent: '0000000000000001' })]);
    t.observe([span('0000000000000011', 'a', 'x', 0, 10, { trace: T2 }), span('0000000000000012', 'a', 'y', 5, 10, { trace: T2, parent: '0000000000000011' })]);
    expect(t.unknown([T, T2, T])).toEqual([T]);
    t.seed(T, [span('0000000000000001', 'a', 'x', 0, 10), span('0000000000000002', 'b', 'y', 5, 10, { parent: '0000000000000001' })], [log('l1', 'c', 'error', 1)]);
    expect(t.unknown([T])).toEqual([]);
    // Seeding derives no edges; a new span adds to the seeded state.
    const d = t.observe([span('0000000000000003', 'b', 'z', 7, 100, { parent: '0000000000000002', error: true })]);
    expect(d.edges).toEqual([]);
    expect(d.summaries[0]).toMatchObject({ 'span.count': 3, 'error.count': 1, 'log.count': 1, 'error.log.count': 1, 'service.names': ['a', 'b', 'c'], 'trace.duration.us': 107, 'root.span.name': 'x' });
  });

  it('clear() forgets every trace', () => {
    const t = tracker();
    t.observe([span('0000000000000001', 'a', 'x', 0, 10)]);
    t.clear();
    expect(t.unknown([T])).toEqual([T]);
  });
});
