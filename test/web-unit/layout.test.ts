import { describe, expect, it } from 'vitest';
import type { LogView, SpanNode } from '../../web/src/api.js';
import { ancestorRows, childRows, criticalPath, layoutTrace, rootCauseErrors, visibleItems } from '../../web/src/components/waterfall/layout.js';

/** A span of a TraceView: times in ms from 0 for readability (µs = ms * 1000). */
function span(id: string, startMs: number, endMs: number, children: SpanNode[] = [], extra: Partial<SpanNode> = {}): SpanNode {
  return {
    spanId: id, service: `svc-${id}`, name: `op-${id}`, kind: 'server', startTimeUs: startMs * 1000, durationUs: (endMs - startMs) * 1000,
    status: { code: 'unset' }, attributes: {}, events: [], logs: [], children, ...extra,
  };
}
const log = (timestamp: string, message: string): LogView => ({ timestamp, message, level: 'info', severityNumber: 9, service: 's', attributes: {} });
const ids = (layout: ReturnType<typeof layoutTrace>, rows: number[]) => rows.map((i) => layout.rows[i]!.span.spanId);

describe('layoutTrace', () => {
  const tree = [span('root', 0, 100, [span('a', 10, 40, [span('a1', 12, 20)]), span('b', 30, 90, [span('c', 50, 60)])]), span('orphan', 95, 99)];

  it('flattens depth first with depth, parent and subtree end', () => {
    const l = layoutTrace(tree);
    expect(l.rows.map((r) => [r.span.spanId, r.depth, r.parent, r.end])).toEqual([
      ['root', 0, -1, 5], ['a', 1, 0, 3], ['a1', 2, 1, 3], ['b', 1, 0, 5], ['c', 2, 3, 5], ['orphan', 0, -1, 6],
    ]);
    expect({ start: l.startUs, end: l.endUs, services: l.services.length, byId: l.indexById.get('c') }).toEqual({ start: 0, end: 100_000, services: 6, byId: 4 });
    expect(ids(l, childRows(l, 0))).toEqual(['a', 'b']);
    expect(ids(l, ancestorRows(l, 4))).toEqual(['b', 'root']);
  });

  it('counts error spans and sorts each span\'s logs by time', () => {
    const s = span('x', 0, 10, [], { status: { code: 'error' }, logs: [log('2026-01-01T00:00:00.000000300Z', 'third'), log('2026-01-01T00:00:00.000000100Z', 'first'), log('2026-01-01T00:00:00.000000200Z', 'second')] });
    const l = layoutTrace([s]);
    expect(l.errorCount).toBe(1);
    expect(l.rows[0]!.logs.map((x) => x.message)).toEqual(['first', 'second', 'third']);
  });

  it('lays out a 20,000-deep chain without overflowing the stack', () => {
    let node = span('s19999', 19_999, 20_000);
    for (let i = 19_998; i >= 0; i--) node = span(`s${i}`, i, 20_000, [node]);
    const l = layoutTrace([node]);
    expect([l.rows.length, l.rows[19_999]!.depth, l.rows[0]!.end]).toEqual([20_000, 19_999, 20_000]);
    expect(criticalPath(l).size).toBe(20_000);
  });
});

describe('criticalPath', () => {
  it('walks back from the root\'s end through the last-finishing children', () => {
    // root 0-100: a 10-40 overlaps b 30-90, so the path takes b (finishes last), then root's own time before b.
    const l = layoutTrace([span('root', 0, 100, [span('a', 10, 40, [span('a1', 12, 20)]), span('b', 30, 90, [span('c', 50, 60)]), span('d', 92, 95)])]);
    const cp = criticalPath(l);
    expect([...cp.keys()].sort()).toEqual(['b', 'c', 'd', 'root']);
    const ms = (id: string) => cp.get(id)!.map(([a, b]) => [a / 1000, b / 1000]);
    expect(ms('root')).toEqual([[0, 30], [90, 92], [95, 100]]);
    expect(ms('b')).toEqual([[30, 50], [60, 90]]);
    expect(ms('c')).toEqual([[50, 60]]);
    expect(ms('d')).toEqual([[92, 95]]);
  });

  it('takes sequential children that touch, and clips a child that outlives its parent', () => {
    const l = layoutTrace([span('root', 0, 100, [span('first', 0, 50), span('second', 50, 120)])]);
    const cp = criticalPath(l);
    expect([...cp.keys()].sort()).toEqual(['first', 'root', 'second']);
    expect(cp.get('second')).toEqual([[50_000, 100_000]]);
    expect(cp.get('root')).toEqual([]);
  });

  it('starts at the longest root and is empty for no spans', () => {
    const l = layoutTrace([span('short', 0, 5), span('long', 1, 50)]);
    expect([...criticalPath(l).keys()]).toEqual(['long']);
    expect(criticalPath(layoutTrace([])).size).toBe(0);
  });
});

describe('visibleItems', () => {
  const tree = [span('root', 0, 100, [span('a', 10, 40, [span('a1', 12, 20)], { logs: [log('2026-01-01T00:00:00Z', 'a says')] }), span('b', 30, 90)])];
  const lines = (items: ReturnType<typeof visibleItems>, l: ReturnType<typeof layoutTrace>) => items.map((it) => (it.kind === 'span' ? l.rows[it.row]!.span.spanId : `log:${it.log.message}`));

  it('shows every span with its logs right under it', () => {
    const l = layoutTrace(tree);
    expect(lines(visibleItems(l, new Set()), l)).toEqual(['root', 'a', 'log:a says', 'a1', 'b']);
  });

  it('a collapsed span hides its subtree but keeps its own logs', () => {
    const l = layoutTrace(tree);
    expect(lines(visibleItems(l, new Set(['a'])), l)).toEqual(['root', 'a', 'log:a says', 'b']);
    expect(lines(visibleItems(l, new Set(['root'])), l)).toEqual(['root']);
  });
});

describe('rootCauseErrors', () => {
  it('lists error spans without failed children, once per service and operation', () => {
    const err = { status: { code: 'error' } };
    const l = layoutTrace([span('root', 0, 100, [span('x', 1, 10, [span('y', 2, 5, [], err)], err), span('y2', 20, 30, [], { ...err, service: 'svc-y', name: 'op-y' }), span('z', 40, 50, [], err)], err)]);
    expect(ids(l, rootCauseErrors(l))).toEqual(['y', 'z']);
  });
});
