/**
 * Orchestration of the shop demo: starts the four services, the log shipper (and rsyslog when
 * installed) as child processes on free ports of 127.0.0.1, waits for their /healthz, writes the
 * scrape targets file Braid's `shop` job reads (collectors/shop.yml), and runs the load generator
 * in this process. stop() ends everything it started; an exit hook kills what is left if the
 * process ends without stop().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TARGETS_DIR, putFaults, SERVICE_LABEL, SERVICES, type FaultSwitches, type ServiceName } from './faults.js';
import { startLoad, type Load, type LoadMix, type RequestOutcome } from './load.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RSYSLOGD = '/usr/sbin/rsyslogd';
const OMELASTICSEARCH = ['/usr/lib/x86_64-linux-gnu/rsyslog/omelasticsearch.so', '/usr/lib/aarch64-linux-gnu/rsyslog/omelasticsearch.so', '/usr/lib/rsyslog/omelasticsearch.so'];

/** Options of startShop. */
export interface ShopOptions {
  /** Braid's OTLP/gRPC URL (http://127.0.0.1:4317): the services' traces. */
  otlpGrpc: string;
  /** Braid's OTLP/HTTP URL (http://127.0.0.1:4318): order's OTLP logs, the shipper's NDJSON. */
  otlpHttp: string;
  /** Braid's Elasticsearch-compatible URL (http://127.0.0.1:9200): rsyslog's _bulk. */
  bulk: string;
  /** Working directory for the payment log file and rsyslog's state (default .braid/shop/<pid>, removed on stop). */
  dir?: string;
  /** Load requests per second (default 10); 0 starts no load. */
  rate?: number;
  mix?: LoadMix;
  /** Requests open at once (default 32). */
  maxInFlight?: number;
  /** Where the scrape targets file goes (default collectors/shop-targets). */
  targetsDir?: string;
  /** Use rsyslog for payment's log file when installed (default true); false: the shipper tails it. */
  rsyslog?: boolean;
  log?: (line: string) => void;
  /** Called for each finished load request. */
  onOutcome?: (o: RequestOutcome) => void;
}

/** Counts of the load so far. */
export interface ShopStats {
  sent: number;
  failed: number;
  notFound: number;
  skipped: number;
}

/** A running shop. */
export interface Shop {
  ports: Record<ServiceName, number>;
  targetsFile: string;
  /** How payment's log file reaches Braid. */
  paymentLogs: 'rsyslog' | 'shipper (rsyslog not installed)' | 'shipper';
  setFault(service: ServiceName, switches: FaultSwitches): Promise<void>;
  stats(): ShopStats;
  /** Trace IDs of the most recent failing requests (5xx), newest last, at most 20. */
  recentFailures(): string[];
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** The file_sd content for the services: one group per service, labelled with its name. */
export function targetsFileContent(ports: Record<ServiceName, number>): string {
  return `${JSON.stringify(SERVICES.map((s) => ({ targets: [`127.0.0.1:${ports[s]}`], labels: { [SERVICE_LABEL]: s } })), null, 2)}\n`;
}

/** rsyslog's config for the shop, from examples/shop/rsyslog/shop.conf. */
export function renderRsyslogConf(workDir: string, logFile: string, bulk: string): string {
  const u = new URL(bulk);
  const values: Record<string, string> = { WORK_DIR: workDir, LOG_FILE: logFile, BULK_HOST: u.hostname, BULK_PORT: u.port || '9200' };
  return readFileSync(fileURLToPath(new URL('rsyslog/shop.conf', import.meta.url)), 'utf8').replace(/@(\w+)@/g, (m, k: string) => values[k] ?? m);
}

const rsyslogAvailable = () => existsSync(RSYSLOGD) && OMELASTICSEARCH.some((f) => existsSync(f));

/** Every child process group this process started and has not seen exit: the exit hook's list. */
const live = new Set<ChildProcess>();
/** Targets files of shops not stopped yet: a stale one would keep Braid scraping dead ports. */
const liveTargets = new Set<string>();
let hooked = false;
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of live) killGroup(c, 'SIGKILL');
    for (const f of liveTargets) rmSync(f, { force: true });
  });
}

/** Sends SIGTERM to the child's group, SIGKILL after `graceMs`; resolves when it exited. */
async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

