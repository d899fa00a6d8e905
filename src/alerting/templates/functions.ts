/**
 * Prometheus's template functions (template/template.go and prometheus/common's
 * helpers/templates): humanize*, toTime, title, match, reReplaceAll, query, first, value,
 * sortByLabel, stripPort, graphLink ... with Prometheus's outputs and error messages.
 */
import { isIP } from 'node:net';
import type { TemplateFunc } from './exec.js';
import { goTypeName, sprintf } from './fmt.js';
import { queryEscape } from './builtins.js';
import { matchString, replaceAllString } from './regexp.js';
import { GoDuration, GoTime, stringMap } from './values.js';

/** A query result sample as templates see it: `.Labels`, `.Value`. */
export interface TemplateSample {
  Labels: Record<string, string>;
  Value: number;
}

/** Runs an instant PromQL query at the evaluation time. */
export type TemplateQuery = (q: string) => Promise<Array<{ labels: Record<string, string>; value: number }>>;

const DECIMAL = /^[+-]?(?:\d+(?:_\d+)*\.?(?:\d+(?:_\d+)*)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+)?$/;

/** Go's strconv.ParseFloat(s, 64), with its error message. */
export function parseGoFloat(s: string): number {
  const lower = s.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(lower)) return NaN;
  if (DECIMAL.test(s) && !s.includes('_')) return Number(s);
  throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
}

/** prometheus/common's ConvertToFloat. */
export function convertToFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') return parseGoFloat(v);
  if (v instanceof GoDuration) return v.Seconds();
  throw new Error(`can't convert ${goTypeName(v)} to float`);
}

const g4 = (v: number): string => sprintf('%.4g', [v]);

function humanize(i: unknown): string {
  let v = convertToFloat(i);
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return g4(v) + prefix;
  }
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v) + prefix;
}

function humanize1024(i: unknown): string {
  let v = convertToFloat(i);
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return g4(v) + prefix;
}

