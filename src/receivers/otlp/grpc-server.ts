/**
 * A gRPC server for unary methods on node:http2 (cleartext HTTP/2 with prior knowledge, as gRPC
 * clients speak it without TLS). One function creates the HTTP/2 server, so TLS
 * (http2.createSecureServer) and a per-call metadata check can be added in one place later.
 * HTTP/1.x connections get a plain 505 answer instead of HTTP/2 bytes; close() sends GOAWAY,
 * waits for calls in flight and forces after `forceAfterMs`.
 */
import { createServer as createNetServer, type Socket } from 'node:net';
import { createServer as createHttp2Server, type Http2Server, type Http2Session, type ServerOptions } from 'node:http2';
import type { BraidError } from '../../errors.js';
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

/** The one place the HTTP/2 server is created (issue 14: TLS goes here). */
function createTransport(s: GrpcServerSettings): Http2Server {
  return createHttp2Server(http2Options(s));
}

/** Starts a gRPC server with `routes` (path -> unary handler). */
export async function startGrpcServer(settings: GrpcServerSettings, routes: ReadonlyMap<string, UnaryHandler>, hooks: GrpcServerHooks): Promise<GrpcServer> {
  const h2 = createTransport(settings);
  const sessions = new Set<Http2Session>();
  const pending = new Set<Socket>();
  const running = new Set<Promise<unknown>>();
  const ctx: CallContext = {
    routes,
    maxRecvMsgBytes: settings.maxRecvMsgBytes,
    receiving: { bytes: 0, budget: settings.receivingBudgetBytes ?? 32 * settings.maxRecvMsgBytes },
    refused: hooks.refused,
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
  // Cleartext HTTP/2 starts with the client preface; anything else is answered as HTTP/1.1.
  const tcp = createNetServer((socket) => {
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
}

/** Stops listening, sends GOAWAY, waits for calls in flight; after `forceAfterMs` drops what is left. */
async function closeAll(tcp: ReturnType<typeof createNetServer>, sessions: Set<Http2Session>, pending: Set<Socket>, running: Set<Promise<unknown>>, forceAfterMs: number): Promise<void> {
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
