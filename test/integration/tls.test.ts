/**
 * TLS on every listener of Braid (embedded), with the test PKI made by the real openssl CLI:
 * https on each fastify port, TLS with ALPN h2 on the gRPC port (the OTel SDK's exporter over
 * TLS credentials and node:http2), certificate rotation seen by a new connection's serial number,
 * client certificates required / verified if given, and bad files refused at start naming the
 * setting.
 */
import { X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { credentials, Metadata } from '@grpc/grpc-js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BraidConfigInput } from '../../src/config/schema.js';
import type { RunningBraid } from '../../src/main.js';
import { startTestBraid, testConfig } from '../helpers/braid.js';
import { makeTestPki, type TestPki } from '../helpers/certs.js';
import { eventually } from '../helpers/otlp.js';

const TOKEN = 'tls-test-token-4d1f0c';
const run = promisify(execFile);
const serialOf = (certFile: string) => new X509Certificate(readFileSync(certFile)).serialNumber;

interface TlsAnswer {
  status: number;
  text: string;
  serial: string;
}

/** One request on a new TLS connection (agent: false), trusting `ca`, optionally with a client certificate. */
function get(url: string, ca: string, options: { cert?: string; key?: string; token?: string; method?: string; body?: string } = {}): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: options.method ?? 'GET',
        agent: false,
        ca: readFileSync(ca),
        ...(options.cert ? { cert: readFileSync(options.cert), key: readFileSync(options.key!) } : {}),
        headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(options.body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), serial }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The serial number a new TLS connection to host:port sees, and the ALPN protocol agreed. */
function handshake(hostPort: string, ca: string, alpn?: string[]): Promise<{ serial: string; alpn: string | false }> {
  const [host, port] = [hostPort.slice(0, hostPort.lastIndexOf(':')), Number(hostPort.slice(hostPort.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host, port, ca: readFileSync(ca), servername: 'localhost', ...(alpn ? { ALPNProtocols: alpn } : {}) }, () => {
      resolve({ serial: s.getPeerCertificate().serialNumber, alpn: s.alpnProtocol ?? false });
      s.end();
    });
    s.on('error', reject);
  });
}


