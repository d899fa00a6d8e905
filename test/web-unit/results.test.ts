import { describe, expect, it } from 'vitest';
import type { JaegerSpan, JaegerTrace } from '../../web/src/api.js';
import { PLOT, scatterPoints, summariseTrace } from '../../web/src/components/results.js';

function jspan(id: string, parent: string | undefined, pid: string, start: number, duration: number, tags: JaegerSpan['tags'] = []): JaegerSpan {
  return {
    traceID: 't1', spanID: id, operationName: `op-${id}`, references: parent ? [{ refType: 'CHILD_OF', traceID: 't1', spanID: parent }] : [],
    flags: 1, startTime: start, duration, tags, logs: [], processID: pid, warnings: null,
  };
}

describe('summariseTrace', () => {
  it('finds the root, counts spans, services and errors, and spans the whole trace', () => {
    const t: JaegerTrace = {
      traceID: 't1', warnings: null,
      processes: { p1: { serviceName: 'frontend', tags: [] }, p2: { serviceName: 'payment', tags: [] } },
      // The child is listed first and one span's parent is missing (an orphan, not the root: it starts later).
      spans: [
        jspan('b', 'a', 'p2', 1_100, 300, [{ key: 'error', type: 'bool', value: true }]),
        jspan('a', undefined, 'p1', 1_000, 500),
        jspan('c', 'gone', 'p2', 1_200, 50, [{ key: 'otel.status_code', type: 'string', value: 'ERROR' }]),
        jspan('d', 'a', 'p2', 1_300, 400, [{ key: 'otel.status_code', type: 'string', value: 'OK' }]),
      ],
    };
    expect(summariseTrace(t)).toEqual({
      traceId: 't1', rootService: 'frontend', rootName: 'op-a', spanCount: 4,
      services: [{ name: 'payment', count: 3 }, { name: 'frontend', count: 1 }],
      startUs: 1_000, durationUs: 700, errorCount: 2,
    });
  });

  it('an empty trace has no root', () => {
    expect(summariseTrace({ traceID: 'e', spans: [], processes: {}, warnings: null })).toMatchObject({ rootName: '(no spans)', spanCount: 0, durationUs: 0 });
  });
});

describe('scatterPoints', () => {
  const line = (traceId: string, startUs: number, durationUs: number, errorCount = 0) => ({ traceId, startUs, durationUs, errorCount, rootService: '', rootName: '', spanCount: 1, services: [] });
  const w = PLOT.width - PLOT.left - PLOT.right;
  const bottom = PLOT.height - PLOT.bottom;

  it('puts start time on x and duration on y, the longest at the top', () => {
    const { points, maxDurationUs } = scatterPoints([line('a', 0, 100), line('b', 1_000, 50, 1), line('c', 500, 0)]);
    expect(maxDurationUs).toBe(100);
    expect(points).toEqual([
      { traceId: 'a', x: PLOT.left, y: PLOT.top, error: false },
      { traceId: 'b', x: PLOT.left + w, y: (PLOT.top + bottom) / 2, error: true },
      { traceId: 'c', x: PLOT.left + w / 2, y: bottom, error: false },
    ]);
  });

  it('spreads over the width it is given', () => {
    const { points } = scatterPoints([line('a', 0, 1), line('b', 10, 1)], 400);
    expect(points.map((p) => p.x)).toEqual([PLOT.left, 400 - PLOT.right]);
  });

  it('a single trace sits in the middle of the time axis', () => {
    expect(scatterPoints([line('a', 7, 3)]).points[0]!.x).toBe(PLOT.left + w / 2);
  });
});
