/**
 * Debian's nginx as a TLS reverse proxy in front of the test Elasticsearch (which runs without its
 * security module), so Braid's Elasticsearch TLS, basic-auth and API-key settings meet a real peer:
 * - `url`: TLS with the test PKI's server certificate; a request passes with basic auth (htpasswd
 *   file, apr1 hashes made by `openssl passwd -apr1`) or with `Authorization: ApiKey <base64>` of a
 *   known key (a `map` turns basic auth off for those); anything else gets nginx's 401.
 * - `mtlsUrl`: the same, and a client certificate signed by the CA is required.
 * Runs in the foreground (`daemon off`) with its own prefix, config, pid file, logs and temp paths
 * in `dir`, on free 127.0.0.1 ports. As root (CI) its workers run as root too (`user root`): nginx's
 * default worker user, nobody, could not read the htpasswd file under a private temp dir; this is a
 * loopback-only test proxy.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { freePorts } from './kafka-secure.js';
import { InfraError, stopGroup, spawnDetached, waitForHealth, which } from './process.js';

/** Options of startNginx. */
export interface NginxOptions {
  dir: string;
  /** What nginx proxies to, e.g. http://127.0.0.1:19200. */
  upstream: string;
  pki: { caCert: string; serverCert: string; serverKey: string };
  /** Basic-auth users. */
  users: Array<{ name: string; password: string }>;
  /** API keys accepted as `Authorization: ApiKey <key>` (each the base64 of id:key, as Elasticsearch issues them). */
  apiKeys: string[];
  timeoutMs?: number;
}

/** A running proxy. */
export interface RunningNginx {
  /** TLS + basic auth or API key. */
  url: string;
  /** The same, and a client certificate is required. */
  mtlsUrl: string;
  errorLog: string;
  /** nginx's access log: one line per proxied request (method, path, status). */
  accessLog: string;
  stop(): Promise<void>;
}

/** The nginx binary (PATH, or Debian's /usr/sbin, which a non-root PATH may lack), or an InfraError saying how to get it. */
export function requireNginx(): string {
  const bin = which('nginx') ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : undefined);
  if (!bin) throw new InfraError("nginx not found (on PATH or /usr/sbin/nginx); install Debian's nginx-light (apt-get install nginx-light), as .ci/run does");
  return bin;
}

/** An htpasswd line with an apr1 (Apache MD5) hash from the real `openssl passwd -apr1`. */
export function htpasswdLine(name: string, password: string): string {
  if (/[:\s]/.test(name)) throw new InfraError(`htpasswd user ${JSON.stringify(name)}: no ':' or whitespace allowed`);
  const hash = execFileSync('openssl', ['passwd', '-apr1', '-stdin'], { input: `${password}\n` }).toString().trim();
  return `${name}:${hash}`;
}

/** An nginx string literal (double-quoted, escaped). */
const quoted = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The nginx.conf of the proxy. */
export function nginxConf(o: { dir: string; upstream: string; port: number; mtlsPort: number; pki: NginxOptions['pki']; apiKeys: string[]; asRoot: boolean }): string {
  const upstream = new URL(o.upstream);
  const tls = [`    ssl_certificate ${o.pki.serverCert};`, `    ssl_certificate_key ${o.pki.serverKey};`, '    ssl_protocols TLSv1.2 TLSv1.3;'];
  const proxied = [
    `    auth_basic $braid_realm;`,
    `    auth_basic_user_file ${join(o.dir, 'htpasswd')};`,
    '    location / {',
    '      proxy_pass http://elasticsearch;',
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    // Elasticsearch without security ignores it; not forwarding it keeps the secret in one hop.
    '      proxy_set_header Authorization "";',
    '    }',
  ];
  return [
    'daemon off;',
    // As root (CI), workers would run as nobody, who cannot reach a htpasswd file under a private temp dir.
    ...(o.asRoot ? ['user root root;'] : []),
    'worker_processes 1;',
    `pid ${join(o.dir, 'nginx.pid')};`,
    `error_log ${join(o.dir, 'error.log')} warn;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log ${join(o.dir, 'access.log')};`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(o.dir, 'tmp', t)};`),
    '  client_max_body_size 100m;',
    // Map keys are whole Authorization headers: longer than the default bucket holds.
    '  map_hash_bucket_size 512;',
    '  # A known API key turns basic auth off; anything else must pass basic auth.',
    '  map $http_authorization $braid_realm {',
    '    default "braid";',
    ...o.apiKeys.map((k) => `    ${quoted(`ApiKey ${k}`)} off;`),
    '  }',
    `  upstream elasticsearch { server ${upstream.host}; keepalive 8; }`,
    '  server {',
    `    listen 127.0.0.1:${o.port} ssl;`,
    ...tls,
    ...proxied,
    '  }',
    '  server {',
    `    listen 127.0.0.1:${o.mtlsPort} ssl;`,
    ...tls,
    `    ssl_client_certificate ${o.pki.caCert};`,
    '    ssl_verify_client on;',
    ...proxied,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Resolves with the HTTP status of GET `url` (TLS trusting `ca`), or 0 when it cannot connect. */
function statusOf(url: string, ca: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { ca, timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Writes the config, htpasswd and temp dirs under `dir`, starts nginx in the foreground, and waits until it answers over TLS. */
export async function startNginx(o: NginxOptions): Promise<RunningNginx> {
  const bin = requireNginx();
  const asRoot = process.getuid?.() === 0;
  for (const d of [o.dir, join(o.dir, 'tmp')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(o.dir, 'htpasswd'), `${o.users.map((u) => htpasswdLine(u.name, u.password)).join('\n')}\n`, { mode: 0o644 });
  const [port, mtlsPort] = (await freePorts(2)) as [number, number];
  const conf = join(o.dir, 'nginx.conf');
  writeFileSync(conf, nginxConf({ dir: o.dir, upstream: o.upstream, port, mtlsPort, pki: o.pki, apiKeys: o.apiKeys, asRoot }));
  const errorLog = join(o.dir, 'error.log');
  const stdoutLog = join(o.dir, 'stdout.log');
  // -e: errors before the config's error_log is open go to our file, not the built-in stderr/var/log path.
  const pid = spawnDetached(bin, ['-p', o.dir, '-c', conf, '-e', errorLog], { cwd: o.dir, env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/bin' }, logFile: stdoutLog });
  const url = `https://127.0.0.1:${port}`;
  const ca = readFileSync(o.pki.caCert, 'utf8');
  const stop = () => stopGroup(pid, 10_000).then(() => undefined);
  try {
    // Without credentials nginx itself answers 401: it is up and speaks TLS with the test certificate.
    await waitForHealth({ name: 'nginx', healthy: async () => (await statusOf(url, ca)) === 401, pid, timeoutMs: o.timeoutMs ?? 30_000, logs: [errorLog, stdoutLog] });
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, mtlsUrl: `https://127.0.0.1:${mtlsPort}`, errorLog, accessLog: join(o.dir, 'access.log'), stop };
}
