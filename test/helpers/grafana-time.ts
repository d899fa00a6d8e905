/**
 * Grafana 11.6's interval maths, as its code computes it (no Grafana code copied):
 * - the frontend (packages/grafana-data rangeutil: roundInterval, calculateInterval,
 *   intervalToMs, secondsToHms) gives a panel request its `interval`/`intervalMs` from the time
 *   range, the panel width (maxDataPoints) and the data source's `timeInterval`;
 * - the Prometheus backend (pkg/promlib/models/query.go, intervalv2, grafana-plugin-sdk-go gtime)
 *   turns that into the query_range step, `$__rate_interval` and the other built-ins, and aligns
 *   start/end to the step.
 * Durations on the Go side are kept in nanoseconds, as Go's time.Duration does.
 */

const MS = 1_000_000; // nanoseconds per millisecond
const S = 1_000 * MS;
const MIN = 60 * S;
const H = 60 * MIN;
const DAY = 24 * H;

/** Brackets of rangeutil.roundInterval (and gtime.RoundInterval): [below this many ms, use this many ms]. */
const ROUND_BRACKETS: Array<[number, number]> = [
  [10, 1], [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500], [1_500, 1_000], [3_500, 2_000],
  [7_500, 5_000], [12_500, 10_000], [17_500, 15_000], [25_000, 20_000], [45_000, 30_000], [90_000, 60_000],
  [210_000, 120_000], [450_000, 300_000], [750_000, 600_000], [1_050_000, 900_000], [1_500_000, 1_200_000],
  [2_700_000, 1_800_000], [5_400_000, 3_600_000], [9_000_000, 7_200_000], [16_200_000, 10_800_000],
  [32_400_000, 21_600_000], [86_400_000, 43_200_000], [604_800_000, 86_400_000], [1_814_400_000, 604_800_000],
  [3_628_800_000, 2_592_000_000],
];

/** rangeutil.roundInterval: a "nice" interval (ms) for a raw one (ms). */
export function roundInterval(ms: number): number {
  for (const [below, nice] of ROUND_BRACKETS) if (ms < below) return nice;
  return 31_536_000_000;
}

const UNIT_SECONDS: Record<string, number> = { y: 31_536_000, M: 2_592_000, w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1, ms: 0.001 };

/** rangeutil.intervalToMs ("15s" -> 15000; a bare number is seconds). */
export function intervalToMs(text: string): number {
  if (Number(text)) return parseInt(text, 10) * 1000;
  const m = /^(-?\d+(?:\.\d+)?)(ms|[Mwdhmsy])/.exec(text);
  if (!m) throw new Error(`invalid interval "${text}": has to be unit-less or end with one of y, M, w, d, h, m, s, ms`);
  return UNIT_SECONDS[m[2]!]! * 1000 * parseInt(m[1]!, 10);
}

/** rangeutil.secondsToHms: the largest whole unit only ("1m", "15s", "500ms"). */
export function secondsToHms(seconds: number): string {
  const parts: Array<[number, string]> = [
    [Math.floor(seconds / 31_536_000), 'y'],
    [Math.floor((seconds % 31_536_000) / 86_400), 'd'],
    [Math.floor(((seconds % 31_536_000) % 86_400) / 3_600), 'h'],
    [Math.floor((((seconds % 31_536_000) % 86_400) % 3_600) / 60), 'm'],
    [Math.floor((((seconds % 31_536_000) % 86_400) % 3_600) % 60), 's'],
    [Math.floor(seconds * 1000), 'ms'],
  ];
  for (const [n, unit] of parts) if (n) return `${n}${unit}`;
  return 'less than a millisecond';
}

/** rangeutil.calculateInterval: the request interval of a panel (ms and text). */
export function calculateInterval(fromMs: number, toMs: number, resolution: number, lowLimit?: string): { intervalMs: number; interval: string } {
  const lowLimitMs = lowLimit ? intervalToMs(lowLimit) : 1;
  const intervalMs = Math.max(roundInterval((toMs - fromMs) / resolution), lowLimitMs);
  return { intervalMs, interval: secondsToHms(intervalMs / 1000) };
}

