/** `braid trace <traceId>`: the call chain as an indented tree, read from the Jaeger API. */
import type { JaegerSpan, JaegerTrace } from '../query/jaeger/convert.js';

/** Formats microseconds the way people read durations. */
export function formatDuration(us: number): string {
  if (us < 1_000) return `${us}µs`;
  if (us < 1_000_000) return `${(us / 1_000).toFixed(us < 10_000 ? 2 : 1)}ms`;
  return `${(us / 1_000_000).toFixed(2)}s`;
}

const isError = (s: JaegerSpan) => s.tags.some((t) => (t.key === 'error' && t.value === true) || (t.key === 'otel.status_code' && t.value === 'ERROR'));

/** Renders a trace as lines: one per span, children indented under their parent, by start time. */
export function renderTrace(trace: JaegerTrace): string[] {
  const byId = new Set(trace.spans.map((s) => s.spanID));
  const children = new Map<string, JaegerSpan[]>();
  const roots: JaegerSpan[] = [];
  for (const s of trace.spans) {
    const parent = s.references.find((r) => r.refType === 'CHILD_OF' && byId.has(r.spanID))?.spanID;
    if (parent) children.set(parent, [...(children.get(parent) ?? []), s]);
    else roots.push(s);
  }
  const byStart = (a: JaegerSpan, b: JaegerSpan) => a.startTime - b.startTime;
  const t0 = Math.min(...trace.spans.map((s) => s.startTime));
  const lines = [`trace ${trace.traceID}  ${trace.spans.length} spans`];
  const walk = (s: JaegerSpan, prefix: string, last: boolean, depth: number) => {
    const svc = trace.processes[s.processID]?.serviceName ?? '?';
    const branch = depth === 0 ? '' : last ? '└─ ' : '├─ ';
    const mark = isError(s) ? '  ✗ ERROR' : '';
    lines.push(`${prefix}${branch}${svc}: ${s.operationName}  ${formatDuration(s.duration)}  (+${formatDuration(s.startTime - t0)})${mark}`);
    const kids = (children.get(s.spanID) ?? []).sort(byStart);
    const nextPrefix = depth === 0 ? '' : prefix + (last ? '   ' : '│  ');
    kids.forEach((k, i) => walk(k, nextPrefix, i === kids.length - 1, depth + 1));
  };
  roots.sort(byStart).forEach((r, i) => walk(r, '', i === roots.length - 1, 0));
  return lines;
}

/** Fetches a trace from the query API; undefined when it does not exist. */
export async function fetchTrace(baseUrl: string, traceId: string): Promise<JaegerTrace | undefined> {
  const res = await fetch(`${baseUrl.replace(/\/$/, '')}/api/traces/${encodeURIComponent(traceId)}`);
  if (res.status === 404) return undefined;
  const body = (await res.json()) as { data: JaegerTrace[] | null; errors: Array<{ msg: string }> | null };
  if (!res.ok || !body.data?.[0]) throw new Error(`query API answered ${res.status}: ${body.errors?.map((e) => e.msg).join('; ') ?? ''}`);
  return body.data[0];
}
