/**
 * Bounded load through the collector: OTLP/HTTP JSON requests of spans and log records with
 * known IDs. A request answered with a retryable code (429, 502, 503, 504), a connection error or
 * a timeout is sent again, the very same body, as an OTLP exporter does (the OTel Collector's
 * exporterhelper: exponential backoff with jitter, Retry-After honoured, 5 minutes at most; the
 * first wait is 0.5 s instead of its 5 s to keep the run short). Every attempt is counted.
 */
import { randomBytes } from 'node:crypto';

const hex = (n: number) => randomBytes(n).toString('hex');
const RETRYABLE = new Set([429, 502, 503, 504]);
const MAX_ELAPSED_MS = 300_000;

/** What one fault's load sent and what came back. */
export interface LoadResult {
  /** Span IDs sent, and those whose request got a 2xx. */
  spansSent: Set<string>;
  spansAcked: Set<string>;
  /** Log IDs (the record's message) sent and acknowledged. */
  logsSent: Set<string>;
  logsAcked: Set<string>;
  requests: number;
  /** Attempts after the first, by cause (`503`, `timeout`, `ECONNREFUSED`...). */
  retries: Map<string, number>;
  /** Requests given up after MAX_ELAPSED_MS or refused for good (4xx), with the reason. */
  failed: string[];
}

/** Options of one load run. */
export interface LoadOptions {
  otlpHttp: string;
  /** service.name of every record: the fault's name, so its records are counted apart. */
  service: string;
  /** Requests of each kind (spans, logs) each sender makes. */
  requestsPerSender: number;
  senders: number;
  /** Traces per span request (5 spans each; one log record per trace in the log request). */
  tracesPerRequest: number;
  /** Pause between two requests of one sender. */
  pauseMs: number;
  /** Aborted: no new request starts (those under way still retry to the end). */
  stop?: AbortSignal;
  /** Aborted: retries give up too. */
  signal?: AbortSignal;
}

/** A fresh, empty result. */
export function emptyLoad(): LoadResult {
  return { spansSent: new Set(), spansAcked: new Set(), logsSent: new Set(), logsAcked: new Set(), requests: 0, retries: new Map(), failed: [] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });

function traceRequests(service: string, traces: number): { spans: object; spanIds: string[]; logs: object; logIds: string[] } {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans: object[] = [];
  const records: object[] = [];
  const spanIds: string[] = [];
  const logIds: string[] = [];
  for (let t = 0; t < traces; t++) {
    const traceId = hex(16);
    const root = hex(8);
    for (let i = 0; i < 5; i++) {
      const spanId = i === 0 ? root : hex(8);
      spanIds.push(spanId);
      const start = now - 1_000_000_000n + BigInt(i) * 1_000_000n;
      spans.push({ traceId, spanId, ...(i === 0 ? {} : { parentSpanId: root }), name: `op${i}`, kind: i === 0 ? 2 : 3, startTimeUnixNano: String(start), endTimeUnixNano: String(start + 5_000_000n), attributes: [attr('chaos.service', service)] });
    }
    const logId = `chaos-log-${hex(12)}`;
    logIds.push(logId);
    records.push({ timeUnixNano: String(now), severityNumber: 9, severityText: 'INFO', body: { stringValue: logId }, traceId, spanId: root });
  }
  const resource = { attributes: [attr('service.name', service)] };
  return {
    spans: { resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'chaos' }, spans }] }] },
    spanIds,
    logs: { resourceLogs: [{ resource, scopeLogs: [{ scope: { name: 'chaos' }, logRecords: records }] }] },
    logIds,
  };
}

/** Sends one body until a 2xx, a permanent refusal, or MAX_ELAPSED_MS; true when acknowledged. */
export async function sendWithRetry(url: string, body: string, result: LoadResult, signal?: AbortSignal): Promise<boolean> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    let cause: string;
    let retryAfterMs = 0;
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      if (res.status >= 200 && res.status < 300) {
        if (/"rejected(Spans|LogRecords)":\s*"?[1-9]/.test(text)) result.failed.push(`partial success: ${text.slice(0, 200)}`);
        return true;
      }
      if (!RETRYABLE.has(res.status)) {
        result.failed.push(`${res.status}: ${text.slice(0, 200)}`);
        return false;
      }
      cause = String(res.status);
      retryAfterMs = Number(res.headers.get('retry-after') ?? '0') * 1000;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      cause = e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.name);
    }
    result.retries.set(cause, (result.retries.get(cause) ?? 0) + 1);
    // Exponential backoff (x1.5, at most 10 s) with +-50% jitter, as the Collector's exporterhelper.
    const backoff = Math.min(500 * 1.5 ** attempt, 10_000) * (0.5 + Math.random());
    const wait = Math.max(backoff, Number.isFinite(retryAfterMs) ? retryAfterMs : 0);
    if (Date.now() + wait - started > MAX_ELAPSED_MS || signal?.aborted) {
      result.failed.push(`given up after ${attempt + 1} attempts (last: ${cause})`);
      return false;
    }
    await sleep(wait);
  }
}

/** Runs `senders` loops of span and log requests; resolves when all are answered for good. */
export async function runLoad(o: LoadOptions, result: LoadResult = emptyLoad()): Promise<LoadResult> {
  const sender = async () => {
    for (let i = 0; i < o.requestsPerSender && !o.stop?.aborted && !o.signal?.aborted; i++) {
      const r = traceRequests(o.service, o.tracesPerRequest);
      for (const id of r.spanIds) result.spansSent.add(id);
      for (const id of r.logIds) result.logsSent.add(id);
      result.requests += 2;
      const [spansOk, logsOk] = await Promise.all([
        sendWithRetry(`${o.otlpHttp}/v1/traces`, JSON.stringify(r.spans), result, o.signal),
        sendWithRetry(`${o.otlpHttp}/v1/logs`, JSON.stringify(r.logs), result, o.signal),
      ]);
      if (spansOk) for (const id of r.spanIds) result.spansAcked.add(id);
      if (logsOk) for (const id of r.logIds) result.logsAcked.add(id);
      if (o.pauseMs > 0) await sleep(o.pauseMs);
    }
  };
  await Promise.all(Array.from({ length: o.senders }, sender));
  return result;
}
