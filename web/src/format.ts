/**
 * Durations and times as the explorer shows and reads them. Pure: no DOM, so unit tests import it.
 * Durations are in microseconds, the unit of the Jaeger API and of the native TraceView.
 */

const UNIT_US: Record<string, number> = { ns: 0.001, us: 1, 'µs': 1, 'μs': 1, ms: 1_000, s: 1_000_000, m: 60_000_000, h: 3_600_000_000 };

/** A Go duration ("100ms", "1.5s", "1m30s"), as the Jaeger API's minDuration/maxDuration take it. */
export function parseDuration(text: string): number {
  const s = text.trim();
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (UNIT_US[m[2] as string] as number);
    matched = re.lastIndex;
  }
  if (s === '' || matched !== s.length) throw new Error(`invalid duration "${text}": expected a number and a unit, e.g. 100ms, 1.5s, 1m30s`);
  return Math.round(total);
}

/** The error text of a duration field, or undefined when it is empty or valid. */
export function durationError(text: string | undefined): string | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    parseDuration(text);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Up to three significant digits, trailing zeros dropped. */
function sig(v: number): string {
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return String(Number(v.toFixed(digits)));
}

/** Microseconds as a short human duration: 850µs, 1.25ms, 3.4s, 2m 5s, 1h 2m. */
export function formatDuration(us: number): string {
  if (!Number.isFinite(us)) return '-';
  if (us < 0) return `-${formatDuration(-us)}`;
  if (us < 1_000) return `${sig(us)}µs`;
  if (us < 1_000_000) return `${sig(us / 1_000)}ms`;
  if (us < 60_000_000) return `${sig(us / 1_000_000)}s`;
  const totalS = Math.round(us / 1_000_000);
  if (totalS < 3_600) return `${Math.floor(totalS / 60)}m ${totalS % 60}s`;
  const totalM = Math.round(totalS / 60);
  return `${Math.floor(totalM / 60)}h ${totalM % 60}m`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Microseconds since the epoch as UTC "YYYY-MM-DD HH:MM:SS.mmm". */
export function formatTimestamp(us: number): string {
  const d = new Date(Math.floor(us / 1_000));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** An RFC 3339 time (as logs carry it) as microseconds since the epoch; NaN when unreadable. */
export function isoToMicros(iso: string): number {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (!m) return Date.parse(iso) * 1_000;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  return seconds * 1_000 + Math.floor(Number((m[2] ?? '').padEnd(6, '0').slice(0, 6)));
}

/** Nanoseconds below the microsecond of an RFC 3339 time (0-999), to order records logged within one µs. */
function subMicroNanos(iso: string): number {
  const m = /\.(\d{1,9})/.exec(iso);
  return m ? Number((m[1] as string).padEnd(9, '0').slice(6)) : 0;
}

/** Orders two RFC 3339 times to the nanosecond (for sort). */
export function compareIso(a: string, b: string): number {
  return isoToMicros(a) - isoToMicros(b) || subMicroNanos(a) - subMicroNanos(b);
}

/** Offset of a time from the start of a trace, e.g. "+1.2ms". */
export function formatOffset(us: number, startUs: number): string {
  return `+${formatDuration(us - startUs)}`;
}

/** The lookback choices of the search form (Jaeger UI's list), value = Go duration. */
export const LOOKBACKS: ReadonlyArray<{ value: string; label: string }> = [
  { value: '5m', label: 'Last 5 minutes' },
  { value: '15m', label: 'Last 15 minutes' },
  { value: '1h', label: 'Last hour' },
  { value: '2h', label: 'Last 2 hours' },
  { value: '6h', label: 'Last 6 hours' },
  { value: '12h', label: 'Last 12 hours' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '48h', label: 'Last 2 days' },
  { value: '168h', label: 'Last 7 days' },
  { value: 'custom', label: 'Custom range' },
];

/** Microseconds since the epoch as an <input type="datetime-local"> value (local time, to the second). */
export function toDatetimeLocal(us: number): string {
  const d = new Date(Math.floor(us / 1_000));
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** An <input type="datetime-local"> value as microseconds since the epoch; NaN when empty or invalid. */
export function fromDatetimeLocal(value: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return NaN;
  return new Date(value).getTime() * 1_000;
}
