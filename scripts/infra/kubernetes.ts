/**
 * A real Kubernetes API server for integration tests: kube-apiserver and etcd built with `go build`
 * from the Go module proxy (the go.mod/go.sum they build from live in scripts/infra/kube/), each
 * started on 127.0.0.1 with fresh state. There are no controllers, scheduler or kubelet: tests
 * create what those would (pod status, Endpoints, service accounts' tokens) through the API.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from './fetch.js';
import { type InfraConfig, loadConfig } from './paths.js';
import { cmdline, InfraError, isAlive, readPid, run, spawnDetached, stopGroup, waitForHealth, which, writePid } from './process.js';

/** Where the Go modules that the two binaries are built from live (small text files, in the repo). */
const SOURCES = fileURLToPath(new URL('./kube/', import.meta.url));

/** One binary built from a Go module folder under SOURCES. */
interface GoBinary {
  name: 'kube-apiserver' | 'etcd';
  moduleDir: string;
  pkg: string;
  /** The require line of go.mod that carries the release version. */
  versionRe: RegExp;
  ldflags: (version: string) => string;
}

const BINARIES: GoBinary[] = [
  {
    name: 'etcd',
    moduleDir: join(SOURCES, 'etcd'),
    pkg: 'go.etcd.io/etcd/server/v3',
    versionRe: /^\s*go\.etcd\.io\/etcd\/server\/v3 (v\S+)/m,
    ldflags: () => '-s -w',
  },
  {
    name: 'kube-apiserver',
    moduleDir: join(SOURCES, 'apiserver'),
    pkg: 'k8s.io/kubernetes/cmd/kube-apiserver',
    versionRe: /^\s*k8s\.io\/kubernetes (v\S+)/m,
    // What the release build stamps, so /version says v1.34.4 and not v0.0.0-master.
    ldflags: (v) => {
      const [major, minor] = v.slice(1).split('.');
      const x = (name: string, value: string) => `-X k8s.io/component-base/version.${name}=${value}`;
      return ['-s -w', x('gitVersion', v), x('gitMajor', major ?? ''), x('gitMinor', minor ?? ''), x('gitTreeState', 'clean')].join(' ');
    },
  },
];

/** The built binaries and their release versions. */
export interface KubeBinaries {
  kubeApiserver: string;
  etcd: string;
  kubernetesVersion: string;
  etcdVersion: string;
  /** The names built by this call (empty when both were in the cache). */
  built: string[];
}

const defaultLog: Logger = (line) => process.stderr.write(`[braid-infra] ${line}\n`);

/** The cached binary of `b`: named by its version and a hash of what it is built from, so an edit rebuilds. */
function cachedBinary(c: InfraConfig, b: GoBinary): { path: string; version: string } {
  const goMod = readFileSync(join(b.moduleDir, 'go.mod'), 'utf8');
  const version = b.versionRe.exec(goMod)?.[1];
  if (version === undefined) throw new InfraError(`${join(b.moduleDir, 'go.mod')} does not require ${b.pkg.split('/cmd/')[0]}`);
  const hash = createHash('sha256').update(goMod).update(readFileSync(join(b.moduleDir, 'go.sum'))).update(b.ldflags(version)).digest('hex').slice(0, 12);
  return { path: join(c.cacheDir, 'kubernetes', `${b.name}-${version}-${hash}`), version };
}

/** Builds kube-apiserver and etcd into the cache dir unless they are there; a second call builds nothing. */
export async function buildKubernetes(opts: { log?: Logger } = {}): Promise<KubeBinaries> {
  const c = loadConfig();
  const log = opts.log ?? defaultLog;
  const out: Record<string, { path: string; version: string }> = {};
  const built: string[] = [];
  // One after the other: each go build already uses both cores' worth of parallelism.
  for (const b of BINARIES) {
    const target = cachedBinary(c, b);
    out[b.name] = target;
    if (existsSync(target.path)) continue;
    await goBuild(b, target, log);
    built.push(b.name);
  }
  const api = out['kube-apiserver']!;
  const etcd = out.etcd!;
  return { kubeApiserver: api.path, etcd: etcd.path, kubernetesVersion: api.version, etcdVersion: etcd.version, built };
}

