/** PromQL literals: numbers, durations and Go-quoted strings, read as Prometheus's lexer reads them. */

const UNITS: ReadonlyArray<[string, number]> = [
  ['y', 365 * 24 * 3600_000], ['w', 7 * 24 * 3600_000], ['d', 24 * 3600_000], ['h', 3600_000],
  ['m', 60_000], ['s', 1000], ['ms', 1],
];
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Milliseconds of a Prometheus duration such as `1m30s`, or undefined when `text` is not one. */
export function parseDurationMs(text: string): number | undefined {
  if (text === '' || text === '0') return text === '0' ? 0 : undefined;
  const m = DURATION.exec(text);
  if (m === null) return undefined;
  let ms = 0;
  for (let i = 0; i < UNITS.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * UNITS[i]![1];
  return ms;
}

/** The value of a number literal (a duration counts as its seconds), or undefined. */
export function parseNumber(text: string): number | undefined {
  const lower = text.toLowerCase();
  let sign = 1;
  let body = lower;
  if (body.startsWith('+') || body.startsWith('-')) {
    sign = body.startsWith('-') ? -1 : 1;
    body = body.slice(1);
  }
  if (body === 'inf') return sign * Infinity;
  if (body === 'nan') return NaN;
  const n = Number(body.replace(/_/g, ''));
  if (body !== '' && !Number.isNaN(n)) return sign * n;
  const d = parseDurationMs(body);
  return d === undefined ? undefined : (sign * d) / 1000;
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"' };

/** Unquotes a Go string literal ("...", '...' or `...`); throws an Error with Go's reason when invalid. */
export function unquote(text: string): string {
  const q = text[0];
  if (text.length < 2 || text[text.length - 1] !== q) throw new Error('unterminated quoted string');
  const body = text.slice(1, -1);
  if (q === '`') return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new Error('invalid syntax');
    if (SIMPLE_ESCAPES[e] !== undefined && (e !== "'" || q === "'") && (e !== '"' || q === '"')) {
      out += SIMPLE_ESCAPES[e];
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new Error('invalid syntax');
      out += String.fromCodePoint(parseInt(hex, 16));
      i += len;
    } else if (/[0-7]/.test(e)) {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) throw new Error('invalid syntax');
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else {
      throw new Error('invalid syntax');
    }
  }
  return out;
}

/** Formats a millisecond duration as Prometheus prints one (`1h30m`, `0s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.abs(ms);
  let out = ms < 0 ? '-' : '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
