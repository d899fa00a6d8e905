/**
 * A gRPC server for unary methods on node:http2: cleartext HTTP/2 with prior knowledge, as gRPC
 * clients speak it without TLS, or TLS with ALPN h2 when the process has server TLS (its
 * certificate reloaded by setSecureContext). Each call's `authorization` metadata is checked
 * before its body is read (UNAUTHENTICATED otherwise). HTTP/1.x connections get a plain 505
 * answer instead of HTTP/2 bytes; close() sends GOAWAY, waits for calls in flight and forces
 * after `forceAfterMs`.
 */
import { createServer as createNetServer, type Socket } from 'node:net';
import { createSecureServer, createServer as createHttp2Server, type Http2SecureServer, type Http2Server, type Http2Session, type ServerOptions } from 'node:http2';
import type { BraidError } from '../../errors.js';
import type { ListenerSecurity } from '../../security/index.js';
import type { Logger } from '../../telemetry/logger.js';
import { handleCall, type CallContext, type UnaryHandler } from './grpc-call.js';

/** Settings of a gRPC server. */
export interface GrpcServerSettings {
  host: string;
  port: number;
  maxRecvMsgBytes: number;
  /** Calls one connection may have in flight (SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams: number;
  /** How long close() waits for calls in flight before it drops their connections. */
  forceAfterMs: number;
  /** Bytes all calls together may hold while their messages arrive (default 32 x maxRecvMsgBytes). */
  receivingBudgetBytes?: number;
  /** Per-call auth and server TLS (src/security); absent: open, cleartext. */
  security?: ListenerSecurity;
}

/** A running gRPC server. */
export interface GrpcServer {
  port: number;
  /** GOAWAY to every connection, then waits for the calls in flight (forced after forceAfterMs). */
  close(): Promise<void>;
}

/** What the server reports to its owner. */
export interface GrpcServerHooks {
  refused(err: BraidError): void;
  log: Logger;
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const STREAM_WINDOW = 1024 * 1024;
const CONNECTION_WINDOW = 16 * 1024 * 1024;

/** HTTP/2 settings for many exporters, each with several calls of up to maxRecvMsgBytes in flight. */
function http2Options(s: GrpcServerSettings): ServerOptions {
  return {
    maxSessionMemory: 64,
    settings: { maxConcurrentStreams: s.maxConcurrentStreams, initialWindowSize: STREAM_WINDOW, maxFrameSize: 256 * 1024, maxHeaderListSize: 64 * 1024 },
  };
}

/** The one place the HTTP/2 server is created: TLS with ALPN h2 when the process has server TLS. */
function createTransport(s: GrpcServerSettings): Http2Server | Http2SecureServer {
  const tls = s.security?.tls;
  if (!tls) return createHttp2Server(http2Options(s));
  const server = createSecureServer({ ...http2Options(s), ...tls.options(), ALPNProtocols: ['h2'], allowHTTP1: false });
  tls.attach(server);
  // A TLS client that does not offer h2 (curl --http1.1, say) is told in HTTP/1.1 words.
  server.on('unknownProtocol', (socket) => refuseHttp1(socket));
  return server;
}

/** The per-call check of `security`, counting refusals as listener otlp-grpc. */
function callAuth(security: ListenerSecurity | undefined): CallContext['authenticate'] {
  if (!security || security.auth.open) return undefined;
  return (headers, remoteAddress) => {
    const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
    const r = security.auth.authenticate({ authorization: one(headers.authorization), scopeOrgId: one(headers['x-scope-orgid']), remoteAddress });
    if (!r.ok) security.refused('otlp-grpc', r.reason);
    return r;
  };
}

/** Starts a gRPC server with `routes` (path -> unary handler). */
export async function startGrpcServer(settings: GrpcServerSettings, routes: ReadonlyMap<string, UnaryHandler>, hooks: GrpcServerHooks): Promise<GrpcServer> {
  const h2 = createTransport(settings);
  const sessions = new Set<Http2Session>();
  const pending = new Set<Socket>();
  const running = new Set<Promise<unknown>>();
  const authenticate = callAuth(settings.security);
  const ctx: CallContext = {
    routes,
    maxRecvMsgBytes: settings.maxRecvMsgBytes,
    receiving: { bytes: 0, budget: settings.receivingBudgetBytes ?? 32 * settings.maxRecvMsgBytes },
    refused: hooks.refused,
    ...(authenticate ? { authenticate } : {}),
    track(done) {
      running.add(done);
      void done.finally(() => running.delete(done));
    },
  };
  h2.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('error', (err) => hooks.log.debug({ err: err.message }, 'grpc connection error'));
    session.once('close', () => sessions.delete(session));
    session.setLocalWindowSize(CONNECTION_WINDOW);
  });
  h2.on('stream', (stream, headers) => handleCall(stream, headers, ctx));
  // TLS: the secure server listens itself (ALPN picks h2). Cleartext: the preface decides below.
  const tcp = settings.security?.tls ? (h2 as Http2SecureServer) : createNetServer((socket) => {
    pending.add(socket);
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      pending.delete(socket);
      socket.pause();
      const n = Math.min(first.length, PREFACE.length);
      if (first.subarray(0, n).equals(PREFACE.subarray(0, n))) {
        socket.unshift(first);
        h2.emit('connection', socket);
      } else refuseHttp1(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(settings.port, settings.host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const port = (tcp.address() as { port: number }).port;
  return { port, close: () => closeAll(tcp, sessions, pending, running, settings.forceAfterMs) };
}

/** Answers an HTTP/1.x request on the gRPC port in words, then closes the connection. */
function refuseHttp1(socket: Socket): void {
  const body = 'This port speaks gRPC (HTTP/2 with prior knowledge); HTTP/1.x is not served here.\n';
  socket.end(`HTTP/1.1 505 HTTP Version Not Supported\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  // Read (and drop) what the client still sends, so its close is seen; a peer that never closes is cut after a second.
  socket.resume();
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/** Stops listening, sends GOAWAY, waits for calls in flight; after `forceAfterMs` drops what is left. */
async function closeAll(tcp: { close(cb: () => void): unknown }, sessions: Set<Http2Session>, pending: Set<Socket>, running: Set<Promise<unknown>>, forceAfterMs: number): Promise<void> {
  const listening = new Promise<void>((resolve) => tcp.close(() => resolve()));
  for (const s of pending) s.destroy();
  const closed = [...sessions].map((s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.close(resolve))));
  let force: NodeJS.Timeout | undefined;
  const forced = new Promise<void>((resolve) => {
    force = setTimeout(() => {
      for (const s of sessions) s.destroy();
      resolve();
    }, forceAfterMs);
  });
  await Promise.race([Promise.all([...closed, Promise.allSettled([...running])]), forced]);
  clearTimeout(force);
  await listening;
}
