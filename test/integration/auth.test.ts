/**
 * Authentication on every listener of Braid (embedded: in-process queue, memory store), with real
 * clients: node:http (from 127.0.0.1 and, as a trusted proxy, from 127.0.0.2), the OTel SDK's gRPC
 * exporter with metadata. For each port: no token and a wrong token are refused in the port's
 * error shape before the body is read, and nothing of theirs is stored (checked through the query
 * API with the right token); the right token (Bearer or Basic) is accepted. Then the tokens
 * file's reloads, and a grep of the captured logs and metrics for every secret.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { startBraid, type RunningBraid } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { testConfig } from '../helpers/braid.js';
import { eventually, newSpanId, newTraceId, twoSpanTrace } from '../helpers/otlp.js';

const TOKEN = `acme-${randomBytes(12).toString('hex')}`;
const BETA_TOKEN = `beta-${randomBytes(12).toString('hex')}`;
const WRONG = `nope-${randomBytes(12).toString('hex')}`;
const ES_PASSWORD = `espw-${randomBytes(12).toString('hex')}`;
const REFUSAL = 'BRAID_ERR_AUTH_UNAUTHENTICATED: missing or invalid credentials';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Each WWW-Authenticate header line as sent (node joins repeated headers in `headers`). */
  challenges: string[];
  text: string;
}

