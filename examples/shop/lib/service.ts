// The common life of a shop service: read the environment, start telemetry, serve the business
// routes plus /metrics, /healthz and /faults, stop cleanly on SIGTERM/SIGINT.
import http from 'node:http';
import type { Tracer } from '@opentelemetry/api';
import { defaultFaults, FaultValidationError, validateFaults, type FaultSwitches, type ServiceName } from './faults.js';
import { HttpError, matchRoute, readJson, sendJson, serveTraced, type Route } from './http.js';
import { createLogger, type Logger } from './log.js';
import { createShopMetrics } from './metrics.js';
import { startTelemetry } from './telemetry.js';

/** What a service reads from its environment. */
export interface ServiceEnv {
  port: number;
  otlpGrpc: string;
  serviceName: string;
  /** Peers' base URLs by variable (SHOP_USER_URL ...), when set. */
  peers: Partial<Record<'user' | 'product' | 'payment', string>>;
  logFile?: string;
  otlpHttp?: string;
}

/** Bad environment; the message names the variable. */
export class ServiceEnvError extends Error {}

function url(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (!/^https?:\/\/[^/]+/.test(value)) throw new ServiceEnvError(`${name}: must be an http(s) URL, got "${value}"`);
  return value;
}

/** Reads SHOP_PORT, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, SHOP_*_URL, SHOP_LOG_FILE and
 * BRAID_OTLP_HTTP; `service` is the default service name. */
export function readServiceEnv(service: ServiceName, env: NodeJS.ProcessEnv): ServiceEnv {
  const portText = env.SHOP_PORT ?? '0';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) throw new ServiceEnvError(`SHOP_PORT: must be a port number 0-65535, got "${portText}"`);
  const peers: ServiceEnv['peers'] = {};
  for (const peer of ['user', 'product', 'payment'] as const) {
    const value = url(env, `SHOP_${peer.toUpperCase()}_URL`);
    if (value !== undefined) peers[peer] = value;
  }
  const logFile = env.SHOP_LOG_FILE === '' ? undefined : env.SHOP_LOG_FILE;
  const otlpHttp = url(env, 'BRAID_OTLP_HTTP');
  return {
    port,
    otlpGrpc: url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? 'http://127.0.0.1:4317',
    serviceName: env.OTEL_SERVICE_NAME || service,
    peers,
    ...(logFile !== undefined && { logFile }),
    ...(otlpHttp !== undefined && { otlpHttp }),
  };
}

/** What a service's routes get to work with. */
export interface ServiceContext {
  env: ServiceEnv;
  tracer: Tracer;
  log: Logger;
  /** The current switches; PUT /faults changes them in place. */
  faults: FaultSwitches;
}

/** How a service is made: its name, where its logs go, and its routes. */
export interface ServiceDefinition {
  name: ServiceName;
  /** 'stdout' (shipped by the shipper), 'file' (SHOP_LOG_FILE) or 'otlp' (BRAID_OTLP_HTTP). */
  logs: 'stdout' | 'file' | 'otlp';
  routes(ctx: ServiceContext): Route[];
}

/** Starts the service described by `def` from process.env; resolves once it listens. */
export async function runService(def: ServiceDefinition): Promise<http.Server> {
  const env = readServiceEnv(def.name, process.env);
  if (def.logs === 'file' && env.logFile === undefined) throw new ServiceEnvError('SHOP_LOG_FILE: must be set for this service');
  if (def.logs === 'otlp' && env.otlpHttp === undefined) throw new ServiceEnvError('BRAID_OTLP_HTTP: must be set for this service');
  const telemetry = startTelemetry(env.serviceName, env.otlpGrpc, def.logs === 'otlp' ? env.otlpHttp : undefined);
  const log = createLogger(env.serviceName, {
    stdout: def.logs !== 'file',
    ...(def.logs === 'file' && { file: env.logFile }),
    ...(telemetry.otlpLogger && { otlp: telemetry.otlpLogger }),
  });
  const ctx: ServiceContext = { env, tracer: telemetry.tracer, log, faults: defaultFaults(def.name) };
  const routes = def.routes(ctx);
  const metrics = createShopMetrics(env.serviceName);

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(err) });
    });
  });
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok', service: env.serviceName });
    if (path === '/metrics') {
      const { body, contentType } = await metrics.render(req.headers.accept);
      res.writeHead(200, { 'content-type': contentType });
      return void res.end(body);
    }
    if (path === '/faults') return faultsRoute(def.name, ctx, log, req, res);
    for (const route of routes) {
      const params = req.method === route.method ? matchRoute(route.pattern, path) : undefined;
      if (params === undefined) continue;
      const started = performance.now();
      const { status, span } = await serveTraced(telemetry.tracer, route, params, req, res);
      metrics.observe(route.pattern, status, (performance.now() - started) / 1000, span.spanContext());
      return;
    }
    sendJson(res, 404, { error: `no route ${req.method ?? ''} ${path}` });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.port, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : env.port;
  log.log('info', `${env.serviceName} listening on 127.0.0.1:${port}`, { port });
  const stop = (signal: string): void => {
    log.log('info', `${env.serviceName} stopping (${signal})`);
    server.close();
    server.closeAllConnections();
    void telemetry.shutdown().finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return server;
}

async function faultsRoute(
  name: ServiceName,
  ctx: ServiceContext,
  log: Logger,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  if (req.method === 'GET') return sendJson(res, 200, ctx.faults);
  if (req.method !== 'PUT') return sendJson(res, 405, { error: 'use GET or PUT on /faults' });
  try {
    const changes = validateFaults(name, await readJson(req));
    Object.assign(ctx.faults, changes);
    log.log('warn', `fault switches set: ${JSON.stringify(ctx.faults)}`, { faults: ctx.faults });
    sendJson(res, 200, ctx.faults);
  } catch (err) {
    if (err instanceof FaultValidationError || err instanceof HttpError) return sendJson(res, 400, { error: err.message });
    throw err;
  }
}