describe('TLS on every listener', () => {
  let pki: TestPki;
  let dir: string;
  let certFile: string;
  let keyFile: string;
  let braid: RunningBraid;
  const https = () => {
    const a = braid.addresses;
    return { otlpHttp: a.otlpHttp!, zipkin: a.zipkin!, elasticsearch: a.elasticsearch!, query: a.query!, admin: a.admin };
  };

  beforeAll(async () => {
    pki = makeTestPki();
    dir = mkdtempSync(join(tmpdir(), 'braid-tls-'));
    certFile = join(dir, 'tls.crt');
    keyFile = join(dir, 'tls.key');
    copyFileSync(pki.serverCert, certFile);
    copyFileSync(pki.serverKey, keyFile);
    const tokens = join(dir, 'tokens');
    writeFileSync(tokens, `acme:${TOKEN}\n`);
    braid = await startTestBraid(testConfig({ tls: { cert_file: certFile, key_file: keyFile }, auth: { tokens_file: tokens } }));
  });

  afterAll(async () => {
    await braid?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(pki.dir, { recursive: true, force: true });
  });

  it('every fastify listener speaks https with the configured certificate, and refuses plain HTTP', async () => {
    const serial = serialOf(pki.serverCert);
    for (const [name, url] of Object.entries(https())) {
      expect(url, name).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const r = await get(`${url}/`, pki.caCert);
      expect(r.serial, name).toBe(serial);
      // Auth still applies under TLS: no token, 401 (the admin port's probes excepted).
      expect(r.status, name).toBe(401);
      // Plain HTTP to a TLS port: the handshake fails and the connection is closed, no answer.
      const plain = await new Promise<string>((resolve) => httpRequest(url.replace('https:', 'http:'), (res) => resolve(`answered ${res.statusCode}`)).on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message)).end());
      expect(plain, name).toBe('ECONNRESET');
    }
    expect((await get(`${https().admin}/healthz`, pki.caCert)).status).toBe(200);
    const metrics = await get(`${https().admin}/metrics`, pki.caCert, { token: TOKEN });
    expect(metrics.status).toBe(200);
    const notAfter = Date.parse(new X509Certificate(readFileSync(pki.serverCert)).validTo) / 1000;
    expect(metrics.text).toContain(`braid_tls_certificate_expiry_timestamp_seconds ${notAfter}\n`);
    const body = JSON.stringify({ resourceSpans: [] });
    expect((await get(`${https().otlpHttp}/v1/traces`, pki.caCert, { token: TOKEN, method: 'POST', body })).status).toBe(200);
  });

  it('the gRPC port speaks TLS with ALPN h2: the OTel exporter with TLS credentials and a token exports; HTTP/1.1 over TLS gets 505', async () => {
    const grpc = braid.addresses.otlpGrpc!;
    const hs = await handshake(grpc, pki.caCert, ['h2']);
    expect(hs).toEqual({ serial: serialOf(pki.serverCert), alpn: 'h2' });
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'grpc-tls' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
    provider.getTracer('t').startSpan('tls-span').end();
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${TOKEN}`);
    const exporter = new OTLPTraceExporter({ url: `https://${grpc}`, credentials: credentials.createSsl(readFileSync(pki.caCert)), metadata });
    const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(memory.getFinishedSpans(), resolve));
    await exporter.shutdown();
    await provider.shutdown();
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(0);
    // node:http2 over TLS, without a token: UNAUTHENTICATED in the trailers-only answer.
    const session = http2Connect(`https://${grpc}`, { ca: readFileSync(pki.caCert) });
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export', 'content-type': 'application/grpc', te: 'trailers' });
      stream.on('response', (h) => resolve(h));
      stream.on('error', reject);
      stream.end(Buffer.alloc(5));
    });
    session.close();
    expect(headers['grpc-status']).toBe('16');
    expect(decodeURIComponent(String(headers['grpc-message']))).toBe('BRAID_ERR_AUTH_UNAUTHENTICATED: missing or invalid credentials');
    const http1 = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(`https://${grpc}/`, { agent: false, ca: readFileSync(pki.caCert) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(http1).toBe(505);
  });

  it.skipIf(!existsSync('/usr/bin/curl'))('curl: https with the CA and basic auth (password = token) gets in; without the CA the handshake fails', async () => {
    const curl = (args: string[]) => run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...args]).then((r) => r.stdout, (e: { code: number }) => `exit ${e.code}`);
    expect(await curl(['--cacert', pki.caCert, '-u', `acme:${TOKEN}`, `${https().query}/api/services`])).toBe('200');
    expect(await curl(['--cacert', pki.caCert, '-u', 'acme:wrong', `${https().query}/api/services`])).toBe('401');
    expect(await curl(['--cacert', pki.caCert, '-H', `Authorization: Bearer ${TOKEN}`, `${https().admin}/metrics`])).toBe('200');
    // curl 60: the server certificate does not verify against the system roots.
    expect(await curl([`${https().admin}/healthz`])).toBe('exit 60');
  });

  it('a rotated certificate is served to new connections without a restart, on every listener', async () => {
    const before = serialOf(pki.serverCert);
    const next = pki.issue('server-next', { cn: 'localhost' });
    const after = serialOf(next.cert);
    expect(after).not.toBe(before);
    // As a Secret volume or cert-manager would: new files moved into place (key first, a moment of mismatch included).
    copyFileSync(next.key, `${keyFile}.new`);
    copyFileSync(next.cert, `${certFile}.new`);
    renameSync(`${keyFile}.new`, keyFile);
    renameSync(`${certFile}.new`, certFile);
    for (const [name, url] of Object.entries(https())) {
      await eventually(async () => ((await get(`${url}/`, pki.caCert)).serial === after ? true : undefined), 15_000, `${name} serving serial ${after}`);
    }
    await eventually(async () => ((await handshake(braid.addresses.otlpGrpc!, pki.caCert, ['h2'])).serial === after ? true : undefined), 15_000, 'gRPC serving the new serial');
  });
});

