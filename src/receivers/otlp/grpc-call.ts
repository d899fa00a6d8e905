/**
 * One unary gRPC call on an HTTP/2 stream (grpc/grpc doc/PROTOCOL-HTTP2.md): request checks,
 * the length-prefixed message read from DATA frames of any size, decompression, the deadline,
 * and the answer (headers, message, trailers; errors as Trailers-Only). Every failure is a
 * BraidError whose gRPC status and message the client reads.
 */
import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { gunzip, inflate } from 'node:zlib';
import { BraidError } from '../../errors.js';
import { ACCEPT_ENCODING, frameHeader, parseGrpcTimeout, percentEncodeMessage, UnaryBodyReader, type UnaryBody } from './grpc-framing.js';
import { encodeStatus } from './status.js';
import { DEFAULT_TENANT } from '../../tenancy/tenant.js';

/** What a handler learns about its call: the caller's tenant (from its credentials; DEFAULT_TENANT when Braid runs open). */
export interface CallInfo {
  tenant: string;
}

/** A unary method: request message bytes and the call's tenant in, response message bytes out; rejects with a BraidError. */
export type UnaryHandler = (request: Buffer, call: CallInfo) => Promise<Uint8Array>;

/** What a call needs from its server. */
export interface CallContext {
  /** Unary methods by path (`/package.Service/Method`). */
  routes: ReadonlyMap<string, UnaryHandler>;
  maxRecvMsgBytes: number;
  /** Called once for each call answered with an error, and for calls the client cancelled. */
  refused(err: BraidError): void;
  /** Tracks the call until its handler has settled (close() waits for it). */
  track(done: Promise<unknown>): void;
  /** Bytes of messages still arriving, over all calls; a chunk that would pass `budget` is refused. */
  receiving: { bytes: number; readonly budget: number };
  /** The per-call auth check (src/security), before any of the body is read; absent: every call is DEFAULT_TENANT. */
  authenticate?(headers: IncomingHttpHeaders, remoteAddress: string | undefined): { ok: true; tenant: string } | { ok: false; error: BraidError };
}

const { HTTP2_HEADER_STATUS, HTTP2_HEADER_CONTENT_TYPE, HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, NGHTTP2_NO_ERROR } = constants;
const GRPC_CONTENT_TYPES = new Set(['application/grpc', 'application/grpc+proto']);
// gRPC clients never read a date header; node:http2 supports the option, its types do not name it.
const NO_DATE = { sendDate: false } as const;
// setTimeout's largest delay; a longer grpc-timeout is no deadline in practice.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The content type without parameters, lower-cased. */
const mediaType = (v: string | string[] | undefined) => String(v ?? '').split(';', 1)[0]!.trim().toLowerCase();

/** Handles one stream from its request headers to its last frame. */
export function handleCall(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, ctx: CallContext): void {
  // Errors of a stream the client reset are answered by nobody; the 'close' below accounts for them.
  stream.on('error', () => {});
  if (headers[HTTP2_HEADER_METHOD] !== 'POST') return refuseHttp(stream, ctx, 405, new BraidError('BRAID_ERR_GRPC_METHOD', `gRPC calls are POST requests, not ${String(headers[HTTP2_HEADER_METHOD])}`));
  const contentType = mediaType(headers[HTTP2_HEADER_CONTENT_TYPE]);
  if (!GRPC_CONTENT_TYPES.has(contentType)) {
    return refuseHttp(stream, ctx, 415, new BraidError('BRAID_ERR_HTTP_CONTENT_TYPE', `content-type ${JSON.stringify(headers[HTTP2_HEADER_CONTENT_TYPE] ?? '')} is not gRPC: send application/grpc or application/grpc+proto`));
  }
  new UnaryCall(stream, headers, ctx).start();
}

/** Answers a request that is not a gRPC call with a plain HTTP status (no grpc-status). */
function refuseHttp(stream: ServerHttp2Stream, ctx: CallContext, status: number, err: BraidError): void {
  ctx.refused(err);
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ [HTTP2_HEADER_STATUS]: status, [HTTP2_HEADER_CONTENT_TYPE]: 'text/plain; charset=utf-8', ...(status === 405 ? { allow: 'POST' } : {}) });
  stream.end(`${err.code}: ${err.message}\n`);
  stopReading(stream);
}