/** Go's time.ParseDuration, plus gtime's d/w/M/y units; nanoseconds. */
export function parseGoDuration(text: string): number {
  const unit = /^(\d+)([dwMy])$/.exec(text);
  if (unit) {
    const n = Number(unit[1]);
    const year = DAY * 365.25;
    return n * { d: DAY, w: 7 * DAY, M: year / 12, y: year }[unit[2] as 'd' | 'w' | 'M' | 'y'];
  }
  const units: Record<string, number> = { ns: 1, us: 1_000, 'µs': 1_000, ms: MS, s: S, m: MIN, h: H };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let rest = text.startsWith('-') || text.startsWith('+') ? text.slice(1) : text;
  if (rest === '0') return 0;
  let total = 0;
  let matched = false;
  re.lastIndex = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched = true;
    if (re.lastIndex === rest.length) {
      rest = '';
      break;
    }
  }
  if (!matched || rest !== '') throw new Error(`time: invalid duration "${text}"`);
  return Math.round(text.startsWith('-') ? -total : total);
}

/** gtime.ParseIntervalStringToTimeDuration: "<10s>" -> 10s, a bare number is seconds; nanoseconds. */
export function parseIntervalString(text: string): number {
  const t = text.replace('<', '').replace('>', '');
  return parseGoDuration(/^\d+$/.test(t) ? `${t}s` : t);
}

/** gtime.GetIntervalFrom: the query's min interval, else intervalMs, else the data source's, else the default; nanoseconds. */
export function getIntervalFrom(dsInterval: string, queryInterval: string, queryIntervalMs: number, defaultNs: number): number {
  const interval = queryInterval === '0s' ? '' : queryInterval;
  if (interval === '' && queryIntervalMs !== 0) return queryIntervalMs * MS;
  const chosen = interval !== '' ? interval : dsInterval;
  return chosen === '' ? defaultNs : parseIntervalString(chosen);
}

/** gtime.FormatInterval: the largest whole unit ("1m", "2h", "1d"). */
export function formatInterval(ns: number): string {
  const steps: Array<[number, string]> = [[DAY * 365, 'y'], [DAY, 'd'], [H, 'h'], [MIN, 'm'], [S, 's'], [MS, 'ms']];
  for (const [size, unit] of steps) if (ns >= size) return `${Math.floor(ns / size)}${unit}`;
  return '1ms';
}

/** Go's time.Duration.String ("2m10s", "1h0m0s", "1.5s", "500ms"). */
export function goDurationString(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(Math.round(ns));
  const sign = neg ? '-' : '';
  if (u < S) {
    const [size, unit] = u < 1_000 ? [1, 'ns'] : u < MS ? [1_000, 'µs'] : [MS, 'ms'];
    return `${sign}${fraction(u, size)}${unit}`;
  }
  const hours = Math.floor(u / H);
  u -= hours * H;
  const minutes = Math.floor(u / MIN);
  u -= minutes * MIN;
  const secs = `${fraction(u, S)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${secs}`;
  if (minutes > 0) return `${sign}${minutes}m${secs}`;
  return `${sign}${secs}`;
}

