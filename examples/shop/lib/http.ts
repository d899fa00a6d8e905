// HTTP server and client spans made by hand around node:http: W3C trace context is extracted
// from incoming headers and injected into outgoing ones, so one request is one trace across the
// four processes.
import http from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';

/** An answer with a status code other than 2xx, thrown by handlers. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** A parsed request as handlers see it. */
export interface ShopRequest {
  params: Record<string, string>;
  body: unknown;
}

/** A handler's answer. */
export interface ShopReply {
  status?: number;
  body: unknown;
}

/** One business route; each request to it is a SERVER span named "<METHOD> <pattern>". */
export interface Route {
  method: 'GET' | 'POST';
  /** Path with `:name` parameters, e.g. `/users/:id`. */
  pattern: string;
  handler: (req: ShopRequest) => Promise<ShopReply>;
}

/** Matches a path against a pattern; the parameters, or undefined. */
export function matchRoute(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i] as string;
    const value = got[i] as string;
    if (part.startsWith(':')) {
      if (value === '') return undefined;
      params[part.slice(1)] = decodeURIComponent(value);
    } else if (part !== value) return undefined;
  }
  return params;
}

/** Marks a span failed when the status is 5xx (OTel HTTP semantic conventions). */
export function setHttpStatus(span: Span, status: number): void {
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
}

/** Records a thrown error on a span and marks it failed. */
export function recordError(span: Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/** Reads a JSON request body (at most 1 MiB); an empty body is undefined. */
export async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1 << 20) throw new HttpError(413, 'request body larger than 1 MiB');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

/** Writes a JSON answer. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Runs a route's handler inside a SERVER span whose parent comes from the request's
 * traceparent; returns the status answered and the span, for metrics. */
export async function serveTraced(
  tracer: Tracer,
  route: Route,
  params: Record<string, string>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<{ status: number; span: Span }> {
  const parent = propagation.extract(context.active(), req.headers);
  const url = new URL(req.url ?? '/', 'http://localhost');
  const span = tracer.startSpan(`${route.method} ${route.pattern}`, {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': route.method,
      'http.route': route.pattern,
      'url.path': url.pathname,
      'url.scheme': 'http',
      'server.address': req.socket.localAddress ?? '127.0.0.1',
      'server.port': req.socket.localPort ?? 0,
      'network.peer.address': req.socket.remoteAddress ?? '',
    },
  }, parent);
  let status = 500;
  await context.with(trace.setSpan(parent, span), async () => {
    let body: unknown;
    try {
      const reply = await route.handler({ params, body: await readJson(req) });
      status = reply.status ?? 200;
      body = reply.body;
    } catch (err) {
      status = err instanceof HttpError ? err.status : 500;
      body = { error: err instanceof Error ? err.message : String(err) };
      if (!(err instanceof HttpError)) recordError(span, err);
    }
    setHttpStatus(span, status);
    sendJson(res, status, body);
  });
  span.end();
  return { status, span };
}

/** A peer's answer. */
export interface PeerReply {
  status: number;
  body: unknown;
}

/** Calls a peer inside a CLIENT span named "<METHOD> <route>", with the trace context in the
 * headers. A network failure becomes HttpError 502; the caller decides what a status means. */
export async function callPeer(
  tracer: Tracer,
  peer: string,
  method: 'GET' | 'POST',
  baseUrl: string,
  route: string,
  path: string,
  body?: unknown,
): Promise<PeerReply> {
  const url = new URL(path, baseUrl);
  return tracer.startActiveSpan(`${method} ${route}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': method,
      'url.full': url.href,
      'server.address': url.hostname,
      'server.port': Number(url.port),
      'peer.service': peer,
    },
  }, async (span) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    propagation.inject(context.active(), headers);
    try {
      const res = await fetch(url, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      setHttpStatus(span, res.status);
      return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    } catch (err) {
      recordError(span, err);
      throw new HttpError(502, `${peer} unreachable: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      span.end();
    }
  });
}
