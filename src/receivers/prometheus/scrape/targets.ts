/**
 * Target groups to scrape targets, as Prometheus 3's scrape/target.go PopulateLabels does it:
 * discovered labels plus the job's defaults, then relabel_configs, then the checks, `instance`,
 * and the URL. Like Prometheus 3 (and unlike 2.x) no default port is added: an `__address__`
 * without a port is scraped on the scheme's port and `instance` keeps the address as written, so
 * series from `host` and `host:80` stay apart exactly as they do in Prometheus 3.
 */
import { formatDuration, parseDuration, type ScrapeJob } from './config.js';
import { relabel } from './relabel.js';
import type { Labels, TargetGroup } from './types.js';

/** One target to scrape. */
export interface ScrapeTarget {
  job: string;
  url: string;
  /** The labels attached to every scraped series: no `__` names. */
  labels: Labels;
  /** The labels before relabeling, for status pages and debugging. */
  discoveredLabels: Labels;
  intervalMs: number;
  timeoutMs: number;
  /** Stable identity: the job and the full label set after relabeling (which determines the URL). */
  key: string;
}

/** What became of one discovered target. */
export type PopulateResult =
  | { kind: 'target'; target: ScrapeTarget; /** The full set after relabeling, `__` names included (Prometheus's Target.labels). */ allLabels: Labels }
  | { kind: 'dropped'; discoveredLabels: Labels }
  | { kind: 'invalid'; discoveredLabels: Labels; error: string };

/** Builds the targets of a group; invalid ones are reported to `onInvalid` (Prometheus logs them) and skipped. */
export function targetsFromGroup(job: ScrapeJob, group: TargetGroup, onInvalid?: (message: string) => void): ScrapeTarget[] {
  const out: ScrapeTarget[] = [];
  group.targets.forEach((targetLabels, i) => {
    const r = populateTarget(job, targetLabels, group.labels);
    if (r.kind === 'target') out.push(r.target);
    else if (r.kind === 'invalid') onInvalid?.(`instance ${i} in group ${group.source}: ${r.error}`);
  });
  return out;
}

/** Prometheus's PopulateDiscoveredLabels: target labels over group labels, then the job's defaults where absent. */
export function discoveredLabels(job: ScrapeJob, targetLabels: Labels, groupLabels: Labels): Labels {
  const lb: Labels = {};
  // An empty value is no label in Prometheus; setting one deletes it.
  const set = (name: string, value: string) => {
    if (value === '') delete lb[name];
    else lb[name] = value;
  };
  for (const [k, v] of Object.entries(groupLabels)) set(k, v);
  for (const [k, v] of Object.entries(targetLabels)) set(k, v);
  const defaults: Labels = {
    job: job.jobName,
    __scrape_interval__: formatDuration(job.intervalMs),
    __scrape_timeout__: formatDuration(job.timeoutMs),
    __metrics_path__: job.metricsPath,
    __scheme__: job.scheme,
  };
  for (const [name, values] of Object.entries(job.params)) {
    if (values.length > 0 && values[0] !== undefined) defaults[`__param_${name}`] = values[0];
  }
  for (const [k, v] of Object.entries(defaults)) if (!lb[k]) set(k, v);
  return lb;
}