/** `n / size` printed as Go prints a duration's leading unit: no trailing zeros. */
function fraction(n: number, size: number): string {
  const whole = Math.floor(n / size);
  const rem = n - whole * size;
  if (rem === 0) return String(whole);
  const digits = String(size).length - 1;
  return `${whole}.${String(rem).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** intervalv2.Calculate: range / maxDataPoints (1500 when 0), raised to minInterval or rounded; nanoseconds. */
export function calculateStepInterval(rangeNs: number, minIntervalNs: number, maxDataPoints: number): number {
  const calculated = Math.trunc(rangeNs / (maxDataPoints === 0 ? 1_500 : maxDataPoints));
  if (calculated < minIntervalNs) return minIntervalNs;
  return roundInterval(calculated / MS) * MS;
}

/** What the Prometheus backend needs to compute a step, as pkg/promlib receives it. */
export interface PromStepInput {
  /** The target's `interval` (min step), after template variables; '' when unset. */
  queryInterval: string;
  /** The data source's jsonData.timeInterval (scrape interval); '' when unset. */
  dsScrapeInterval: string;
  /** The frontend's request intervalMs. */
  intervalMs: number;
  intervalFactor: number;
  rangeMs: number;
  maxDataPoints: number;
}

const RATE_INTERVAL_VARS = new Set(['$__rate_interval', '${__rate_interval}']);
const VARIABLE_INTERVALS = new Set(['$__interval', '$__interval_ms', '$__rate_interval', '$__rate_interval_ms', '${__interval}', '${__interval_ms}', '${__rate_interval}', '${__rate_interval_ms}']);

/** calculatePrometheusInterval: the step (ns) of a Prometheus target. */
export function prometheusStep(input: PromStepInput): number {
  const queryInterval = VARIABLE_INTERVALS.has(input.queryInterval) ? '' : input.queryInterval;
  const minInterval = getIntervalFrom(input.dsScrapeInterval, queryInterval, input.intervalMs, 15 * S);
  const rangeNs = input.rangeMs * MS;
  const calculated = calculateStepInterval(rangeNs, minInterval, input.maxDataPoints);
  const safe = roundInterval(Math.trunc(rangeNs / 11_000) / MS) * MS;
  const adjusted = calculated > safe ? calculated : safe;
  if (RATE_INTERVAL_VARS.has(input.queryInterval)) return rateInterval(adjusted, input.dsScrapeInterval);
  return adjusted * (input.intervalFactor === 0 ? 1 : input.intervalFactor);
}

/** calculateRateInterval: max(interval + scrape interval, 4 x scrape interval); scrape interval 15s when unset; ns. */
export function rateInterval(intervalNs: number, scrapeInterval: string): number {
  const scrape = parseIntervalString(scrapeInterval === '' ? '15s' : scrapeInterval);
  return Math.max(intervalNs + scrape, 4 * scrape);
}

/** What interpolateVariables needs besides the expression. */
export interface PromBuiltinsInput {
  /** The frontend's intervalMs (backend DataQuery.Interval). */
  intervalMs: number;
  /** The step from prometheusStep, ns. */
  stepNs: number;
  /** The target's `interval` as sent. */
  requestedMinStep: string;
  dsScrapeInterval: string;
  rangeMs: number;
}

/** interpolateVariables: $__interval(_ms), $__range(_s/_ms), $__rate_interval(_ms), both spellings. */
export function interpolatePromBuiltins(expr: string, input: PromBuiltinsInput): string {
  const rangeS = Math.round(input.rangeMs / 1000);
  let rate: number;
  if (RATE_INTERVAL_VARS.has(input.requestedMinStep)) {
    rate = input.stepNs;
  } else {
    let minStep = input.requestedMinStep;
    if (minStep === '$__interval' || minStep === '${__interval}') minStep = goDurationString(input.stepNs);
    if (minStep === '') minStep = input.dsScrapeInterval;
    rate = rateInterval(input.intervalMs * MS, minStep);
  }
  const values: Array<[string, string]> = [
    ['__interval_ms', String(Math.trunc(input.stepNs / MS))],
    ['__interval', formatInterval(input.stepNs)],
    ['__range_ms', String(input.rangeMs)],
    ['__range_s', String(rangeS)],
    ['__range', `${rangeS}s`],
    ['__rate_interval_ms', String(Math.trunc(rate / MS))],
    ['__rate_interval', goDurationString(rate)],
  ];
  let out = expr;
  for (const [name, value] of values) out = out.replaceAll(`$${name}`, value);
  for (const [name, value] of values) out = out.replaceAll(`\${${name}}`, value);
  return out;
}

/** AlignTimeRange: rounds a time (ms) down to a multiple of the step, in the browser's UTC offset. */
export function alignToStep(timeMs: number, stepNs: number, utcOffsetSec = 0): number {
  const t = timeMs * MS + utcOffsetSec * S;
  return (Math.floor(t / stepNs) * stepNs - utcOffsetSec * S) / MS;
}

/** The client's formatTime: seconds with the fraction Go's FormatFloat(-1) prints. */
export function promTime(ms: number): string {
  return String(ms / 1000);
}

/** Nanoseconds to seconds as the client's step parameter (FormatFloat(step.Seconds(), 'f', -1)). */
export function promStep(ns: number): string {
  return String(ns / S);
}
