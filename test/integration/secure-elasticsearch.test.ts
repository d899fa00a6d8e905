/**
 * Braid's Elasticsearch store through a real TLS reverse proxy with basic auth and an API-key
 * check (Debian's nginx, scripts/infra/nginx.ts, in front of the test Elasticsearch, which has no
 * security module): a whole Braid writes a trace and reads it back with each way of giving the
 * credentials (password, password_file, env; api_key, api_key_file, env) and with a client
 * certificate. Wrong credentials or an untrusted certificate stop start-up with a permanent error
 * that names the settings to fix, never the secret.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startNginx, type RunningNginx } from '../../scripts/infra/nginx.js';
import { loadConfig } from '../../src/config/load.js';
import { BraidError } from '../../src/errors.js';
import { startBraid } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { makeTestPki } from '../helpers/certs.js';
import { captureLog } from '../helpers/log.js';
import { eventually, newTraceId, twoSpanTrace } from '../helpers/otlp.js';
import { testConfig, uniqueName } from '../helpers/braid.js';

const USER = { name: 'braid-writer', password: `pw-${randomBytes(9).toString('base64url')}` };
const API_KEY = Buffer.from(`braid-key-id:${randomBytes(12).toString('base64url')}`).toString('base64');

describe('the Elasticsearch store through a TLS proxy with basic auth and API keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'braid-secure-es-'));
  const pki = makeTestPki('braid-es-pki-');
  const stranger = makeTestPki('braid-es-other-pki-');
  // One index prefix for the whole file: each Braid finds the indices the one before made (creating indices is the slow part).
  const prefix = uniqueName('secure-es');
  let proxy: RunningNginx;

  beforeAll(async () => {
    proxy = await startNginx({ dir: join(dir, 'nginx'), upstream: inject('elasticsearchUrl'), pki, users: [USER], apiKeys: [API_KEY] });
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop();
    await deleteIndices(inject('elasticsearchUrl'), prefix).catch(() => undefined);
    for (const d of [dir, pki.dir, stranger.dir]) rmSync(d, { recursive: true, force: true });
  }, 60_000);

  const secretFile = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, `${text}\n`);
    return p;
  };

  /** A config file of an embedded-queue Braid whose store is Elasticsearch behind the proxy. */
  function configFile(es: Record<string, unknown>, url = proxy.url): string {
    const file = join(dir, `${uniqueName('braid')}.yaml`);
    writeFileSync(file, stringify(testConfig({ storage: { elasticsearch: { url, index_prefix: prefix, tls: { ca_file: pki.caCert }, ...es } } })));
    return file;
  }

  /** Starts Braid, sends a trace over OTLP/HTTP and reads it back from the query API (written and read through the proxy). */
  async function traceRoundTrip(file: string, env: NodeJS.ProcessEnv = {}): Promise<number> {
    const braid = await startBraid(await loadConfig(file, env), { log: createLogger('warn'), signal: AbortSignal.timeout(60_000) });
    try {
      const traceId = newTraceId();
      const res = await fetch(`${braid.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(twoSpanTrace(traceId).body) });
      expect(res.status).toBe(200);
      return await eventually(async () => {
        const r = await fetch(`${braid.addresses.query}/api/traces/${traceId}`);
        return r.status === 200 ? ((await r.json()) as { data: Array<{ spans: unknown[] }> }).data[0]?.spans.length : undefined;
      }, 30_000, 'the trace stored and read through the proxy');
    } finally {
      await braid.stop();
    }
  }

  it.each([
    ['password', () => ({ username: USER.name, password: USER.password }), {}],
    ['password_file', () => ({ username: USER.name, password_file: secretFile('es-password', USER.password) }), {}],
    ['BRAID_ELASTICSEARCH_USERNAME / _PASSWORD', () => ({}), { BRAID_ELASTICSEARCH_USERNAME: USER.name, BRAID_ELASTICSEARCH_PASSWORD: USER.password }],
    ['api_key', () => ({ api_key: API_KEY }), {}],
    ['api_key_file', () => ({ api_key_file: secretFile('es-api-key', API_KEY) }), {}],
    ['BRAID_ELASTICSEARCH_API_KEY', () => ({}), { BRAID_ELASTICSEARCH_API_KEY: API_KEY }],
  ] as const)('writes and reads with the credentials from %s', async (_source, es, env) => {
    const before = readFileSync(proxy.accessLog, 'utf8').split('\n').filter((l) => l.includes('"POST /_bulk') && l.includes('" 200 ')).length;
    expect(await traceRoundTrip(configFile(es()), env)).toBe(2);
    const after = readFileSync(proxy.accessLog, 'utf8').split('\n').filter((l) => l.includes('"POST /_bulk') && l.includes('" 200 ')).length;
    expect(after).toBeGreaterThan(before);
  });

  it('presents the client certificate where the proxy requires one', async () => {
    const file = configFile({ username: USER.name, password: USER.password, tls: { ca_file: pki.caCert, cert_file: pki.clientCert, key_file: pki.clientKey } }, proxy.mtlsUrl);
    expect(await traceRoundTrip(file)).toBe(2);
  });

  /** The error startBraid stops with, and everything Braid logged meanwhile, as one text. */
  async function startFailure(file: string, env: NodeJS.ProcessEnv = {}): Promise<{ err: BraidError; text: string }> {
    const { log, lines } = captureLog();
    // Bounded: a failure Braid took for transient would retry until the signal aborts.
    const err = (await startBraid(await loadConfig(file, env), { log, signal: AbortSignal.timeout(60_000) }).catch((e: unknown) => e)) as BraidError;
    expect(err).toBeInstanceOf(BraidError);
    return { err, text: `${err.message}\n${err.stack ?? ''}\n${JSON.stringify(lines)}` };
  }

  it('stops start-up on a wrong password, naming the user and the settings but no password', async () => {
    const wrong = `wrong-${randomBytes(9).toString('base64url')}`;
    const { err, text } = await startFailure(configFile({ username: USER.name }), { BRAID_ELASTICSEARCH_PASSWORD: wrong });
    expect(err.code).toBe('BRAID_ERR_STORE_AUTH');
    expect(err.transient).toBe(false);
    expect(err.message).toContain(`refused user ${USER.name}`);
    expect(err.message).toContain('401');
    for (const secret of [wrong, USER.password, Buffer.from(`${USER.name}:${wrong}`).toString('base64')]) expect(text).not.toContain(secret);
  });

  it('stops start-up on an unknown API key, without the key', async () => {
    const wrong = Buffer.from(`braid-key-id:${randomBytes(12).toString('base64url')}`).toString('base64');
    const { err, text } = await startFailure(configFile({ api_key: wrong }));
    expect(err.code).toBe('BRAID_ERR_STORE_AUTH');
    expect(err.message).toContain('refused the API key (storage.elasticsearch.api_key');
    for (const secret of [wrong, API_KEY]) expect(text).not.toContain(secret);
  });

  it('stops start-up when the CA did not sign the proxy certificate, naming storage.elasticsearch.tls.ca_file', async () => {
    const { err } = await startFailure(configFile({ username: USER.name, password: USER.password, tls: { ca_file: stranger.caCert } }));
    expect(err.code).toBe('BRAID_ERR_STORE_AUTH');
    expect(err.message).toContain("the server's TLS certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE); check storage.elasticsearch.tls.ca_file");
  });

  it('stops start-up without a client certificate where one is required, with the proxy answer in words', async () => {
    const { err } = await startFailure(configFile({ username: USER.name, password: USER.password }, proxy.mtlsUrl));
    expect(err.code).toBe('BRAID_ERR_STORE_REJECTED');
    expect(err.message).toContain('400 Bad Request No required SSL certificate was sent');
    expect(err.message).not.toContain('<html>');
  });
});

/** Deletes the indices and index templates of `prefix` (Elasticsearch refuses wildcard index deletes by default). */
async function deleteIndices(esUrl: string, prefix: string): Promise<void> {
  const res = await fetch(`${esUrl}/_cat/indices/${prefix}-*?format=json&h=index&expand_wildcards=all`);
  const names = ((await res.json()) as Array<{ index: string }>).map((i) => i.index);
  if (names.length > 0) await (await fetch(`${esUrl}/${names.join(',')}`, { method: 'DELETE' })).arrayBuffer();
  const templates = (await (await fetch(`${esUrl}/_index_template/${prefix}-*`)).json()) as { index_templates?: Array<{ name: string }> };
  const templateNames = (templates.index_templates ?? []).map((t) => t.name);
  if (templateNames.length > 0) await (await fetch(`${esUrl}/_index_template/${templateNames.join(',')}`, { method: 'DELETE' })).arrayBuffer();
}
