/**
 * Search results: a one-line summary of each Jaeger trace (root service and operation, span
 * count, services, duration, start, errors) and the duration scatter's geometry. Pure: unit tests
 * import it.
 */
import type { JaegerSpan, JaegerTrace } from '../api.js';

/** What a result line shows. */
export interface TraceSummaryLine {
  traceId: string;
  rootService: string;
  rootName: string;
  spanCount: number;
  /** Services with their span counts, most spans first. */
  services: Array<{ name: string; count: number }>;
  startUs: number;
  durationUs: number;
  errorCount: number;
}

/** A Jaeger span failed: `error=true`, or OTel status ERROR. */
export function isErrorJaegerSpan(s: JaegerSpan): boolean {
  return s.tags.some((t) => (t.key === 'error' && (t.value === true || t.value === 'true')) || (t.key === 'otel.status_code' && t.value === 'ERROR'));
}

/** Summarises a trace; the root is the earliest span whose parent is not in the trace. */
export function summariseTrace(t: JaegerTrace): TraceSummaryLine {
  const ids = new Set(t.spans.map((s) => s.spanID));
  let root: JaegerSpan | undefined;
  let startUs = Infinity;
  let endUs = -Infinity;
  let errorCount = 0;
  const counts = new Map<string, number>();
  for (const s of t.spans) {
    const parent = s.references.find((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID));
    if (!parent && (!root || s.startTime < root.startTime)) root = s;
    startUs = Math.min(startUs, s.startTime);
    endUs = Math.max(endUs, s.startTime + s.duration);
    if (isErrorJaegerSpan(s)) errorCount++;
    const service = t.processes[s.processID]?.serviceName ?? 'unknown';
    counts.set(service, (counts.get(service) ?? 0) + 1);
  }
  const services = [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1));
  return {
    traceId: t.traceID,
    rootService: root ? (t.processes[root.processID]?.serviceName ?? 'unknown') : 'unknown',
    rootName: root?.operationName ?? '(no spans)',
    spanCount: t.spans.length,
    services,
    startUs: t.spans.length === 0 ? 0 : startUs,
    durationUs: t.spans.length === 0 ? 0 : endUs - startUs,
    errorCount,
  };
}

/** A point of the scatter, in SVG units. */
export interface ScatterPoint {
  traceId: string;
  x: number;
  y: number;
  error: boolean;
}

/** The plot box inside the SVG (default width; the scatter passes its own): margins for the axes' labels. */
export const PLOT = { width: 800, height: 180, left: 56, right: 12, top: 10, bottom: 24 } as const;

/**
 * Places each trace: x by start time, y by duration (0 at the bottom, the longest at the top). A
 * single trace, or traces at one time, sit in the middle of the axis.
 */
export function scatterPoints(lines: TraceSummaryLine[], width: number = PLOT.width): { points: ScatterPoint[]; minStartUs: number; maxStartUs: number; maxDurationUs: number } {
  const minStartUs = Math.min(...lines.map((l) => l.startUs));
  const maxStartUs = Math.max(...lines.map((l) => l.startUs));
  const maxDurationUs = Math.max(1, ...lines.map((l) => l.durationUs));
  const w = Math.max(1, width - PLOT.left - PLOT.right);
  const h = PLOT.height - PLOT.top - PLOT.bottom;
  const span = maxStartUs - minStartUs;
  const points = lines.map((l) => ({
    traceId: l.traceId,
    x: PLOT.left + (span > 0 ? ((l.startUs - minStartUs) / span) * w : w / 2),
    y: PLOT.top + h - (l.durationUs / maxDurationUs) * h,
    error: l.errorCount > 0,
  }));
  return { points, minStartUs, maxStartUs, maxDurationUs };
}
