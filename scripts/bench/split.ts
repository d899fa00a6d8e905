/**
 * Splitting a protobuf trace export by trace ID for the queue: the full decode + traceRecords
 * (decode, split, re-encode) against splitTraceRequestWire (walk, check, copy byte ranges), and
 * the wire split's assembly with direct Buffer writes against a ProtoWriter. 100 spans of 10
 * traces, ~10 attributes each; spans/s, median of 5 runs. Bytes allocated per request are measured
 * in a child process whose young generation is fixed at 64 MiB, so that windows of calls run
 * without a GC. Run: npx tsx scripts/bench/split.ts
 */
import { spawnSync } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { decodeTraceRequest, decodeTraceRequestLenient, encodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import { assembleRecords, scanTraceRequest, splitTraceRequestWire, type TraceRequestLayout } from '../../src/model/otlp/trace-wire.js';
import { ProtoWriter } from '../../src/model/protobuf/writer.js';
import type { Span, TracesData } from '../../src/model/trace.js';
import { traceRecords } from '../../src/receivers/trace-records.js';
import { measure as measureRate } from './measure.js';

const SPANS = 100;
const TRACES = 10;
const RUNS = 5;
const RUN_MS = 1000;
const MAX_BYTES = 1024 * 1024;

function hex(n: number, chars: number): string {
  return n.toString(16).padStart(chars, '0');
}

/** An instrumented HTTP service's export batch; `interleaved` mixes the traces as concurrent requests do. */
function request(interleaved: boolean): TracesData {
  const spans: Span[] = [];
  for (let i = 0; i < SPANS; i++) {
    const trace = interleaved ? i % TRACES : Math.floor(i / (SPANS / TRACES));
    const first = interleaved ? i < TRACES : i % (SPANS / TRACES) === 0;
    const start = 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n;
    spans.push({
      traceId: hex(0x5b8efff7 + trace, 32), spanId: hex(0xeee19b7e + i, 16), traceState: '',
      parentSpanId: first ? '' : hex(0xeee19b7e + i - 1, 16), flags: 0x101,
      name: first ? 'GET /api/v1/orders/{id}' : `SELECT orders.db ${i % 3}`, kind: first ? 2 : 3,
      startTimeUnixNano: start, endTimeUnixNano: start + 12_345_678n,
      attributes: {
        'http.request.method': 'GET', 'http.response.status_code': 200n, 'url.path': `/api/v1/orders/${1000 + i}`,
        'server.address': 'orders.internal.example.com', 'server.port': 8080n, 'network.protocol.version': '1.1',
        'db.system': 'postgresql', 'db.statement': 'SELECT id, status, total FROM orders WHERE id = $1',
        'app.cache.hit': i % 2 === 0, 'app.queue.wait_ms': 1.25 * i,
      },
      droppedAttributesCount: 0,
      events: i % 5 === 0 ? [{ timeUnixNano: start + 1000n, name: 'cache.miss', attributes: { 'cache.key': `order:${i}` }, droppedAttributesCount: 0 }] : [],
      droppedEventsCount: 0,
      links: i % 25 === 0 ? [{ traceId: hex(0xabcdef + i, 32), spanId: hex(0x1234 + i, 16), traceState: '', attributes: {}, droppedAttributesCount: 0, flags: 0x101 }] : [],
      droppedLinksCount: 0,
      status: i % 20 === 0 ? { code: 2, message: 'deadline exceeded' } : { code: 0, message: '' },
    });
  }
  return {
    resourceSpans: [{
      resource: {
        attributes: {
          'service.name': 'orders', 'service.version': '4.2.1', 'service.namespace': 'shop', 'deployment.environment.name': 'production',
          'host.name': 'orders-7f9c8d-abcde', 'k8s.pod.name': 'orders-7f9c8d-abcde', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.version': '2.1.0',
        },
        droppedAttributesCount: 0,
      },
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', spans }],
    }],
  };
}

/** The wire split's assembly done with a ProtoWriter (fork/ldelim) instead of sized Buffer writes, for comparison; no size cutting. */
function assembleWithWriter(l: TraceRequestLayout): Buffer[] {
  const w = new ProtoWriter(1024 * 1024); // large enough that raw copies never need to grow it
  const raw = (start: number, end: number): void => {
    w.pos += l.buf.copy(w.buf, w.pos, start, end);
  };
  const out: Buffer[] = [];
  for (const trace of l.traces) {
    w.reset();
    let curSs = -1, curRs = -1, ssAt = -1, rsAt = -1;
    for (const i of trace.spans) {
      const ss = l.spanScope[i]!;
      const rs = l.ssResource[ss]!;
      if (ss !== curSs) {
        if (ssAt >= 0) w.ldelim(ssAt);
        if (rs !== curRs) {
          if (rsAt >= 0) w.ldelim(rsAt);
          w.tag(1, 2);
          rsAt = w.fork();
          for (let k = l.rsFirst[rs]! * 2; k < l.rsLast[rs]! * 2; k += 2) raw(l.rsRanges[k]!, l.rsRanges[k + 1]!);
          curRs = rs;
        }
        w.tag(2, 2);
        ssAt = w.fork();
        for (let k = l.ssFirst[ss]! * 2; k < l.ssLast[ss]! * 2; k += 2) raw(l.ssRanges[k]!, l.ssRanges[k + 1]!);
        curSs = ss;
      }
      raw(l.spanStart[i]!, l.spanEnd[i]!);
    }
    w.ldelim(ssAt);
    w.ldelim(rsAt);
    out.push(Buffer.from(w.finish()));
  }
  return out;
}

const measure = (fn: () => unknown): number => measureRate(fn, SPANS, { runs: RUNS, runMs: RUN_MS, warmup: 300 });

/** Bytes allocated per call (heap plus ArrayBuffers), median over windows of calls during which no GC ran; undefined if too few were GC-free. */
async function allocatedPerCall(fn: () => unknown): Promise<number | undefined> {
  let gcs = 0;
  const obs = new PerformanceObserver((list) => (gcs += list.getEntries().length));
  obs.observe({ entryTypes: ['gc'] });
  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const calls = 100;
  const results: number[] = [];
  for (let attempt = 0; attempt < 15 && results.length < 7; attempt++) {
    for (let i = 0; i < 5; i++) fn();
    await tick();
    gcs = 0;
    const before = process.memoryUsage();
    for (let i = 0; i < calls; i++) fn();
    const after = process.memoryUsage();
    await tick(); // GC entries are delivered asynchronously
    if (gcs === 0) results.push((after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / calls);
  }
  obs.disconnect();
  if (results.length < 3) return undefined;
  results.sort((a, b) => a - b);
  return results[Math.floor(results.length / 2)];
}

const fmt = (n: number): string => `${Math.round(n).toLocaleString('en-US').padStart(12)} spans/s`;
const kib = (n: number | undefined): string => (n === undefined ? 'n/a (GC in every window)' : `${(n / 1024).toFixed(1)} KiB`);

/** The request of a scenario with its two paths, checked to produce one record per trace. */
function scenario(interleaved: boolean): { proto: Uint8Array; current: () => unknown; split: () => unknown } {
  const proto = encodeTraceRequest(request(interleaved));
  const wire = splitTraceRequestWire(proto, MAX_BYTES);
  const old = traceRecords(decodeTraceRequest(proto), MAX_BYTES);
  if (wire.records.length !== TRACES || old.length !== TRACES || wire.spans !== SPANS) throw new Error('self-check failed');
  return {
    proto,
    current: () => traceRecords(decodeTraceRequestLenient(proto).data, MAX_BYTES),
    split: () => splitTraceRequestWire(proto, MAX_BYTES),
  };
}

if (process.argv.includes('--alloc')) {
  for (const interleaved of [false, true]) {
    const { current, split } = scenario(interleaved);
    const a = await allocatedPerCall(current);
    const b = await allocatedPerCall(split);
    console.log(`allocated per request, traces ${interleaved ? 'interleaved' : 'contiguous '}: (a) ${kib(a)}, (b) ${kib(b)}`);
  }
} else {
  console.log(`${SPANS} spans in ${TRACES} traces x ${SPANS / TRACES}, ~10 attributes each; median of ${RUNS} runs of ${RUN_MS} ms (node ${process.version})`);
  for (const interleaved of [false, true]) {
    const { proto, current, split } = scenario(interleaved);
    console.log(`\ntraces ${interleaved ? 'interleaved' : 'contiguous'}; request ${proto.length} bytes`);
    console.log(`(a) decodeTraceRequestLenient + traceRecords ${fmt(measure(current))}`);
    console.log(`(b) splitTraceRequestWire                    ${fmt(measure(split))}`);
    console.log(`    of which scanTraceRequest (walk, check)  ${fmt(measure(() => scanTraceRequest(proto)))}`);
    const layout = scanTraceRequest(proto);
    console.log(`    assembly: sized Buffer writes (used)     ${fmt(measure(() => assembleRecords(layout, MAX_BYTES)))}`);
    console.log(`    assembly: ProtoWriter fork/ldelim        ${fmt(measure(() => assembleWithWriter(layout)))}`);
  }
  console.log('');
  const child = spawnSync(process.execPath, ['--min-semi-space-size=64', '--max-semi-space-size=64', '--import', 'tsx', fileURLToPath(import.meta.url), '--alloc'], { stdio: 'inherit' });
  if (child.status !== 0) process.exit(child.status ?? 1);
}