/** prometheus/common's HumanizeDuration: 1d 2h 3m 4s, 1.234s, 100ms. */
export function humanizeDuration(i: unknown): string {
  let v = convertToFloat(i);
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return g4(v) + 's';
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    v = Math.abs(v);
    const duration = Math.trunc(v);
    const seconds = duration % 60;
    const minutes = Math.trunc(duration / 60) % 60;
    const hours = Math.trunc(duration / 3600) % 24;
    const days = Math.trunc(duration / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${g4(v)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${g4(v)}${prefix}s`;
}

const NAN_OR_INF = 'value is NaN or Inf';

/** Prometheus's floatToTime: seconds to a time, at millisecond precision. */
function floatToTime(v: number): GoTime {
  if (!Number.isFinite(v)) throw new Error(NAN_OR_INF);
  const ts = v * 1e9;
  if (ts > 9223372036854775807 || ts < -9223372036854775808) {
    throw new Error(`${sprintf('%v', [v])} cannot be represented as a nanoseconds timestamp since it overflows int64`);
  }
  const ms = BigInt(Math.trunc(ts)) / 1_000_000n;
  return new GoTime(ms * 1_000_000n);
}

function humanizeTimestamp(i: unknown): string {
  const v = convertToFloat(i);
  if (!Number.isFinite(v)) return g4(v);
  return floatToTime(v).String();
}

/** Go's net.SplitHostPort, or undefined where it fails. */
function splitHostPort(hostPort: string): { host: string; port: string } | undefined {
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    if (end < 0 || hostPort[end + 1] !== ':' || hostPort.slice(end + 2).includes(':') || hostPort.slice(end + 1).includes('[')) return undefined;
    return { host: hostPort.slice(1, end), port: hostPort.slice(end + 2) };
  }
  const colon = hostPort.lastIndexOf(':');
  if (colon < 0 || hostPort.slice(0, colon).includes(':') || hostPort.includes('[') || hostPort.includes(']')) return undefined;
  return { host: hostPort.slice(0, colon), port: hostPort.slice(colon + 1) };
}

/** cases.Title(language.AmericanEnglish, cases.NoLower): upper-case the first letter of each word. */
function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{M}\p{N}'’])(\p{L})/gu, (_m, before: string, c: string) => before + c.toUpperCase());
}

/** Prometheus's duration syntax (model.ParseDurationAllowNegative) to seconds. */
export function parsePromDuration(d: string): number {
  const m = /^(-)?(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(d);
  if (d === '0') return 0;
  if (m === null || d === '' || d === '-') throw new Error(`not a valid duration string: ${JSON.stringify(d)}`);
  const units = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001];
  let ms = 0;
  units.forEach((u, k) => {
    ms += Number(m[k + 2] ?? 0) * Math.round(u * 1000);
  });
  return ((m[1] === '-' ? -1 : 1) * ms) / 1000;
}

function asSamples(v: unknown): TemplateSample[] {
  if (!Array.isArray(v)) throw new Error(`wrong type for value; expected template.queryResult; got ${goTypeName(v)}`);
  return v as TemplateSample[];
}

function asSample(v: unknown): TemplateSample {
  if (typeof v !== 'object' || v === null || !('Labels' in v)) throw new Error(`wrong type for value; expected *template.sample; got ${goTypeName(v)}`);
  return v as TemplateSample;
}

function str(v: unknown): string {
  if (typeof v !== 'string') throw new Error(`wrong type for value; expected string; got ${goTypeName(v)}`);
  return v;
}

const variadic = <F extends (...a: never[]) => unknown>(f: F): F & { variadic: true } => Object.assign(f, { variadic: true as const });

/** What `query`, `now`, `externalURL` and `pathPrefix` read: one evaluation's context, the functions' `this`. */
export interface PrometheusContext {
  query?: TemplateQuery | undefined;
  timeMs: number;
  externalURL: string;
}

const pathOf = (url: string): string => /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*([^?#]*)/.exec(url)?.[1] ?? url.replace(/[?#].*$/, '');

/**
 * Everything Prometheus's expander knows. Built once: the functions that depend on the evaluation
 * read it from `this` (the executor passes the context), so an expansion creates no closures.
 */
export const PROMETHEUS_FUNCTIONS: Record<string, TemplateFunc> = {
  async query(this: PrometheusContext, q: unknown): Promise<TemplateSample[]> {
    if (this?.query === undefined) throw new Error('no query function: templates here cannot run PromQL');
    const rows = await this.query(str(q));
    return rows.map((r) => ({ Labels: stringMap({ ...r.labels }), Value: r.value }));
  },
  first: (v: unknown): TemplateSample => {
    const s = asSamples(v);
    if (s.length === 0) throw new Error('first() called on vector with no elements');
    return s[0]!;
  },
  label: (l: unknown, s: unknown): string => asSample(s).Labels[str(l)] ?? '',
  value: (s: unknown): number => asSample(s).Value,
  strvalue: (s: unknown): string => asSample(s).Labels['__value__'] ?? '',
  args: variadic((...a: unknown[]) => Object.fromEntries(a.map((x, k) => [`arg${k}`, x]))),
  reReplaceAll: (p: unknown, r: unknown, t: unknown) => replaceAllString(str(p), str(r), str(t)),
  safeHtml: (t: unknown) => str(t),
  match: (p: unknown, s: unknown) => matchString(str(p), str(s)),
  title: (s: unknown) => title(str(s)),
  toUpper: (s: unknown) => str(s).toUpperCase(),
  toLower: (s: unknown) => str(s).toLowerCase(),
  graphLink: (e: unknown) => `/graph?g0.expr=${queryEscape(str(e))}&g0.tab=0`,
  tableLink: (e: unknown) => `/graph?g0.expr=${queryEscape(str(e))}&g0.tab=1`,
  sortByLabel: (l: unknown, v: unknown) => {
    const label = str(l);
    return asSamples(v).sort((a, b) => {
      const x = a.Labels[label] ?? '';
      const y = b.Labels[label] ?? '';
      return x < y ? -1 : x > y ? 1 : 0;
    });
  },
  stripPort: (hp: unknown) => splitHostPort(str(hp))?.host ?? (hp as string),
  stripDomain: (hp: unknown) => {
    const s = str(hp);
    const split = splitHostPort(s);
    const host = split?.host ?? s;
    if (isIP(host) !== 0) return s;
    const short = host.split('.')[0]!;
    return split !== undefined && split.port !== '' ? `${short.includes(':') ? `[${short}]` : short}:${split.port}` : short;
  },
  humanize,
  humanize1024,
  humanizeDuration,
  humanizePercentage: (i: unknown) => g4(convertToFloat(i) * 100) + '%',
  humanizeTimestamp,
  toTime: (i: unknown) => floatToTime(convertToFloat(i)),
  toDuration: (i: unknown) => new GoDuration(BigInt(Math.trunc(convertToFloat(i) * 1e9))),
  now(this: PrometheusContext) {
    return this.timeMs / 1000;
  },
  pathPrefix(this: PrometheusContext) {
    return pathOf(this.externalURL);
  },
  externalURL(this: PrometheusContext) {
    return this.externalURL;
  },
  parseDuration: (d: unknown) => parsePromDuration(str(d)),
  urlQueryEscape: (s: unknown) => queryEscape(str(s)),
};

/** The functions bound to one context (for callers that pass functions to renderTemplate). */
export function prometheusFunctions(ctx: PrometheusContext): Record<string, TemplateFunc> {
  return Object.fromEntries(
    Object.entries(PROMETHEUS_FUNCTIONS).map(([name, fn]) => [name, Object.assign((fn as (...a: unknown[]) => unknown).bind(ctx), { variadic: fn.variadic })]),
  ) as Record<string, TemplateFunc>;
}
