/**
 * The lexical pieces of RE2 syntax as Go's regexp/syntax reads them: one escaped character
 * (parseEscape), a counted repetition `{n,m}` (parseRepeat), and the errors with Go's messages.
 * Each reader takes the pattern and a position and returns what it read with the position after
 * it; the translator in `re2.ts` keeps the state.
 */

/** An RE2 pattern that Go rejects or that Braid cannot translate; the message is the reason. */
export class RegexError extends Error {}

/** Go's syntax error: `error parsing regexp: <code>: `<expr>``. */
export function syntaxError(code: string, expr: string): RegexError {
  return new RegexError(`error parsing regexp: ${code}: \`${expr}\``);
}

/** A valid regex that JavaScript cannot match as RE2 does. */
export function unsupported(what: string): RegexError {
  return new RegexError(`${what} (unsupported in Braid: JavaScript cannot match it as RE2 does)`);
}

/** The largest code point. */
export const MAX_RUNE = 0x10ffff;

const C_ESCAPES: Readonly<Record<string, number>> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };

/** Go's parseEscape at the `\` at `start`: one escaped character and the position after it. */
export function escapeAt(src: string, start: number): { cp: number; end: number } {
  let p = start + 1;
  if (p >= src.length) throw syntaxError('trailing backslash at end of expression', '');
  const next = (): number => {
    if (p >= src.length) return -1;
    const cp = src.codePointAt(p)!;
    p += cp > 0xffff ? 2 : 1;
    return cp;
  };
  const fail = (): never => {
    throw syntaxError('invalid escape sequence', src.slice(start, p));
  };
  const c = next();
  if (c < 0x80 && !isAlnum(c)) return { cp: c, end: p };
  if (c >= 0x31 && c <= 0x37 && !isOctal(src.charCodeAt(p))) fail(); // a backreference
  if (c >= 0x30 && c <= 0x37) {
    let r = c - 0x30;
    for (let k = 1; k < 3 && isOctal(src.charCodeAt(p)); k++) r = r * 8 + src.charCodeAt(p++) - 0x30;
    return { cp: r, end: p };
  }
  if (c === 0x78) {
    if (p >= src.length) fail();
    const d = next();
    if (d === 0x7b) {
      let digits = 0;
      let r = 0;
      for (;;) {
        if (p >= src.length) fail();
        const h = next();
        if (h === 0x7d) break;
        const v = unhex(h);
        if (v < 0) fail();
        r = r * 16 + v;
        if (r > MAX_RUNE) fail();
        digits++;
      }
      if (digits === 0) fail();
      return { cp: r, end: p };
    }
    const x = unhex(d);
    const y = unhex(next());
    if (x < 0 || y < 0) fail();
    return { cp: x * 16 + y, end: p };
  }
  const simple = C_ESCAPES[String.fromCodePoint(c)];
  if (simple === undefined) fail();
  return { cp: simple!, end: p };
}

/**
 * Go's parseRepeat at the `{` at `start`: `{n}`, `{n,}` (max -1) or `{n,m}` with the position
 * after the `}` (min -1 when a number is too big), or undefined when it is no repeat count.
 */
export function repeatAt(src: string, start: number): { min: number; max: number; end: number } | undefined {
  let p = start + 1;
  const int = (): number | undefined => {
    const from = p;
    if (!isDigit(src.charCodeAt(p))) return undefined;
    if (src[p] === '0' && isDigit(src.charCodeAt(p + 1))) return undefined;
    while (isDigit(src.charCodeAt(p))) p++;
    let n = 0;
    for (let k = from; k < p; k++) {
      if (n >= 1e8) return -1;
      n = n * 10 + src.charCodeAt(k) - 0x30;
    }
    return n;
  };
  let min = int();
  if (min === undefined || p >= src.length) return undefined;
  let max = min;
  if (src[p] === ',') {
    p++;
    if (p >= src.length) return undefined;
    if (src[p] === '}') max = -1;
    else {
      const n = int();
      if (n === undefined) return undefined;
      max = n;
      if (n < 0) min = -1;
    }
  }
  if (src[p] !== '}') return undefined;
  return { min, max, end: p + 1 };
}

/** An ASCII letter or digit. */
export function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isOctal(c: number): boolean {
  return c >= 0x30 && c <= 0x37;
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}
