/**
 * The shop's fault switches from the command line: finds the running shop's services in the
 * scrape targets files it writes (collectors/shop-targets/*.json) and PUTs the switches to the
 * service's /faults.
 *
 *   tsx examples/shop/faults.ts payment failure_ratio=0.3
 *   tsx examples/shop/faults.ts product latency_ms=0
 *   tsx examples/shop/faults.ts            (prints every service's switches)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The four services. */
export const SERVICES = ['user', 'product', 'order', 'payment'] as const;
/** One of the four services. */
export type ServiceName = (typeof SERVICES)[number];
/** Fault switches: name to number (payment failure_ratio, product latency_ms, user not_found_ratio). */
export type FaultSwitches = Record<string, number>;

/** Where the shop writes its scrape targets by default. */
export const DEFAULT_TARGETS_DIR = fileURLToPath(new URL('../../collectors/shop-targets/', import.meta.url));
/** The target label that names the service of each scrape target. */
export const SERVICE_LABEL = 'shop_service';

/** Parses `name=value` arguments into switches; the error names the bad argument. */
export function parseSwitches(args: string[]): FaultSwitches {
  const out: FaultSwitches = {};
  for (const a of args) {
    const m = /^([a-z_]+)=(.+)$/.exec(a);
    if (!m) throw new Error(`fault: "${a}" is not name=value (e.g. failure_ratio=0.3)`);
    const value = Number(m[2]);
    if (!Number.isFinite(value)) throw new Error(`fault: ${m[1]} must be a number, got "${m[2]}"`);
    out[m[1]!] = value;
  }
  return out;
}

/** Checks a service name; the error lists the valid ones. */
export function serviceName(name: string | undefined): ServiceName {
  if (!SERVICES.includes(name as ServiceName)) throw new Error(`fault: unknown service "${name ?? ''}" (one of ${SERVICES.join(', ')})`);
  return name as ServiceName;
}

/** PUTs `switches` to `baseUrl`/faults; a refusal throws with the service's answer. */
export async function putFaults(baseUrl: string, switches: FaultSwitches): Promise<unknown> {
  const res = await fetch(`${baseUrl}/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(switches), signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`fault: ${baseUrl}/faults answered ${res.status}: ${text}`);
  return text ? (JSON.parse(text) as unknown) : {};
}

/** The base URLs of the services of every running shop, from the targets files in `dir`. */
export function findServices(dir = DEFAULT_TARGETS_DIR): Array<Record<ServiceName, string>> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    files = [];
  }
  const shops: Array<Record<ServiceName, string>> = [];
  for (const f of files) {
    const groups = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Array<{ targets: string[]; labels?: Record<string, string> }>;
    const shop: Partial<Record<ServiceName, string>> = {};
    for (const g of groups) {
      const name = g.labels?.[SERVICE_LABEL];
      if (name && g.targets[0]) shop[name as ServiceName] = `http://${g.targets[0]}`;
    }
    if (SERVICES.every((s) => shop[s])) shops.push(shop as Record<ServiceName, string>);
  }
  return shops;
}

/** The CLI: `faults.ts [service name=value ...] [--targets-dir dir]`. */
export async function faultsMain(argv: string[], print: (line: string) => void = console.log): Promise<void> {
  let dir = DEFAULT_TARGETS_DIR;
  const i = argv.indexOf('--targets-dir');
  if (i >= 0) {
    dir = argv[i + 1] ?? dir;
    argv = [...argv.slice(0, i), ...argv.slice(i + 2)];
  }
  const shops = findServices(dir);
  if (shops.length === 0) throw new Error(`fault: no running shop found (no targets file in ${dir}); start one with npm run demo`);
  const service = argv.length > 0 ? serviceName(argv[0]) : undefined;
  const switches = parseSwitches(argv.slice(1));
  // Each running shop (a stale targets file of a killed one is reported and skipped).
  const errors: string[] = [];
  for (const shop of shops) {
    try {
      if (!service) {
        for (const s of SERVICES) print(`${s} ${shop[s]}/faults ${JSON.stringify(await (await fetch(`${shop[s]}/faults`, { signal: AbortSignal.timeout(5_000) })).json())}`);
      } else print(`${service} ${shop[service]}: ${JSON.stringify(await putFaults(shop[service], switches))}`);
    } catch (err) {
      errors.push(`fault: shop at ${shop.order}: ${(err as Error).message}`);
    }
  }
  if (errors.length === shops.length) throw new Error(errors.join('\n'));
  for (const e of errors) print(e);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  faultsMain(process.argv.slice(2)).catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
