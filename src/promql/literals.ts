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

const GO_DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const GO_SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/** A float as Go's strconv.ParseFloat(s, 64) reads it (decimal, Inf, NaN; hex floats not read), or undefined. */
export function parseGoFloat(s: string): number | undefined {
  const special = GO_SPECIAL.exec(s);
  if (special !== null) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!GO_DECIMAL.test(s)) return undefined;
  const v = Number(s);
  // Go reports a value out of range as an error.
  return Number.isFinite(v) ? v : undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"' };

/**
 * A byte of an invalid UTF-8 sequence in a Go string (`"\xff"`), kept as the lone surrogate
 * U+DC80..U+DCFF (Python's surrogateescape): JavaScript strings cannot hold raw bytes, and a lone
 * surrogate keeps such a string invalid, as Prometheus's UTF-8 checks expect.
 */
const escapeByte = (b: number): string => String.fromCharCode(0xdc00 + b);

/** Decodes bytes as UTF-8, invalid bytes escaped as lone surrogates. */
function decodeBytes(bytes: number[]): string {
  const buf = Uint8Array.from(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    let out = '';
    for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : escapeByte(b);
    return out;
  }
}

/** A rune as Go's %#U writes it: `U+0022 '"'`. */
function goRune(c: string): string {
  const cp = c.codePointAt(0)!;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c) ? `U+${hex} '${c}'` : `U+${hex}`;
}

/** Checks an escape's digits as Prometheus's lexer does (lexEscape), with its messages. */
function escapeDigits(text: string, n: number, base: number): void {
  for (let k = 0; k < n; k++) {
    const c = text[k];
    if (c === undefined) throw new Error('escape sequence not terminated');
    if (!(parseInt(c, 16) < base)) throw new Error(`illegal character ${goRune(c)} in escape sequence`);
  }
}

/** Unquotes a Go string literal ("...", '...' or `...`); throws an Error with Go's reason when invalid. */
export function unquote(text: string): string {
  const q = text[0];
  if (text.length < 2 || text[text.length - 1] !== q) throw new Error('unterminated quoted string');
  const body = text.slice(1, -1);
  if (q === '`') return body;
  let out = '';
  // \x and octal escapes are bytes: consecutive ones are decoded together, as UTF-8.
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length > 0) out += decodeBytes(bytes);
    bytes = [];
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      flush();
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new Error('escape sequence not terminated');
    if (e === 'x' || /[0-7]/.test(e)) {
      const text = e === 'x' ? body.slice(i + 1, i + 3) : body.slice(i, i + 3);
      escapeDigits(text, e === 'x' ? 2 : 3, e === 'x' ? 16 : 8);
      const b = parseInt(text, e === 'x' ? 16 : 8);
      if (b > 255) throw new Error('escape sequence is an invalid Unicode code point');
      bytes.push(b);
      i += 2;
      continue;
    }
    flush();
    if (SIMPLE_ESCAPES[e] !== undefined && (e !== "'" || q === "'") && (e !== '"' || q === '"')) {
      out += SIMPLE_ESCAPES[e];
    } else if (e === 'u' || e === 'U') {
      const len = e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      escapeDigits(hex, len, 16);
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) throw new Error('escape sequence is an invalid Unicode code point');
      out += String.fromCodePoint(cp);
      i += len;
    } else {
      throw new Error(`unknown escape sequence ${goRune(e)}`);
    }
  }
  flush();
  return out;
}

/** Whether a string is valid UTF-8 in Go's sense: no byte kept by `unquote` as a lone surrogate. */
export function isValidUtf8(s: string): boolean {
  return !/\p{Cs}/u.test(s);
}

/** Go's strconv.Quote for the strings `unquote` yields: invalid bytes come back as `\xNN`. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\ud[c-f][0-9a-f]{2}/g, (m) => {
    const code = parseInt(m.slice(2), 16);
    return code >= 0xdc80 && code <= 0xdcff ? `\\x${(code - 0xdc00).toString(16)}` : m;
  });
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
