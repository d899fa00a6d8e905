/**
 * The peers bench's load: telemetrygen processes at a fixed offered rate over OTLP/gRPC (10-span
 * traces, 100 spans per request), and a probe trace of known ID and spans sent by the bench itself.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeTraceRequest } from '../../../src/model/otlp/trace-proto.js';
import type { Span } from '../../../src/model/trace.js';
import { type Braid, grpcSender } from '../processes.js';
import { startProc } from './procs.js';

/** Spans per generated trace: a root and nine children (`--child-spans 9`). */
export const SPANS_PER_TRACE = 10;
/** Workers (goroutines) per telemetrygen process; each sends its own traces at rate/workers. */
const WORKERS = 2;

/** What a load run offered and what the generators say they produced. */
export interface LoadResult {
  /** Spans the generators produced (from their "traces generated" log lines). */
  generatedSpans: number;
  /** CPU seconds of the generator processes (children's user + system time of this process). */
  cpuSeconds: number;
  /** Exit codes that were not 0, with the process's log. */
  failures: string[];
}

/** Children's CPU time (cutime + cstime) of this process: every waited-for child's CPU, in seconds. */
function childrenCpuSeconds(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}

/**
 * Runs `processes` telemetrygen processes against `endpoint` for `seconds`, offering `spansPerSecond`
 * in total; resolves when all have exited (telemetrygen stops generating at the end of the duration,
 * then flushes what its batch processor holds).
 */
export async function runTelemetrygen(binary: string, endpoint: string, spansPerSecond: number, seconds: number, processes: number, logDir: string, tag: string): Promise<LoadResult> {
  // telemetrygen's --rate limits spans (its limiter is waited on for the root and for each child), per worker.
  const spansPerWorker = spansPerSecond / processes / WORKERS;
  const cpu0 = childrenCpuSeconds();
  const procs = Array.from({ length: processes }, (_, i) =>
    startProc(`telemetrygen ${tag} ${i}`, binary, [
      'traces', '--otlp-endpoint', endpoint, '--otlp-insecure', '--duration', `${seconds}s`, '--rate', spansPerWorker.toFixed(2),
      '--workers', String(WORKERS), '--child-spans', String(SPANS_PER_TRACE - 1), '--batch-size', '100', '--service', `peers-bench-${i}`, '--interval', '60s',
    ], {}, join(logDir, `telemetrygen-${tag}-${i}.log`)),
  );
  const codes = await Promise.all(procs.map((p) => p.exited));
  const cpuSeconds = childrenCpuSeconds() - cpu0;
  let traces = 0;
  for (const p of procs) for (const m of readFileSync(p.log, 'utf8').matchAll(/traces generated.*?"traces": (\d+)/g)) traces += Number(m[1]);
  const failures = procs.flatMap((p, i) => (codes[i] === 0 ? [] : [`${p.name} exited with ${codes[i]} (see ${p.log})`]));
  return { generatedSpans: traces * SPANS_PER_TRACE, cpuSeconds, failures };
}

/** A probe trace: a root and a chain of `spans - 1` children, all of service `peers-probe`. */
export interface Probe {
  traceId: string;
  spanIds: string[];
  body: Buffer;
}

/** Builds a probe trace of `spans` spans with random IDs, timed now. */
export function probeTrace(spans: number): Probe {
  const traceId = randomBytes(16).toString('hex');
  const now = BigInt(Date.now()) * 1_000_000n;
  const list: Span[] = [];
  for (let i = 0; i < spans; i++) {
    list.push({
      traceId, spanId: randomBytes(8).toString('hex'), traceState: '', parentSpanId: list[i - 1]?.spanId ?? '', flags: 1,
      name: `probe step ${i}`, kind: i === 0 ? 2 : 1, startTimeUnixNano: now + BigInt(i) * 1_000n, endTimeUnixNano: now + 1_000_000n,
      attributes: { 'probe.step': BigInt(i) }, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
    });
  }
  const resource = { attributes: { 'service.name': 'peers-probe' }, droppedAttributesCount: 0 };
  const scope = { name: 'braid-peers-bench', version: '1', attributes: {}, droppedAttributesCount: 0 };
  const body = Buffer.from(encodeTraceRequest({ resourceSpans: [{ resource, schemaUrl: '', scopeSpans: [{ scope, schemaUrl: '', spans: list }] }] }));
  return { traceId, spanIds: list.map((s) => s.spanId), body };
}

/** Sends the probe over OTLP/gRPC; rejects unless the collector answers OK. */
export async function sendProbe(probe: Probe, otlpGrpc: string): Promise<void> {
  // grpcSender reads only the gRPC address of the Braid it is given; Jaeger's collector speaks the same protocol.
  const sender = grpcSender({ grpc: otlpGrpc } as Braid);
  try {
    await sender.send(probe.body);
  } finally {
    sender.close();
  }
}

/** Reads the probe back through the Jaeger-style query API; returns the span IDs it is missing. */
export async function missingProbeSpans(probe: Probe, queryUrl: string): Promise<string[]> {
  const res = await fetch(`${queryUrl}/api/traces/${probe.traceId}`);
  if (res.status !== 200) return probe.spanIds;
  const body = (await res.json()) as { data?: Array<{ spans?: Array<{ spanID: string }> }> };
  const found = new Set((body.data ?? []).flatMap((t) => (t.spans ?? []).map((s) => s.spanID.padStart(16, '0'))));
  return probe.spanIds.filter((id) => !found.has(id));
}