/** One HTTP request by node:http, optionally from another local address (a proxy on 127.0.0.2). */
function send(url: string, options: { method?: string; headers?: OutgoingHttpHeaders; body?: string | Buffer; from?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? (options.body === undefined ? 'GET' : 'POST'), headers: options.headers ?? {}, ...(options.from ? { localAddress: options.from } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        challenges: res.rawHeaders.flatMap((v, i) => (i % 2 === 1 && res.rawHeaders[i - 1]!.toLowerCase() === 'www-authenticate' ? [v] : [])),
        text: Buffer.concat(chunks).toString('utf8'),
      }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const basic = (user: string, token: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}` });
const JSON_TYPE = { 'content-type': 'application/json' };
const zipkinSpans = (traceId: string) => JSON.stringify([{ traceId, id: newSpanId(), name: 'get /z', timestamp: Date.now() * 1000 - 1e6, duration: 1000, localEndpoint: { serviceName: 'zipkin-auth' } }]);

describe('auth on every listener', () => {
  let braid: RunningBraid;
  let dir: string;
  let tokensFile: string;
  const logs: string[] = [];
  const a = () => braid.addresses;
  const traceStatus = async (traceId: string, token = TOKEN) => (await send(`${a().query}/api/traces/${traceId}`, { headers: bearer(token) })).status;
  const metricsText = async () => (await send(`${a().admin}/metrics`, { headers: bearer(TOKEN) })).text;
  const failures = async (listener: string, reason: string) => Number(new RegExp(`braid_auth_failures_total\\{listener="${listener}",reason="${reason}"\\} (\\d+)`).exec(await metricsText())?.[1] ?? 0);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'braid-auth-'));
    tokensFile = join(dir, 'tokens');
    writeFileSync(tokensFile, `# test tenants\nacme:${TOKEN}\nbeta:${BETA_TOKEN}\n`);
    const config = validateConfig(
      testConfig({ auth: { tokens_file: tokensFile, trusted_proxies: ['127.0.0.2/32'] }, storage: { elasticsearch: { username: 'elastic', password: ES_PASSWORD } } }),
      'test',
    );
    const log = createLogger('debug', { write: (line: string) => void logs.push(line) });
    braid = await startBraid({ ...config, telemetry: { ...config.telemetry, log_level: 'debug' } }, { log });
  });

  afterAll(async () => {
    await braid?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('OTLP/HTTP: no token and a wrong one get 401 as google.rpc.Status (JSON or protobuf), nothing stored; the right token is stored', async () => {
    const refused = newTraceId();
    const body = JSON.stringify(twoSpanTrace(refused).body);
    const none = await send(`${a().otlpHttp}/v1/traces`, { headers: JSON_TYPE, body });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text)).toEqual({ code: 16, message: REFUSAL });
    expect(none.challenges).toEqual(['Basic realm="braid", charset="UTF-8"', 'Bearer realm="braid"']);
    expect((await send(`${a().otlpHttp}/v1/traces`, { headers: { ...JSON_TYPE, ...bearer(WRONG) }, body })).status).toBe(401);
    expect((await send(`${a().otlpHttp}/v1/traces`, { headers: { ...JSON_TYPE, ...basic('acme', WRONG) }, body })).status).toBe(401);
    // Refused before the body is read: a body that does not decode gets 401, not 400.
    const proto = await send(`${a().otlpHttp}/v1/traces`, { headers: { 'content-type': 'application/x-protobuf', ...bearer(WRONG) }, body: Buffer.from('not protobuf') });
    expect(proto.status).toBe(401);
    expect(proto.headers['content-type']).toBe('application/x-protobuf');
    expect(proto.text).toContain(REFUSAL);
    const ndjson = await send(`${a().otlpHttp}/v1/logs`, { headers: { 'content-type': 'application/x-ndjson' }, body: '{"msg":"refused-line"}\n' });
    expect(ndjson.status).toBe(401);

    const accepted = newTraceId();
    const ok = await send(`${a().otlpHttp}/v1/traces`, { headers: { ...JSON_TYPE, ...bearer(TOKEN) }, body: JSON.stringify(twoSpanTrace(accepted).body) });
    expect(ok.status).toBe(200);
    await eventually(async () => ((await traceStatus(accepted)) === 200 ? true : undefined), 20_000, 'the accepted trace');
    // Everything sent before the accepted trace is stored by now: the refused one is not there.
    expect(await traceStatus(refused)).toBe(404);
    expect(await failures('otlp-http', 'missing')).toBeGreaterThanOrEqual(2);
    expect(await failures('otlp-http', 'invalid')).toBeGreaterThanOrEqual(3);
  });

  it('Basic auth (password = token, any username) is accepted for logs; refused lines are not stored', async () => {
    const word = `authword${randomBytes(4).toString('hex')}`;
    const refused = await send(`${a().otlpHttp}/v1/logs`, { headers: { 'content-type': 'application/x-ndjson', ...basic('acme', WRONG) }, body: `{"msg":"refused ${word}x","service":"auth-test"}\n` });
    expect(refused.status).toBe(401);
    const ok = await send(`${a().otlpHttp}/v1/logs`, { headers: { 'content-type': 'application/x-ndjson', ...basic('shipper', TOKEN) }, body: `{"msg":"kept ${word}","service":"auth-test"}\n` });
    expect(ok.status).toBe(200);
    const found = await eventually(async () => {
      const r = JSON.parse((await send(`${a().query}/braid/v1/logs?q=${word}`, { headers: bearer(TOKEN) })).text) as { logs?: unknown[]; data?: unknown[] };
      const rows = r.logs ?? r.data ?? [];
      return rows.length > 0 ? rows : undefined;
    }, 20_000, 'the accepted log line');
    expect(JSON.stringify(found)).toContain(`kept ${word}`);
    expect(JSON.stringify(found)).not.toContain(`refused ${word}x`);
  });

  it('Zipkin on its own port and on the OTLP port, and the bulk log endpoint: refused without or with a wrong token, accepted with the right one', async () => {
    for (const base of [a().zipkin!, a().otlpHttp!]) {
      const refused = newTraceId();
      const none = await send(`${base}/api/v2/spans`, { headers: JSON_TYPE, body: zipkinSpans(refused) });
      expect(none.status).toBe(401);
      expect(none.text).toBe(`${REFUSAL}\n`);
      expect((await send(`${base}/api/v2/spans`, { headers: { ...JSON_TYPE, ...bearer(WRONG) }, body: zipkinSpans(refused) })).status).toBe(401);
      const accepted = newTraceId();
      expect((await send(`${base}/api/v2/spans`, { headers: { ...JSON_TYPE, ...bearer(TOKEN) }, body: zipkinSpans(accepted) })).status).toBe(202);
      await eventually(async () => ((await traceStatus(accepted)) === 200 ? true : undefined), 20_000, 'the accepted zipkin trace');
      expect(await traceStatus(refused)).toBe(404);
    }
    const bulk = `{"index":{"_index":"logs"}}\n{"message":"bulk line","@timestamp":"${new Date().toISOString()}"}\n`;
    const none = await send(`${a().elasticsearch}/_bulk`, { headers: { 'content-type': 'application/x-ndjson' }, body: bulk });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text)).toEqual({ error: { root_cause: [{ type: 'security_exception', reason: REFUSAL }], type: 'security_exception', reason: REFUSAL }, status: 401 });
    expect((await send(`${a().elasticsearch}/`, { headers: basic('elastic', WRONG) })).status).toBe(401);
    expect((await send(`${a().elasticsearch}/`, { headers: basic('elastic', TOKEN) })).status).toBe(200);
    const ok = await send(`${a().elasticsearch}/_bulk`, { headers: { 'content-type': 'application/x-ndjson', ...basic('elastic', TOKEN) }, body: bulk });
    expect(ok.status).toBe(200);
    expect(await failures('zipkin', 'missing')).toBeGreaterThanOrEqual(1);
    expect(await failures('elasticsearch-receiver', 'invalid')).toBeGreaterThanOrEqual(1);
  });

  it('remote write: 401 before the body is decoded; with the right token the same body gets its decode error', async () => {
    const garbage = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
    const none = await send(`${a().otlpHttp}/api/v1/write`, { headers: garbage, body: 'not snappy' });
    expect(none.status).toBe(401);
    expect(none.text).toBe(`${REFUSAL}\n`);
    const ok = await send(`${a().otlpHttp}/api/v1/write`, { headers: { ...garbage, ...bearer(TOKEN) }, body: 'not snappy' });
    expect(ok.status).toBe(400);
    expect(ok.text).toContain('BRAID_ERR_REMOTE_WRITE_DECODE');
  });

  it('the query port: every API and the web page ask for credentials (Basic for browsers, Bearer for clients)', async () => {
    const cases: Array<[string, (text: string) => unknown, unknown]> = [
      ['/api/services', (t) => JSON.parse(t), { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 401, msg: REFUSAL }] }],
      ['/prometheus/api/v1/query?query=up', (t) => JSON.parse(t), { status: 'error', errorType: 'unauthorized', error: 'missing or invalid credentials' }],
      ['/braid/v1/logs?q=x', (t) => JSON.parse(t), { error: { code: 401, message: REFUSAL } }],
      ['/', (t) => JSON.parse(t), { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 401, msg: REFUSAL }] }],
    ];
    for (const [path, parse, body] of cases) {
      const none = await send(`${a().query}${path}`);
      expect(none.status, path).toBe(401);
      expect(none.challenges[0], path).toBe('Basic realm="braid", charset="UTF-8"');
      expect(parse(none.text), path).toEqual(body);
      expect((await send(`${a().query}${path}`, { headers: bearer(WRONG) })).status, path).toBe(401);
      expect((await send(`${a().query}${path}`, { headers: basic('acme', TOKEN) })).status, path).not.toBe(401);
      expect((await send(`${a().query}${path}`, { headers: bearer(TOKEN) })).status, path).toBe(200);
    }
  });

  it('the admin port: /metrics needs credentials (Prometheus sends them as a bearer token), /healthz and /readyz do not', async () => {
    const none = await send(`${a().admin}/metrics`);
    expect(none.status).toBe(401);
    expect(none.text).toBe(`${REFUSAL}\n`);
    expect((await send(`${a().admin}/metrics`, { headers: bearer(WRONG) })).status).toBe(401);
    expect((await send(`${a().admin}/-/reload`, { method: 'POST' })).status).toBe(401);
    const ok = await send(`${a().admin}/metrics`, { headers: bearer(TOKEN) });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('braid_auth_failures_total{listener="admin",reason="missing"}');
    expect((await send(`${a().admin}/healthz`)).status).toBe(200);
    expect((await send(`${a().admin}/readyz`)).status).toBe(200);
  });

  it('OTLP/gRPC: the OTel exporter without or with a wrong authorization gets UNAUTHENTICATED; with the right one its spans are stored', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'grpc-auth' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
    const spanOf = (): ReadableSpan => {
      memory.reset();
      provider.getTracer('t').startSpan('grpc-auth-span').end();
      return memory.getFinishedSpans()[0]!;
    };
    const exportWith = (metadata: Metadata | undefined, span: ReadableSpan) =>
      new Promise<{ code: number; error?: Error }>((resolve) => {
        const exporter = new OTLPTraceExporter({ url: `http://${a().otlpGrpc}`, ...(metadata ? { metadata } : {}) });
        exporter.export([span], (r) => void exporter.shutdown().then(() => resolve(r)));
      });
    const md = (value: string) => {
      const m = new Metadata();
      m.set('authorization', value);
      return m;
    };
    const refused = spanOf();
    for (const m of [undefined, md(`Bearer ${WRONG}`)]) {
      const r = await exportWith(m, refused);
      expect(r.code).toBe(1);
      expect(String(r.error?.message)).toContain('missing or invalid credentials');
      expect((r.error as { code?: number } | undefined)?.code).toBe(16);
    }
    const accepted = spanOf();
    expect((await exportWith(md(`Bearer ${TOKEN}`), accepted)).code).toBe(0);
    await eventually(async () => ((await traceStatus(accepted.spanContext().traceId)) === 200 ? true : undefined), 20_000, 'the gRPC trace');
    expect(await traceStatus(refused.spanContext().traceId)).toBe(404);
    expect(await failures('otlp-grpc', 'missing')).toBeGreaterThanOrEqual(1);
    expect(await failures('otlp-grpc', 'invalid')).toBeGreaterThanOrEqual(1);
    await provider.shutdown();
  });

  it('X-Scope-OrgID names the tenant only from a trusted proxy (127.0.0.2), without a token', async () => {
    const fromUntrusted = newTraceId();
    const untrusted = await send(`${a().otlpHttp}/v1/traces`, { headers: { ...JSON_TYPE, 'x-scope-orgid': 'acme' }, body: JSON.stringify(twoSpanTrace(fromUntrusted).body) });
    expect(untrusted.status).toBe(401);
    expect(await failures('otlp-http', 'untrusted_proxy')).toBeGreaterThanOrEqual(1);
    const viaProxy = newTraceId();
    const proxied = await send(`${a().otlpHttp}/v1/traces`, { from: '127.0.0.2', headers: { ...JSON_TYPE, 'x-scope-orgid': 'acme' }, body: JSON.stringify(twoSpanTrace(viaProxy).body) });
    expect(proxied.status).toBe(200);
    // The proxy's tenant is acme: acme's token reads the trace.
    await eventually(async () => ((await traceStatus(viaProxy)) === 200 ? true : undefined), 20_000, 'the proxied trace');
    expect(await traceStatus(fromUntrusted)).toBe(404);
    const bad = await send(`${a().otlpHttp}/v1/traces`, { from: '127.0.0.2', headers: { ...JSON_TYPE, 'x-scope-orgid': 'Not.A.Tenant' }, body: '{}' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toEqual({ code: 3, message: 'BRAID_ERR_TENANT_INVALID: X-Scope-OrgID: tenant ID "Not.A.Tenant" is not valid: expected 1-63 characters of a-z, 0-9, _ and -, starting with a letter or digit' });
    // The query port takes the proxy's header too.
    expect((await send(`${a().query}/api/services`, { from: '127.0.0.2', headers: { 'x-scope-orgid': 'acme' } })).status).toBe(200);
  });

  it('the tokens file reloads without restart: a token added works, a token removed stops working, a broken file keeps the old tokens', async () => {
    const added = `gamma-${randomBytes(12).toString('hex')}`;
    const probe = (token: string) => send(`${a().query}/api/services`, { headers: bearer(token) }).then((r) => r.status);
    expect(await probe(added)).toBe(401);
    writeFileSync(tokensFile, `acme:${TOKEN}\nbeta:${BETA_TOKEN}\ngamma:${added}\n`);
    await eventually(async () => ((await probe(added)) === 200 ? true : undefined), 15_000, 'the added token');
    writeFileSync(tokensFile, `acme:${TOKEN}\ngamma:${added}\n`);
    await eventually(async () => ((await probe(BETA_TOKEN)) === 401 ? true : undefined), 15_000, 'the removed token refused');
    const errorsBefore = Number(/braid_auth_tokens_reloads_total\{result="error"\} (\d+)/.exec(await metricsText())?.[1] ?? 0);
    writeFileSync(tokensFile, `acme:${TOKEN}\nthis line is broken ${BETA_TOKEN}\n`);
    await eventually(async () => (Number(/braid_auth_tokens_reloads_total\{result="error"\} (\d+)/.exec(await metricsText())?.[1] ?? 0) > errorsBefore ? true : undefined), 15_000, 'the failed reload');
    expect(await probe(added)).toBe(200);
    expect(await probe(TOKEN)).toBe(200);
    const warning = logs.find((l) => l.includes('auth tokens file not reloaded'));
    expect(warning).toContain('line 2: expected tenant:token');
  });

  it('no secret in the logs or the metrics: tokens, wrong tokens, the Elasticsearch password', async () => {
    const text = logs.join('') + (await metricsText());
    expect(logs.length).toBeGreaterThan(5);
    for (const secret of [TOKEN, BETA_TOKEN, WRONG, ES_PASSWORD]) expect(text).not.toContain(secret);
  });
});

describe('open mode', () => {
  it('without a tokens file every listener is open, and start-up says so', async () => {
    const logs: string[] = [];
    const config = validateConfig(testConfig(), 'test');
    const braid = await startBraid(config, { log: createLogger('warn', { write: (line: string) => void logs.push(line) }) });
    try {
      const warning = logs.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.msg.includes('every listener is open'));
      expect(warning?.level).toBe(40);
      expect((await send(`${braid.addresses.admin}/metrics`)).status).toBe(200);
      expect((await send(`${braid.addresses.query!}/api/services`)).status).toBe(200);
      expect((await send(`${braid.addresses.otlpHttp!}/v1/traces`, { headers: JSON_TYPE, body: JSON.stringify(twoSpanTrace(newTraceId()).body) })).status).toBe(200);
    } finally {
      await braid.stop();
    }
  });
});