async function waitHealthy(name: string, url: string, child: ChildProcess, stderr: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`shop: ${name} exited (${child.exitCode ?? child.signalCode}) before it was healthy: ${stderr().slice(-2000)}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`shop: ${name} not healthy at ${url}/healthz after ${timeoutMs / 1000} s: ${stderr().slice(-2000)}`);
}

/** Starts the shop; see the module comment. */
export async function startShop(opts: ShopOptions): Promise<Shop> {
  const log = opts.log ?? (() => {});
  const dir = opts.dir ?? join(ROOT, '.braid', 'shop', String(process.pid));
  mkdirSync(dir, { recursive: true });
  const targetsDir = opts.targetsDir ?? DEFAULT_TARGETS_DIR;
  const targetsFile = join(targetsDir, `${process.pid}.json`);
  const logFile = join(dir, 'payment.log');
  writeFileSync(logFile, '');
  hookExit();
  const children: ChildProcess[] = [];
  const spawnChild = (name: string, cmd: string, args: string[], env: Record<string, string>, stdout: 'pipe' | 'ignore' = 'ignore', stdin: 'pipe' | 'ignore' = 'ignore') => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: [stdin, stdout, 'pipe'], detached: true });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-8_000);
    });
    createInterface({ input: child.stderr! }).on('line', (l) => log(`[${name}] ${l}`));
    child.once('exit', (code, signal) => {
      live.delete(child);
      if (!stopping) log(`[shop] ${name} exited (${code ?? signal})`);
    });
    live.add(child);
    children.push(child);
    return { child, stderr: () => err };
  };
  let stopping = false;
  let load: Load | undefined;
  let shipperStdin: Writable | undefined;

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await load?.stop();
    rmSync(targetsFile, { force: true });
    liveTargets.delete(targetsFile);
    // Services first, then the shippers, which flush what the services wrote last.
    const [services, shippers] = [children.filter((c) => !shipperSet.has(c)), children.filter((c) => shipperSet.has(c))];
    await Promise.all(services.map((c) => stopChild(c)));
    shipperStdin?.end();
    await Promise.all(shippers.map((c) => stopChild(c, 10_000)));
    // A directory of our own making goes too; a caller's stays for them to read.
    if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
  };
  const shipperSet = new Set<ChildProcess>();

  try {
    const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await freePort()] as const))) as Record<ServiceName, number>;
    const url = (s: ServiceName) => `http://127.0.0.1:${ports[s]}`;
    const node = process.execPath;
    const tsx = ['--import', 'tsx'];

    const shipper = spawnChild('shipper', node, [...tsx, 'examples/shop/shipper.ts', '--url', opts.otlpHttp], {}, 'ignore', 'pipe');
    shipperSet.add(shipper.child);
    const stdin = shipper.child.stdin!;
    shipperStdin = stdin;
    // A shipper that died must not take the shop down with EPIPE.
    stdin.on('error', () => {});

    const useRsyslog = (opts.rsyslog ?? true) && rsyslogAvailable();
    let paymentLogs: Shop['paymentLogs'] = 'rsyslog';
    if (useRsyslog) {
      const work = join(dir, 'rsyslog');
      mkdirSync(work, { recursive: true });
      const conf = join(dir, 'rsyslog.conf');
      writeFileSync(conf, renderRsyslogConf(work, logFile, opts.bulk));
      shipperSet.add(spawnChild('rsyslog', RSYSLOGD, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], {}).child);
    } else {
      paymentLogs = opts.rsyslog === false ? 'shipper' : 'shipper (rsyslog not installed)';
      // The stdin pipe is there so that the tailing shipper ends with this process, even a killed one.
      shipperSet.add(spawnChild('shipper-file', node, [...tsx, 'examples/shop/shipper.ts', '--url', opts.otlpHttp, '--file', logFile, '--until-stdin-ends'], {}, 'ignore', 'pipe').child);
    }

    const started = SERVICES.map((name) => {
      const env: Record<string, string> = { SHOP_PORT: String(ports[name]), OTEL_EXPORTER_OTLP_ENDPOINT: opts.otlpGrpc, OTEL_SERVICE_NAME: name };
      if (name === 'order') Object.assign(env, { SHOP_USER_URL: url('user'), SHOP_PRODUCT_URL: url('product'), SHOP_PAYMENT_URL: url('payment'), BRAID_OTLP_HTTP: opts.otlpHttp });
      if (name === 'payment') env.SHOP_LOG_FILE = logFile;
      const toShipper = name === 'user' || name === 'product';
      const c = spawnChild(name, node, [...tsx, `examples/shop/services/${name}.ts`], env, toShipper ? 'pipe' : 'ignore');
      if (toShipper) createInterface({ input: c.child.stdout! }).on('line', (l) => void stdin.write(`${l}\n`));
      return { name, ...c };
    });
    await Promise.all(started.map((s) => waitHealthy(s.name, url(s.name), s.child, s.stderr)));

    mkdirSync(targetsDir, { recursive: true });
    writeFileSync(targetsFile, targetsFileContent(ports));
    liveTargets.add(targetsFile);
    log(`[shop] services up: ${SERVICES.map((s) => `${s} ${url(s)}`).join(', ')}; payment logs via ${paymentLogs}`);

    const failures: string[] = [];
    const rate = opts.rate ?? 10;
    if (rate > 0) {
      load = startLoad({
        urls: { order: url('order'), user: url('user'), product: url('product') },
        rate,
        mix: opts.mix,
        maxInFlight: opts.maxInFlight,
        onOutcome: (o) => {
          if (o.status === 0 || o.status >= 500) {
            failures.push(o.traceId);
            if (failures.length > 20) failures.shift();
          }
          opts.onOutcome?.(o);
        },
      });
    }
    return {
      ports,
      targetsFile,
      paymentLogs,
      setFault: async (service, switches) => void (await putFaults(url(service), switches)),
      stats: () => {
        const s = load?.stats();
        return { sent: s?.sent ?? 0, failed: s?.failed ?? 0, notFound: s?.notFound ?? 0, skipped: s?.skipped ?? 0 };
      },
      recentFailures: () => [...failures],
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
