/**
 * `braid trace <traceId>`: the call chain as an indented tree with service, operation, duration
 * and error marks, and under each span the log lines it wrote, read from the native API
 * (GET /braid/v1/traces/{traceId}).
 */
import type { LogView, SpanNode, TraceView } from '../query/braid/routes.js';

/** Formats microseconds the way people read durations. */
export function formatDuration(us: number): string {
  if (us < 1_000) return `${us}µs`;
  if (us < 1_000_000) return `${(us / 1_000).toFixed(us < 10_000 ? 2 : 1)}ms`;
  return `${(us / 1_000_000).toFixed(2)}s`;
}

/** Microseconds since the epoch of a nine-digit RFC 3339 timestamp. */
const logUs = (l: LogView) => Date.parse(l.timestamp) * 1000 + Number(l.timestamp.slice(23, 26) || 0);

function logLine(l: LogView, t0: number): string {
  const level = l.level.toUpperCase().padEnd(5);
  const mark = l.severityNumber >= 17 || l.level === 'error' || l.level === 'fatal' ? ' ✗' : '';
  return `${level} ${l.message}  (+${formatDuration(Math.max(0, logUs(l) - t0))})${mark}`;
}

/** Renders a trace as lines: one per span, children indented under their parent, logs under their span. */
export function renderTrace(trace: TraceView): string[] {
  const all: SpanNode[] = [];
  const collect = (n: SpanNode) => {
    all.push(n);
    n.children.forEach(collect);
  };
  trace.spans.forEach(collect);
  const starts = [...all.map((s) => s.startTimeUs), ...trace.logs.map(logUs)];
  const t0 = starts.length > 0 ? Math.min(...starts) : 0;
  const logCount = all.reduce((n, s) => n + s.logs.length, trace.logs.length);
  const lines = [`trace ${trace.traceId}  ${all.length} spans, ${logCount} logs`];
  const walk = (s: SpanNode, prefix: string, last: boolean, depth: number) => {
    const branch = depth === 0 ? '' : last ? '└─ ' : '├─ ';
    const mark = s.status.code === 'error' ? `  ✗ ERROR${s.status.message ? `: ${s.status.message}` : ''}` : '';
    lines.push(`${prefix}${branch}${s.service}: ${s.name}  ${formatDuration(s.durationUs)}  (+${formatDuration(s.startTimeUs - t0)})${mark}`);
    const inner = depth === 0 ? '' : prefix + (last ? '   ' : '│  ');
    const bar = s.children.length > 0 ? '│  ' : '   ';
    for (const l of s.logs) lines.push(`${inner}${bar}· ${logLine(l, t0)}`);
    s.children.forEach((k, i) => walk(k, inner, i === s.children.length - 1, depth + 1));
  };
  trace.spans.forEach((r, i) => walk(r, '', i === trace.spans.length - 1, 0));
  if (trace.logs.length > 0) {
    lines.push('logs of the trace without a span:');
    for (const l of trace.logs) lines.push(`  · ${l.service}: ${logLine(l, t0)}`);
  }
  if (trace.exemplars.length > 0) {
    lines.push('metric exemplars pointing at this trace:');
    for (const e of trace.exemplars) {
      const labels = Object.entries(e.labels).map(([k, v]) => `${k}="${v}"`).join(',');
      const span = e.exemplar.spanId ? ` (span ${e.exemplar.spanId})` : '';
      lines.push(`  ◆ ${e.metric}{${labels}} ${e.value ?? 'NaN'}, exemplar ${e.exemplar.value ?? 'NaN'}${span}`);
    }
  }
  return lines;
}

/** Fetches a trace from the native query API (with a bearer token when Braid asks for one); undefined when it does not exist. */
export async function fetchTrace(baseUrl: string, traceId: string, token?: string): Promise<TraceView | undefined> {
  const res = await fetch(`${baseUrl.replace(/\/$/, '')}/braid/v1/traces/${encodeURIComponent(traceId)}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (res.status === 404) return undefined;
  const body = (await res.json()) as TraceView & { error?: { message: string } };
  const hint = res.status === 401 ? (token ? ' (the token was refused)' : ' (Braid asks for a token: set BRAID_TOKEN or --token-file)') : '';
  if (!res.ok) throw new Error(`query API answered ${res.status}: ${body.error?.message ?? ''}${hint}`);
  return body;
}
