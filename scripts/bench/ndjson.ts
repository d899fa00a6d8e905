/**
 * Parse throughput of the NDJSON logs receiver (parseNdjsonLogs: exact JSON parse, field
 * recognition, grouping by service) over bodies of 100 lines, each with a ~200-byte message, in
 * the two shapes most often sent: ECS (ecs-logging, Filebeat: RFC 3339 `@timestamp`, `log.level`,
 * dotted and nested fields) and pino (epoch-millisecond `time`, numeric `level`, `msg`). JSON.parse
 * of the same lines is printed as a reference: it maps nothing and rounds integers past 2^53.
 * Prints records/s, median of 5 runs of 1 s. Run: npx tsx scripts/bench/ndjson.ts
 */
import { parseNdjsonLogs } from '../../src/receivers/ndjson/parse.js';
import { measure as measureRate } from './measure.js';

const LINES = 100;
const MESSAGE_BYTES = 200;
const RUNS = 5;
const RUN_MS = 1000;
const RECEIVED_NS = 1_700_000_001_000_000_000n;
const T0_MS = 1_700_000_000_000;

function hex(n: number, chars: number): string {
  return n.toString(16).padStart(chars, '0');
}

/** A request-log message of exactly MESSAGE_BYTES characters, different on each line. */
function message(i: number): string {
  const text =
    `GET /api/v1/orders/${1000 + i} completed with status 200 in ${(12.345 + i).toFixed(3)} ms; customer=cust-${String(i).padStart(5, '0')} ` +
    'cart_items=3 payment_provider=stripe region=eu-west-1 cache=miss retries=0 user_agent="Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"';
  return text.slice(0, MESSAGE_BYTES).padEnd(MESSAGE_BYTES, '.');
}

/** A line as @elastic/ecs-pino-format and other ECS loggers write it. */
function ecsLine(i: number): string {
  return JSON.stringify({
    '@timestamp': new Date(T0_MS + i).toISOString(),
    'log.level': i % 10 === 0 ? 'warn' : 'info',
    message: message(i),
    'ecs.version': '8.10.0',
    service: { name: 'orders', version: '4.2.1', environment: 'production' },
    'event.dataset': 'orders.log',
    process: { pid: 4242 },
    host: { hostname: 'orders-7f9c8d-abcde' },
    log: { logger: 'orders.http' },
    trace: { id: hex(0x5b8efff7 + Math.floor(i / 10), 32) },
    transaction: { id: hex(0xeee19b7e + Math.floor(i / 10), 16) },
    span: { id: hex(0xeee19b7e + i, 16) },
    http: { request: { method: 'GET' }, response: { status_code: 200 } },
    url: { path: `/api/v1/orders/${1000 + i}` },
  });
}

/** A line as pino writes it, with a child logger's bindings and an OTel mixin's trace context. */
function pinoLine(i: number): string {
  return JSON.stringify({
    level: i % 10 === 0 ? 40 : 30,
    time: T0_MS + i,
    pid: 4242,
    hostname: 'orders-7f9c8d-abcde',
    name: 'orders',
    reqId: `req-${1000 + i}`,
    trace_id: hex(0x5b8efff7 + Math.floor(i / 10), 32),
    span_id: hex(0xeee19b7e + i, 16),
    trace_flags: '01',
    msg: message(i),
  });
}

function body(line: (i: number) => string): string {
  return Array.from({ length: LINES }, (_, i) => line(i)).join('\n') + '\n';
}

const measure = (fn: () => unknown): number => measureRate(fn, LINES, { runs: RUNS, runMs: RUN_MS, warmup: 200 });

/** Fails unless every line became a record with its time, severity and trace ID recognised. */
function selfCheck(name: string, text: string): void {
  const { data, accepted, errors } = parseNdjsonLogs(text, RECEIVED_NS);
  const first = data.resourceLogs[0]?.scopeLogs[0]?.logRecords[0];
  if (accepted !== LINES || errors.length > 0 || !first || first.timeUnixNano !== BigInt(T0_MS) * 1_000_000n || first.severityNumber === 0 || first.traceId === '') {
    throw new Error(`${name}: parse self-check failed`);
  }
}

const ecs = body(ecsLine);
const pino = body(pinoLine);
selfCheck('ECS', ecs);
selfCheck('pino', pino);

const jsonParseLines = (text: string) => () => {
  for (const line of text.split('\n')) if (line !== '') JSON.parse(line);
};
const fmt = (n: number): string => `${Math.round(n).toLocaleString('en-US').padStart(12)} records/s`;
const avg = (text: string): number => Math.round(text.length / LINES);
console.log(`body: ${LINES} lines with a ${MESSAGE_BYTES}-byte message; ECS ${avg(ecs)} bytes/line, pino ${avg(pino)} bytes/line; median of ${RUNS} runs of ${RUN_MS} ms (node ${process.version})`);
console.log(`parseNdjsonLogs ECS                ${fmt(measure(() => parseNdjsonLogs(ecs, RECEIVED_NS)))}`);
console.log(`parseNdjsonLogs pino               ${fmt(measure(() => parseNdjsonLogs(pino, RECEIVED_NS)))}`);
console.log(`JSON.parse per line ECS (ref.)     ${fmt(measure(jsonParseLines(ecs)))}`);
console.log(`JSON.parse per line pino (ref.)    ${fmt(measure(jsonParseLines(pino)))}`);
