/**
 * The benchmark's OTLP request: 100 spans in 10 traces of 10 spans (a server root in `frontend`,
 * client and internal children in `orders`), with the attributes HTTP and database
 * instrumentation typically set. IDs are random, so each call makes new traces.
 */
import { randomBytes } from 'node:crypto';
import { encodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import type { ResourceSpans, Span } from '../../src/model/trace.js';

export const SPANS_PER_REQUEST = 100;
const SPANS_PER_TRACE = 10;

const id = (n: number) => randomBytes(n).toString('hex');
const base = (traceId: string, parent: string, name: string, kind: number, startNs: bigint, durNs: bigint, attributes: Span['attributes']): Span => ({
  traceId, spanId: id(8), traceState: '', parentSpanId: parent, flags: 1, name, kind, startTimeUnixNano: startNs, endTimeUnixNano: startNs + durNs,
  attributes, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
});

function resource(service: string, spans: Span[]): ResourceSpans {
  return {
    resource: { attributes: { 'service.name': service, 'service.version': '1.4.2', 'host.name': 'bench-host-1', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '2.2.0' }, droppedAttributesCount: 0 },
    schemaUrl: '',
    scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-http', version: '0.208.0', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', spans }],
  };
}

/** One encoded ExportTraceServiceRequest of SPANS_PER_REQUEST spans. */
export function benchRequest(): Buffer {
  const frontend: Span[] = [];
  const orders: Span[] = [];
  const now = BigInt(Date.now()) * 1_000_000n;
  for (let t = 0; t < SPANS_PER_REQUEST / SPANS_PER_TRACE; t++) {
    const traceId = id(16);
    const start = now - BigInt(t) * 3_000_000n;
    const order = 1000 + Math.floor(Math.random() * 9000);
    const root = base(traceId, '', 'GET /api/orders/:id', 2, start, 48_000_000n, {
      'http.request.method': 'GET', 'http.route': '/api/orders/:id', 'url.path': `/api/orders/${order}`, 'url.scheme': 'https',
      'http.response.status_code': 200n, 'server.address': 'shop.example.com', 'server.port': 443n, 'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64)', 'client.address': '10.1.2.3',
    });
    frontend.push(root);
    const call = base(traceId, root.spanId, 'GET', 3, start + 1_000_000n, 45_000_000n, {
      'http.request.method': 'GET', 'url.full': `http://orders:8080/orders/${order}`, 'http.response.status_code': 200n, 'server.address': 'orders', 'server.port': 8080n,
    });
    frontend.push(call);
    const handler = base(traceId, call.spanId, 'GET /orders/:id', 2, start + 2_000_000n, 43_000_000n, {
      'http.request.method': 'GET', 'http.route': '/orders/:id', 'http.response.status_code': 200n, 'server.port': 8080n,
    });
    orders.push(handler);
    for (let i = 3; i < SPANS_PER_TRACE; i++) {
      orders.push(base(traceId, handler.spanId, i % 2 ? 'SELECT orders' : 'cache get', i % 2 ? 3 : 1, start + BigInt(i) * 4_000_000n, BigInt(1 + i) * 500_000n, i % 2
        ? { 'db.system': 'postgresql', 'db.namespace': 'shop', 'db.operation.name': 'SELECT', 'db.query.text': 'SELECT * FROM orders WHERE id = $1', 'server.address': 'pg-main', 'server.port': 5432n }
        : { 'cache.key': `order:${order}`, 'cache.hit': i % 3 === 0 }));
    }
  }
  return Buffer.from(encodeTraceRequest({ resourceSpans: [resource('frontend', frontend), resource('orders', orders)] }));
}
