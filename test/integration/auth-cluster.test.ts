/**
 * A cluster (cluster.workers: 2, ADR 0017) with a tokens file and TLS: the primary's admin port
 * asks for credentials (probes excepted) and serves the configured certificate, as the workers'
 * OTLP/HTTP and gRPC ports do. `braid serve` as a child process on the real Kafka.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import { request } from 'node:https';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../helpers/braid.js';
import { makeTestPki } from '../helpers/certs.js';
import { eventually, newTraceId, twoSpanTrace } from '../helpers/otlp.js';
import { freePort, spawnBraid } from '../helpers/process.js';

const TOKEN = 'cluster-token-7c2e91';

function get(url: string, ca: string, options: { token?: string; body?: string } = {}): Promise<{ status: number; serial: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.body ? 'POST' : 'GET', agent: false, ca: readFileSync(ca), headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(options.body ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, serial, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('cluster primary with auth and TLS', () => {
  let run: ReturnType<typeof spawnBraid> | undefined;
  const pki = makeTestPki();
  afterAll(() => {
    if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
    rmSync(pki.dir, { recursive: true, force: true });
  });

  it("the primary's admin port and the workers' OTLP port: https with the certificate, credentials required (probes excepted)", async () => {
    const [http, grpc, admin] = await Promise.all([freePort(), freePort(), freePort()]);
    const prefix = uniqueName('authcluster');
    const dir = mkdtempSync(join(tmpdir(), 'braid-auth-cluster-'));
    const tokens = join(dir, 'tokens');
    writeFileSync(tokens, `acme:${TOKEN}\n`);
    const configFile = join(dir, 'braid.yaml');
    writeFileSync(configFile, [
      'target: collector',
      'cluster: { workers: 2 }',
      'receivers:',
      `  otlp: { http: { endpoint: "127.0.0.1:${http}" }, grpc: { endpoint: "127.0.0.1:${grpc}" } }`,
      '  zipkin: { enabled: false }',
      '  elasticsearch: { enabled: false }',
      '  prometheus: { enabled: false }',
      `admin: { endpoint: "127.0.0.1:${admin}" }`,
      `queue: { kafka: { topic_prefix: "${prefix}.", group_id: "${prefix}", partitions: 1 } }`,
      `auth: { tokens_file: "${tokens}" }`,
      `tls: { cert_file: "${pki.serverCert}", key_file: "${pki.serverKey}" }`,
      'shutdown_timeout_seconds: 10',
    ].join('\n'));
    run = spawnBraid(['serve', '--config', configFile], { BRAID_KAFKA_BROKERS: inject('kafkaBrokers') });
    const adminUrl = `https://127.0.0.1:${admin}`;
    await eventually(async () => ((await get(`${adminUrl}/readyz`, pki.caCert).catch(() => undefined))?.status === 200 ? true : undefined), 120_000, 'the cluster ready');
    const serial = new X509Certificate(readFileSync(pki.serverCert)).serialNumber;
    expect((await get(`${adminUrl}/healthz`, pki.caCert)).serial).toBe(serial);
    expect((await get(`${adminUrl}/metrics`, pki.caCert)).status).toBe(401);
    const metrics = await get(`${adminUrl}/metrics`, pki.caCert, { token: TOKEN });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('braid_auth_failures_total{listener="admin",reason="missing"} 1');
    const body = JSON.stringify(twoSpanTrace(newTraceId()).body);
    const refused = await get(`https://127.0.0.1:${http}/v1/traces`, pki.caCert, { body });
    expect([refused.status, refused.serial]).toEqual([401, serial]);
    expect((await get(`https://127.0.0.1:${http}/v1/traces`, pki.caCert, { body, token: TOKEN })).status).toBe(200);
    // The workers' gRPC port: TLS with ALPN h2, a call without a token UNAUTHENTICATED.
    const session = http2Connect(`https://127.0.0.1:${grpc}`, { ca: readFileSync(pki.caCert) });
    const answer = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export', 'content-type': 'application/grpc', te: 'trailers' });
      stream.on('response', resolve);
      stream.on('error', reject);
      stream.end(Buffer.alloc(5));
    });
    expect([session.alpnProtocol, answer['grpc-status']]).toEqual(['h2', '16']);
    session.close();
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });
});
