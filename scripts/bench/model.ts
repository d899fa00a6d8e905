/**
 * Throughput of the OTLP trace codecs over a realistic request (100 spans x 10 attributes, a
 * resource of 8 attributes, some events and links). Prints spans/s, median of 5 runs.
 * Run: npx tsx scripts/bench/model.ts
 */
import { parseTraceRequestJson, traceRequestToJson } from '../../src/model/otlp/trace-json.js';
import { decodeTraceRequest, encodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import { countSpans, type Span, type TracesData } from '../../src/model/trace.js';
import { measure as measureRate } from './measure.js';

const SPANS = 100;
const RUNS = 5;
const RUN_MS = 1000;

function hex(n: number, chars: number): string {
  return n.toString(16).padStart(chars, '0');
}

/** A request shaped like an instrumented HTTP service's export batch. */
function request(): TracesData {
  const spans: Span[] = [];
  for (let i = 0; i < SPANS; i++) {
    const trace = Math.floor(i / 10);
    const start = 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n;
    spans.push({
      traceId: hex(0x5b8efff7 + trace, 32), spanId: hex(0xeee19b7e + i, 16), traceState: '',
      parentSpanId: i % 10 === 0 ? '' : hex(0xeee19b7e + i - 1, 16), flags: 0x101,
      name: i % 10 === 0 ? 'GET /api/v1/orders/{id}' : `SELECT orders.db ${i % 3}`, kind: i % 10 === 0 ? 2 : 3,
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

const measure = (fn: () => unknown): number => measureRate(fn, SPANS, { runs: RUNS, runMs: RUN_MS, warmup: 200 });

const data = request();
const proto = encodeTraceRequest(data);
const jsonText = JSON.stringify(traceRequestToJson(data));
const jsonBody: unknown = JSON.parse(jsonText);
if (countSpans(decodeTraceRequest(proto)) !== SPANS || countSpans(parseTraceRequestJson(jsonBody)) !== SPANS) throw new Error('codec self-check failed');

const fmt = (n: number): string => `${Math.round(n).toLocaleString('en-US').padStart(12)} spans/s`;
console.log(`request: ${SPANS} spans x 10 attributes; protobuf ${proto.length} bytes, JSON ${jsonText.length} bytes; median of ${RUNS} runs of ${RUN_MS} ms (node ${process.version})`);
console.log(`decodeTraceRequest                 ${fmt(measure(() => decodeTraceRequest(proto)))}`);
console.log(`encodeTraceRequest                 ${fmt(measure(() => encodeTraceRequest(data)))}`);
console.log(`parseTraceRequestJson              ${fmt(measure(() => parseTraceRequestJson(jsonBody)))}`);
console.log(`JSON.parse + parseTraceRequestJson ${fmt(measure(() => parseTraceRequestJson(JSON.parse(jsonText))))}`);