async function goBuild(b: GoBinary, target: { path: string; version: string }, log: Logger): Promise<void> {
  const go = which('go');
  if (go === undefined) throw new InfraError(`go not found on PATH; building ${b.name} needs Go 1.24+ and the Go module proxy`);
  const dir = join(target.path, '..');
  mkdirSync(dir, { recursive: true });
  const partial = `${target.path}.partial-${process.pid}`;
  const args = ['build', '-p', '2', '-trimpath', '-ldflags', b.ldflags(target.version), '-o', partial, b.pkg];
  // Builds are long and CPU-bound: niced, so benchmarks and servers running beside them keep their core.
  const nice = which('nice');
  const env = { ...process.env, GOWORK: 'off', GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=readonly`.trim() };
  const t0 = Date.now();
  log(`building ${b.name} ${target.version} with go build (first time only; kube-apiserver takes ~3-5 min and ~140 MB of modules) into ${dir}`);
  try {
    await run(nice ?? go, nice === undefined ? args : ['-n', '10', go, ...args], { cwd: b.moduleDir, env, logFile: join(dir, `build-${b.name}.log`) });
    renameSync(partial, target.path);
  } finally {
    rmSync(partial, { force: true });
  }
  log(`built ${b.name} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** A running API server and how to reach it as a cluster admin. */
export interface KubeApiServer {
  /** `https://127.0.0.1:<port>`. */
  url: string;
  /** Bearer token of user `braid-admin` in group system:masters (cluster-admin under RBAC). */
  token: string;
  /** The CA (PEM) that signed the server's certificate; the certificate names 127.0.0.1. */
  caFile: string;
  /** Runtime state: etcd data, certs, logs. Removed by stop(), kept when the start fails. */
  dir: string;
  version: string;
  /** Sends one request as the admin; resolves with the JSON answer, rejects on a non-2xx status. */
  request(method: string, path: string, body?: unknown, contentType?: string): Promise<Record<string, unknown>>;
  /** Stops kube-apiserver as stop() does and starts it again on the same port, with the same etcd, certificate and token. */
  restartApiServer(): Promise<void>;
  /** Stops kube-apiserver (SIGTERM, SIGKILL after 3 s) then etcd (after 10 s) and removes the state dir. */
  stop(): Promise<void>;
}

/** Options of startKubernetes. */
export interface KubeStartOptions {
  log?: Logger;
  /** Per-server health wait, in ms (default 90 000). */
  timeoutMs?: number;
}

/**
 * Builds if needed, then starts etcd and kube-apiserver on free ports of 127.0.0.1 with fresh state
 * under the infra dir, and resolves once /readyz answers ok. Call stop() when done; if the process
 * exits first, the servers are killed with it, and a later start removes what a crash left behind.
 */
export async function startKubernetes(opts: KubeStartOptions = {}): Promise<KubeApiServer> {
  const c = loadConfig();
  const log = opts.log ?? defaultLog;
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const bins = await buildKubernetes({ log });
  await removeOrphans(c, log);
  mkdirSync(c.infraDir, { recursive: true });
  const dir = mkdtempSync(join(c.infraDir, 'kube-'));
  writePid(join(dir, 'owner.pid'), process.pid);
  const [etcdPort, etcdPeerPort, apiPort] = await freePorts(3);
  // etcd first, kube-apiserver second: stopped in the reverse order (kube-apiserver needs etcd to shut down).
  const pids: { etcd?: number; api?: number } = {};
  const killAll = () => [pids.api, pids.etcd].forEach((pid) => pid !== undefined && signal(pid, 'SIGKILL'));
  process.once('exit', killAll);
  // kube-apiserver stops listening at once on SIGTERM but then waits up to a minute for open watches
  // to end: not worth waiting for with throwaway state.
  const stopApi = async () => {
    if (pids.api !== undefined) await stopGroup(pids.api, 3_000);
    pids.api = undefined;
  };
  const stopAll = async () => {
    process.removeListener('exit', killAll);
    await stopApi();
    if (pids.etcd !== undefined) await stopGroup(pids.etcd, 10_000);
    pids.etcd = undefined;
  };
  try {
    const etcd = startEtcd(bins.etcd, dir, etcdPort!, etcdPeerPort!);
    pids.etcd = etcd.pid;
    await waitForHealth({ name: 'etcd', healthy: () => etcdHealthy(etcdPort!), pid: etcd.pid, timeoutMs, logs: [etcd.log] });
    const api = prepareApiServer(bins.kubeApiserver, dir, etcdPort!, apiPort!);
    const startApi = async () => {
      pids.api = api.spawn();
      await waitForHealth({ name: 'kube-apiserver', healthy: () => apiReady(api), pid: pids.api, timeoutMs, logs: [api.log] });
    };
    await startApi();
    writeFileSync(api.caFile, caOf(api.certFile));
    log(`kube-apiserver ${bins.kubernetesVersion} (etcd ${bins.etcdVersion}) ready on ${api.url}; state in ${dir}`);
    return {
      url: api.url,
      token: api.token,
      caFile: api.caFile,
      dir,
      version: bins.kubernetesVersion,
      request: (method, path, body, contentType) => kubeRequest(api, method, path, body, contentType),
      async restartApiServer() {
        await stopApi();
        await startApi();
      },
      async stop() {
        await stopAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

function signal(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // already gone
  }
}

/** Kills the servers of earlier runs whose owning process is gone (a crash skipped stop()), and removes their state. */
async function removeOrphans(c: InfraConfig, log: Logger): Promise<void> {
  if (!existsSync(c.infraDir)) return;
  const ours = join(c.cacheDir, 'kubernetes');
  for (const name of readdirSync(c.infraDir).filter((n) => n.startsWith('kube-'))) {
    const dir = join(c.infraDir, name);
    const owner = readPid(join(dir, 'owner.pid'));
    if (owner !== undefined && isAlive(owner)) continue;
    for (const file of ['kube-apiserver.pid', 'etcd.pid']) {
      const pid = readPid(join(dir, file));
      if (pid !== undefined && isAlive(pid) && (cmdline(pid)[0] ?? '').startsWith(ours)) await stopGroup(pid, 5_000);
    }
    rmSync(dir, { recursive: true, force: true });
    log(`removed the state of an earlier Kubernetes run whose process is gone: ${dir}`);
  }
}

/** `n` distinct ports that were free a moment ago on 127.0.0.1. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function startEtcd(bin: string, dir: string, port: number, peerPort: number): { pid: number; log: string } {
  const client = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const log = join(dir, 'etcd.log');
  const pid = spawnDetached(bin, [
    '--name=braid', `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${client}`, `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`, `--initial-cluster=braid=${peer}`,
    // Throwaway state: no fsync (as Kubernetes' own integration tests run etcd), quiet logs.
    '--unsafe-no-fsync', '--log-level=warn',
  ], { cwd: dir, env: process.env, logFile: log });
  writePid(join(dir, 'etcd.pid'), pid);
  return { pid, log };
}

async function etcdHealthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok && (await res.text()).includes('"health":"true"');
  } catch {
    return false;
  }
}

/** A kube-apiserver ready to start: where it will listen, its admin token and its certificate files. */
interface ApiProcess {
  /** Starts it in the background; returns its pid. */
  spawn: () => number;
  log: string;
  url: string;
  token: string;
  /** Written by kube-apiserver itself: the serving certificate followed by the CA that signed it. */
  certFile: string;
  caFile: string;
}

/** Writes the token file and service-account keys, and returns how to start kube-apiserver with them. */
function prepareApiServer(bin: string, dir: string, etcdPort: number, port: number): ApiProcess {
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},braid-admin,braid-admin,system:masters\n`, { mode: 0o600 });
  // The key pair that signs service-account tokens (TokenRequest works, e.g. for RBAC-limited tokens).
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  const log = join(dir, 'kube-apiserver.log');
  const args = [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${port}`,
    // No --tls-cert-file: kube-apiserver makes a CA and a serving certificate for 127.0.0.1 in --cert-dir
    // (and reuses them when restarted).
    `--cert-dir=${join(dir, 'certs')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`, '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${join(dir, 'sa.pub')}`, `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    // Endpoints may not hold loopback addresses: reconciling the `kubernetes` service's would fail forever.
    '--endpoint-reconciler-type=none',
    // It wants each namespace's `default` service account, which only the (absent) controllers create.
    '--disable-admission-plugins=ServiceAccount',
    '--profiling=false',
  ];
  const spawn = () => {
    const pid = spawnDetached(bin, args, { cwd: dir, env: process.env, logFile: log });
    writePid(join(dir, 'kube-apiserver.pid'), pid);
    return pid;
  };
  return { spawn, log, url: `https://127.0.0.1:${port}`, token, certFile: join(dir, 'certs', 'apiserver.crt'), caFile: join(dir, 'ca.crt') };
}

/** The last certificate of the bundle kube-apiserver wrote: its self-signed CA. */
function caOf(certFile: string): string {
  const blocks = readFileSync(certFile, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
  const ca = blocks[blocks.length - 1];
  if (blocks.length < 2 || ca === undefined) throw new InfraError(`${certFile}: expected a serving certificate and its CA, found ${blocks.length} certificate(s)`);
  return ca;
}

async function apiReady(api: ApiProcess): Promise<boolean> {
  if (!existsSync(api.certFile)) return false;
  try {
    const ready = await kubeRequestRaw(api, caOf(api.certFile), 'GET', '/readyz');
    return ready.status === 200 && ready.text === 'ok';
  } catch {
    return false;
  }
}

function kubeRequestRaw(api: ApiProcess, ca: string, method: string, path: string, body?: string, contentType?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${api.token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = contentType ?? 'application/json';
    const req = httpsRequest(`${api.url}${path}`, { method, headers, ca, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function kubeRequest(api: ApiProcess, method: string, path: string, body?: unknown, contentType?: string): Promise<Record<string, unknown>> {
  const res = await kubeRequestRaw(api, readFileSync(api.caFile, 'utf8'), method, path, body === undefined ? undefined : JSON.stringify(body), contentType);
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(res.text) as Record<string, unknown>;
  } catch {
    // not JSON: the status says enough
  }
  if (res.status < 200 || res.status > 299) {
    throw new InfraError(`${method} ${path}: ${res.status}${typeof json.message === 'string' ? ` ${json.message}` : ` ${res.text.slice(0, 300)}`}`);
  }
  return json;
}
