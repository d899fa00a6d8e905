/**
 * The waterfall's layout, computed once per trace: the span tree flattened depth first (children
 * by start time, as the server sorts them), each row's depth, parent and subtree end, the trace's
 * bounds, and the critical path. Collapsing a subtree only recomputes which rows are visible
 * (`visibleItems`). Pure: no DOM, so unit tests import it.
 */
import type { LogView, SpanNode } from '../../api.js';
import { compareIso } from '../../format.js';

/** One span in depth-first order. */
export interface Row {
  span: SpanNode;
  depth: number;
  /** Index of the parent row, -1 for a root. */
  parent: number;
  /** Index one past the last row of this span's subtree. */
  end: number;
  endUs: number;
  error: boolean;
  /** The span's logs in time order. */
  logs: LogView[];
}

/** A trace laid out for the waterfall. */
export interface TraceLayout {
  rows: Row[];
  indexById: Map<string, number>;
  startUs: number;
  endUs: number;
  services: string[];
  errorCount: number;
}

/** A line of the waterfall: a span, or one of its logs under it. */
export type Item = { kind: 'span'; row: number } | { kind: 'log'; row: number; log: LogView };

/** A span failed when its status is error (OTLP STATUS_CODE_ERROR). */
export function isErrorSpan(span: SpanNode): boolean {
  return span.status.code.toLowerCase() === 'error';
}

/** Logs in time order (stable for equal times). */
export function sortLogs(logs: LogView[]): LogView[] {
  return logs
    .map((log, i) => ({ log, i }))
    .sort((a, b) => compareIso(a.log.timestamp, b.log.timestamp) || a.i - b.i)
    .map((x) => x.log);
}

/** Flattens the span tree depth first; iterative, so a 20,000-deep chain does not overflow the stack. */
export function layoutTrace(roots: SpanNode[]): TraceLayout {
  const rows: Row[] = [];
  const indexById = new Map<string, number>();
  const stack: Array<{ span: SpanNode; depth: number; parent: number }> = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ span: roots[i] as SpanNode, depth: 0, parent: -1 });
  let startUs = Infinity;
  let endUs = -Infinity;
  const services = new Set<string>();
  let errorCount = 0;
  while (stack.length > 0) {
    const { span, depth, parent } = stack.pop()!;
    const index = rows.length;
    const error = isErrorSpan(span);
    const spanEnd = span.startTimeUs + span.durationUs;
    rows.push({ span, depth, parent, end: index + 1, endUs: spanEnd, error, logs: span.logs.length > 1 ? sortLogs(span.logs) : span.logs });
    indexById.set(span.spanId, index);
    startUs = Math.min(startUs, span.startTimeUs);
    endUs = Math.max(endUs, spanEnd);
    services.add(span.service);
    if (error) errorCount++;
    for (let c = span.children.length - 1; c >= 0; c--) stack.push({ span: span.children[c] as SpanNode, depth: depth + 1, parent: index });
  }
  // Pre-order: every child comes after its parent, so sizes add up walking backwards.
  const size = new Array<number>(rows.length).fill(1);
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i] as Row;
    row.end = i + (size[i] as number);
    if (row.parent >= 0) size[row.parent] = (size[row.parent] as number) + (size[i] as number);
  }
  if (rows.length === 0) startUs = endUs = 0;
  return { rows, indexById, startUs, endUs, services: [...services], errorCount };
}

/** Indices of a row's direct children, in order. */
export function childRows(layout: TraceLayout, i: number): number[] {
  const out: number[] = [];
  const row = layout.rows[i] as Row;
  for (let c = i + 1; c < row.end; c = (layout.rows[c] as Row).end) out.push(c);
  return out;
}

/** Indices of a row's ancestors, nearest first. */
export function ancestorRows(layout: TraceLayout, i: number): number[] {
  const out: number[] = [];
  for (let p = layout.rows[i]?.parent ?? -1; p >= 0; p = (layout.rows[p] as Row).parent) out.push(p);
  return out;
}

/**
 * The critical path: the spans whose work the trace's end waited for, each with the time segments
 * (µs) where the span itself, not a child, was on the path. The classic computation (Jaeger UI's
 * critical path): start at the root at its end; take the child that finished last before that
 * point, the parent's own time between the child's end and the point is on the path; descend into
 * that child, then continue in the parent from the child's start with the last child finishing
 * before it. Children are clipped to their parent's end. The root is the longest root span.
 */
export function criticalPath(layout: TraceLayout): Map<string, Array<[number, number]>> {
  const out = new Map<string, Array<[number, number]>>();
  const { rows } = layout;
  let root = -1;
  for (let i = 0; i < rows.length; i = (rows[i] as Row).end) {
    if (root < 0 || (rows[i] as Row).span.durationUs > (rows[root] as Row).span.durationUs) root = i;
  }
  if (root < 0) return out;
  const stack: Array<{ i: number; bound: number }> = [{ i: root, bound: (rows[root] as Row).endUs }];
  while (stack.length > 0) {
    const { i, bound } = stack.pop()!;
    const row = rows[i] as Row;
    const start = row.span.startTimeUs;
    let cursor = Math.min(row.endUs, bound);
    const segments: Array<[number, number]> = [];
    const children = childRows(layout, i).sort((a, b) => (rows[b] as Row).endUs - (rows[a] as Row).endUs);
    for (const c of children) {
      if (cursor <= start) break;
      const child = rows[c] as Row;
      const childEnd = Math.min(child.endUs, cursor);
      // Only a child that finished by the cursor, and started before it, is what the parent waited for.
      if (child.endUs > cursor && c !== children[0]) continue;
      if (child.span.startTimeUs >= cursor) continue;
      if (childEnd < cursor) segments.push([childEnd, cursor]);
      stack.push({ i: c, bound: childEnd });
      cursor = Math.max(child.span.startTimeUs, start);
    }
    if (cursor > start) segments.push([start, cursor]);
    out.set(row.span.spanId, segments.reverse());
  }
  return out;
}

/** The lines shown: every span whose ancestors are all expanded, each followed by its logs. */
export function visibleItems(layout: TraceLayout, collapsed: ReadonlySet<string>): Item[] {
  const items: Item[] = [];
  const { rows } = layout;
  for (let i = 0; i < rows.length; ) {
    const row = rows[i] as Row;
    items.push({ kind: 'span', row: i });
    for (const log of row.logs) items.push({ kind: 'log', row: i, log });
    i = collapsed.has(row.span.spanId) ? row.end : i + 1;
  }
  return items;
}

/** A stable hue (0-359) for a service name, so one service keeps its colour everywhere. */
export function serviceHue(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return (h >>> 0) % 360;
}

/**
 * The error spans where failures start: error spans none of whose children failed, in waterfall
 * order, one per service and operation.
 */
export function rootCauseErrors(layout: TraceLayout): number[] {
  const out: number[] = [];
  const seen = new Set<string>();
  layout.rows.forEach((row, i) => {
    if (!row.error || childRows(layout, i).some((c) => layout.rows[c]!.error)) return;
    const key = `${row.span.service}\u0000${row.span.name}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(i);
  });
  return out;
}