describe('client certificates (mTLS)', () => {
  let pki: TestPki;
  let other: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
    other = makeTestPki('braid-pki-other-');
  });
  afterAll(() => {
    rmSync(pki.dir, { recursive: true, force: true });
    rmSync(other.dir, { recursive: true, force: true });
  });

  const start = (extra: Partial<{ client_auth_type: 'NoClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert' }>) =>
    startTestBraid(testConfig({ tls: { cert_file: pki.serverCert, key_file: pki.serverKey, client_ca_file: pki.caCert, ...extra } } as BraidConfigInput));

  it('client_ca_file alone requires a client certificate signed by that CA, on the HTTP and gRPC ports', async () => {
    const braid = await start({});
    try {
      const admin = `${braid.addresses.admin}/healthz`;
      await expect(get(admin, pki.caCert)).rejects.toThrow();
      await expect(get(admin, pki.caCert, { cert: other.clientCert, key: other.clientKey })).rejects.toThrow();
      expect((await get(admin, pki.caCert, { cert: pki.clientCert, key: pki.clientKey })).status).toBe(200);
      const grpc = braid.addresses.otlpGrpc!;
      const ok = http2Connect(`https://${grpc}`, { ca: readFileSync(pki.caCert), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) });
      await new Promise<void>((resolve, reject) => ok.once('connect', () => resolve()).once('error', reject));
      ok.close();
      const refused = http2Connect(`https://${grpc}`, { ca: readFileSync(pki.caCert) });
      await expect(new Promise((resolve, reject) => {
        refused.once('error', reject);
        const s = refused.request({ ':path': '/' });
        s.on('error', reject);
        s.on('response', resolve);
        s.end();
      })).rejects.toThrow();
      refused.destroy();
    } finally {
      await braid.stop();
    }
  });

  it('VerifyClientCertIfGiven: no certificate is fine, a certificate of another CA is refused', async () => {
    const braid = await start({ client_auth_type: 'VerifyClientCertIfGiven' });
    try {
      const admin = `${braid.addresses.admin}/healthz`;
      expect((await get(admin, pki.caCert)).status).toBe(200);
      expect((await get(admin, pki.caCert, { cert: pki.clientCert, key: pki.clientKey })).status).toBe(200);
      await expect(get(admin, pki.caCert, { cert: other.clientCert, key: other.clientKey })).rejects.toThrow();
    } finally {
      await braid.stop();
    }
  });
});

describe('tls.min_version', () => {
  it('TLS13 refuses a client that offers at most TLS 1.2', async () => {
    const pki = makeTestPki();
    const braid = await startTestBraid(testConfig({ tls: { cert_file: pki.serverCert, key_file: pki.serverKey, min_version: 'TLS13' } }));
    try {
      const [host, port] = [new URL(braid.addresses.admin).hostname, Number(new URL(braid.addresses.admin).port)];
      const versionWith = (maxVersion: 'TLSv1.2' | 'TLSv1.3') =>
        new Promise<string>((resolve) => {
          const s = tlsConnect({ host, port, ca: readFileSync(pki.caCert), servername: 'localhost', maxVersion }, () => {
            resolve(s.getProtocol() ?? 'none');
            s.end();
          });
          s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        });
      expect(await versionWith('TLSv1.3')).toBe('TLSv1.3');
      expect(await versionWith('TLSv1.2')).toMatch(/^ERR_SSL_(TLSV1_ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL)$/);
    } finally {
      await braid.stop();
      rmSync(pki.dir, { recursive: true, force: true });
    }
  });
});

describe('bad TLS files stop start-up naming the setting', () => {
  let pki: TestPki;
  beforeAll(() => void (pki = makeTestPki()));
  afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

  const startError = async (tls: Record<string, string>) => {
    try {
      const b = await startTestBraid(testConfig({ tls } as BraidConfigInput));
      await b.stop();
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected start-up to fail');
  };

  it.each([
    ['a missing certificate', () => ({ cert_file: join(pki.dir, 'absent.crt'), key_file: pki.serverKey }), (p: TestPki) => `tls.cert_file: cannot read ${join(p.dir, 'absent.crt')}: ENOENT`],
    ['a key where the certificate goes', () => ({ cert_file: pki.serverKey, key_file: pki.serverKey }), (p: TestPki) => `tls.cert_file: ${p.serverKey} is not a PEM certificate`],
    ['a certificate where the key goes', () => ({ cert_file: pki.serverCert, key_file: pki.serverCert }), (p: TestPki) => `tls.key_file: ${p.serverCert} is not a PEM private key`],
    ['the key of another certificate', () => ({ cert_file: pki.serverCert, key_file: pki.clientKey }), (p: TestPki) => `tls.key_file: ${p.clientKey} does not belong to the certificate in tls.cert_file ${p.serverCert}`],
    ['a client CA that is not a certificate', () => ({ cert_file: pki.serverCert, key_file: pki.serverKey, client_ca_file: pki.caKey }), (p: TestPki) => `tls.client_ca_file: ${p.caKey} is not a PEM certificate`],
    ['client_auth_type without a CA', () => ({ cert_file: pki.serverCert, key_file: pki.serverKey, client_auth_type: 'RequireAndVerifyClientCert' }), () => 'tls.client_auth_type: RequireAndVerifyClientCert needs tls.client_ca_file, the CA that signs client certificates'],
  ])('%s', async (_name, tls, message) => {
    expect(await startError(tls())).toContain(message(pki));
  });
});