/** Resets the request half without error once the answer is on its way (RFC 9113 8.1). */
function stopReading(stream: ServerHttp2Stream): void {
  if (!stream.readableEnded && !stream.destroyed) stream.close(NGHTTP2_NO_ERROR);
}

class UnaryCall {
  private answered = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly reader: UnaryBodyReader;
  private readonly handler: UnaryHandler | undefined;
  /** This call's share of ctx.receiving. */
  private reserved = 0;
  /** The caller's tenant, from the per-call auth check. */
  private tenant: string = DEFAULT_TENANT;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly headers: IncomingHttpHeaders,
    private readonly ctx: CallContext,
  ) {
    this.reader = new UnaryBodyReader(ctx.maxRecvMsgBytes);
    this.handler = ctx.routes.get(String(headers[HTTP2_HEADER_PATH]));
  }

  start(): void {
    if (this.ctx.authenticate) {
      const auth = this.ctx.authenticate(this.headers, this.stream.session?.socket?.remoteAddress);
      if (!auth.ok) return this.fail(auth.error);
      this.tenant = auth.tenant;
    }
    const path = String(this.headers[HTTP2_HEADER_PATH]);
    if (!this.handler) return this.fail(new BraidError('BRAID_ERR_GRPC_UNIMPLEMENTED', unknownMethod(path, this.ctx.routes)));
    const encoding = String(this.headers['grpc-encoding'] ?? 'identity');
    if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate') {
      return this.fail(new BraidError('BRAID_ERR_GRPC_ENCODING', `grpc-encoding ${JSON.stringify(encoding)} is not supported; send one of ${ACCEPT_ENCODING}`));
    }
    const timeout = this.headers['grpc-timeout'];
    if (timeout !== undefined) {
      const ms = parseGrpcTimeout(String(timeout));
      if (ms === undefined) return this.fail(new BraidError('BRAID_ERR_GRPC_PROTOCOL', `malformed grpc-timeout ${JSON.stringify(timeout)}: expected 1 to 8 digits and a unit (H, M, S, m, u, n)`));
      if (ms < MAX_TIMER_MS) this.timer = setTimeout(() => this.fail(new BraidError('BRAID_ERR_GRPC_DEADLINE', `deadline of ${String(timeout)} exceeded before the export finished; its records may still be queued`)), ms);
    }
    this.stream.on('data', (chunk: Buffer) => {
      if (this.answered) return;
      const r = this.ctx.receiving;
      if (r.bytes + chunk.length > r.budget) return this.fail(new BraidError('BRAID_ERR_GRPC_BUSY', `the receiver holds ${r.bytes} bytes of requests still arriving (limit ${r.budget}); retry later`));
      r.bytes += chunk.length;
      this.reserved += chunk.length;
      const stop = this.reader.push(chunk);
      if (stop) this.fail(bodyError(stop));
    });
    this.stream.on('end', () => {
      this.release();
      const body = this.reader.end();
      // A connection that drops ends its streams before it marks them aborted: a cut-off body is
      // judged a tick later, when a vanished client has been counted as one.
      if (body.kind === 'truncated') setImmediate(() => void this.onBody(body));
      else void this.onBody(body);
    });
    this.stream.on('aborted', () => this.cancelled());
    this.stream.on('close', () => this.cancelled());
  }

  /** Hands this call's bytes back to the budget: the message is complete, or no longer wanted. */
  private release(): void {
    this.ctx.receiving.bytes -= this.reserved;
    this.reserved = 0;
  }

  /** The client reset the stream or went away before it was answered. */
  private cancelled(): void {
    this.release();
    clearTimeout(this.timer);
    if (this.answered) return;
    this.answered = true;
    this.ctx.refused(new BraidError('BRAID_ERR_GRPC_CANCELLED', 'the client cancelled the call or went away'));
  }

  private async onBody(body: UnaryBody): Promise<void> {
    if (this.answered) return;
    if (body.kind !== 'message') return this.fail(bodyError(body));
    const encoding = String(this.headers['grpc-encoding'] ?? 'identity');
    const call: CallInfo = { tenant: this.tenant };
    const run = (async () => this.handler!(body.compressed ? await decompress(body.message, encoding, this.ctx.maxRecvMsgBytes) : body.message, call))();
    this.ctx.track(run.catch(() => {}));
    try {
      this.succeed(await run);
    } catch (err) {
      this.fail(err instanceof BraidError ? err : new BraidError('BRAID_ERR_INTERNAL', `internal error: ${(err as Error).message}`, { cause: err }));
    }
  }

  private succeed(response: Uint8Array): void {
    if (this.answered || this.stream.destroyed) return;
    this.answered = true;
    clearTimeout(this.timer);
    const stream = this.stream;
    stream.respond({ [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc', 'grpc-accept-encoding': ACCEPT_ENCODING }, { waitForTrailers: true, ...NO_DATE });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    const head = frameHeader(response.length);
    stream.end(response.length === 0 ? head : Buffer.concat([head, response]));
  }

  /** Answers Trailers-Only with the error's status, message and google.rpc.Status details. */
  fail(err: BraidError): void {
    this.release();
    if (this.answered) return;
    this.answered = true;
    clearTimeout(this.timer);
    this.ctx.refused(err);
    const stream = this.stream;
    if (stream.destroyed || stream.headersSent) return;
    const message = `${err.code}: ${err.message}`;
    const retry = err.transient ? err.retryAfterSeconds : undefined;
    const trailers: OutgoingHttpHeaders = {
      [HTTP2_HEADER_STATUS]: 200,
      [HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      'grpc-accept-encoding': ACCEPT_ENCODING,
      'grpc-status': String(err.grpcStatus),
      'grpc-message': percentEncodeMessage(message),
      'grpc-status-details-bin': encodeStatus(err.grpcStatus, message, retry).toString('base64').replace(/=+$/, ''),
    };
    stream.respond(trailers, { endStream: true, ...NO_DATE });
    // A deadline or a refused body: the rest of the request is not wanted.
    stopReading(stream);
  }
}

/** grpc-go's wording: unknown service, or unknown method of a known service. */
function unknownMethod(path: string, routes: ReadonlyMap<string, UnaryHandler>): string {
  const slash = path.lastIndexOf('/');
  const service = path.slice(1, Math.max(slash, 1));
  const known = [...routes.keys()].some((p) => p.startsWith(`/${service}/`));
  return known ? `unknown method ${path.slice(slash + 1)} for service ${service}` : `unknown service ${service}`;
}

function bodyError(body: UnaryBody): BraidError {
  switch (body.kind) {
    case 'too-large':
      return new BraidError('BRAID_ERR_GRPC_MESSAGE_TOO_LARGE', `received message larger than max (${body.length} vs. ${body.max})`);
    case 'none':
      return new BraidError('BRAID_ERR_GRPC_PROTOCOL', 'cardinality violation: received no request message for a unary method');
    case 'several':
      return new BraidError('BRAID_ERR_GRPC_PROTOCOL', 'cardinality violation: received more than one request message for a unary method');
    case 'truncated':
      return new BraidError('BRAID_ERR_GRPC_PROTOCOL', `the request ended inside a message (${body.received} of ${body.expected} bytes)`);
    default:
      return new BraidError('BRAID_ERR_INTERNAL', 'unexpected body state');
  }
}

/** Inflates a compressed message, at most `max` bytes out. */
function decompress(message: Buffer, encoding: string, max: number): Promise<Buffer> {
  if (encoding === 'identity') return Promise.reject(new BraidError('BRAID_ERR_GRPC_PROTOCOL', 'the compressed flag is set but grpc-encoding is identity or absent'));
  const inflateFn = encoding === 'gzip' ? gunzip : inflate;
  return new Promise((resolve, reject) =>
    inflateFn(message, { maxOutputLength: max }, (err, out) => {
      if (!err) return resolve(out);
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return reject(new BraidError('BRAID_ERR_GRPC_MESSAGE_TOO_LARGE', `received message after decompression larger than max (${max} bytes)`));
      reject(new BraidError('BRAID_ERR_GRPC_PROTOCOL', `the ${encoding} message does not decompress: ${err.message}`, { cause: err }));
    }),
  );
}