/** Prometheus's PopulateLabels for one target, with the reason when it is dropped or invalid. */
export function populateTarget(job: ScrapeJob, targetLabels: Labels, groupLabels: Labels = {}): PopulateResult {
  const discovered = discoveredLabels(job, targetLabels, groupLabels);
  const relabeled = relabel({ ...discovered }, job.relabel);
  if (relabeled === undefined) return { kind: 'dropped', discoveredLabels: discovered };
  const invalid = (error: string): PopulateResult => ({ kind: 'invalid', discoveredLabels: discovered, error });

  const lb: Labels = {};
  for (const [k, v] of Object.entries(relabeled)) if (v !== '') lb[k] = v;
  const addr = lb.__address__;
  if (addr === undefined) return invalid('no address');
  // Prometheus's CheckTargetAddress: a "/" means someone wrote a URL.
  if (addr.includes('/')) return invalid(`${JSON.stringify(addr)} is not a valid hostname`);

  const interval = lb.__scrape_interval__ ?? '';
  const intervalMs = parseDuration(interval);
  if ('error' in intervalMs) return invalid(`error parsing scrape interval: ${intervalMs.error}`);
  if (intervalMs.ms === 0) return invalid('scrape interval cannot be 0');
  const timeout = lb.__scrape_timeout__ ?? '';
  const timeoutMs = parseDuration(timeout);
  if ('error' in timeoutMs) return invalid(`error parsing scrape timeout: ${timeoutMs.error}`);
  if (timeoutMs.ms === 0) return invalid('scrape timeout cannot be 0');
  if (timeoutMs.ms > intervalMs.ms) {
    return invalid(`scrape timeout cannot be greater than scrape interval (${JSON.stringify(timeout)} > ${JSON.stringify(interval)})`);
  }

  for (const k of Object.keys(lb)) if (k.startsWith('__meta_')) delete lb[k];
  if (lb.instance === undefined) lb.instance = addr;
  for (const [k, v] of Object.entries(lb)) {
    if (!isWellFormed(v)) return invalid(`invalid label value for ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  }

  // Braid's client speaks HTTP(S) only; Prometheus would fail the same target at every scrape instead.
  const scheme = lb.__scheme__ ?? '';
  if (scheme !== 'http' && scheme !== 'https') return invalid(`unsupported scheme ${JSON.stringify(scheme)} (expected http or https)`);
  const url = targetUrl(scheme, addr, lb.__metrics_path__ ?? '', job.params, lb);
  if (url === undefined) return invalid(`${JSON.stringify(addr)} is not a valid host:port`);

  const labels: Labels = {};
  for (const [k, v] of Object.entries(lb)) if (!k.startsWith('__')) labels[k] = v;
  const key = JSON.stringify([job.jobName, ...Object.keys(lb).sort().map((k) => [k, lb[k]])]);
  const target = { job: job.jobName, url, labels, discoveredLabels: discovered, intervalMs: intervalMs.ms, timeoutMs: timeoutMs.ms, key };
  return { kind: 'target', target, allLabels: lb };
}

/** Prometheus's Target.URL: the job's params, each `__param_<name>` replacing its first value; keys sorted. */
function targetUrl(scheme: string, addr: string, path: string, params: Record<string, string[]>, lb: Labels): string | undefined {
  const query = new Map<string, string[]>(Object.entries(params).map(([k, v]) => [k, [...v]]));
  for (const [k, v] of Object.entries(lb)) {
    if (!k.startsWith('__param_')) continue;
    const name = k.slice('__param_'.length);
    const values = query.get(name);
    if (values !== undefined && values.length > 0) values[0] = v;
    else query.set(name, [v]);
  }
  const qs = [...query.keys()]
    .sort()
    .flatMap((k) => (query.get(k) ?? []).map((v) => `${queryEscape(k)}=${queryEscape(v)}`))
    .join('&');
  const escapedPath = encodeURI(path).replace(/\?/g, '%3F').replace(/#/g, '%23');
  const url = `${scheme}://${addr}${path !== '' && !path.startsWith('/') ? '/' : ''}${escapedPath}${qs === '' ? '' : `?${qs}`}`;
  // The address must be the whole authority: nothing the URL parser would read as user info,
  // query or fragment, and a host and port it accepts.
  if (/[?#@\\\s]/.test(addr)) return undefined;
  try {
    return new URL(url).host === '' ? undefined : url;
  } catch {
    return undefined;
  }
}

/** Go's url.QueryEscape: space as "+", everything but [A-Za-z0-9-_.~] percent-encoded. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Valid UTF-16 (no lone surrogate), the JS form of Prometheus's valid-UTF-8 check on label values. */
function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}
