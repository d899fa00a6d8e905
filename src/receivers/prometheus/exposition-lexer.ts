/**
 * The token level of the exposition parser (`exposition.ts`): a cursor over the text with the
 * readers of label sets, values, timestamps and blanks, and errors that name the line. Values are
 * floats as Go's ParseFloat reads them, without hex; text timestamps are integer milliseconds,
 * OpenMetrics ones seconds turned into milliseconds exactly from the decimal text.
 */

/** A malformed exposition; the message is `line N: <problem>`. */
export class ExpositionError extends Error {}

// Char codes of the syntax; the line grammar in exposition.ts reads some of them too.
export const LF = 10;
export const SP = 32;
export const TAB = 9;
export const HASH = 35;
export const QUOTE = 34;
const BSLASH = 92;
export const LBRACE = 123;
const RBRACE = 125;
const EQ = 61;
const COMMA = 44;
const DOT = 46;
export const PLUS = 43;
export const MINUS = 45;

/** Character classes: label name start / label name char / metric name start / metric name char. */
const L0 = 1;
const L1 = 2;
export const M0 = 4;
export const M1 = 8;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  const digit = c >= 48 && c <= 57;
  CLASS[c] = (alpha ? L0 | L1 | M0 | M1 : 0) | (digit ? L1 | M1 : 0) | (c === 58 ? M0 | M1 : 0);
}
/** Whether char code `c` is in the character class `cls`. */
export const is = (c: number, cls: number): boolean => c < 128 && (CLASS[c]! & cls) !== 0;
/** Whether char code `c` is an ASCII digit. */
export const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** A label set in exposition order. */
export type Labels = Array<[string, string]>;

/** The cursor over one exposition and its token readers; `exposition.ts` adds the line grammar. */
export class ExpositionLexer {
  protected readonly len: number;
  protected pos = 0;
  protected line = 1;
  protected lineStart = 0;

  constructor(
    protected readonly text: string,
    protected readonly om: boolean,
  ) {
    this.len = text.length;
  }

  /** `{name="value",...}` from the `{`; `prev` is the previous label set, for string reuse. */
  protected labels(prev: Labels): Labels {
    const { text, om } = this;
    const labels: Labels = [];
    // Past a few labels, duplicates are found through a set: a scan per label is quadratic (20,000 labels took 1.2 s).
    let names: Set<string> | undefined;
    this.pos++;
    for (;;) {
      if (!om) this.blanks();
      let c = this.at(this.pos);
      if (c === RBRACE && (!om || labels.length === 0)) break;
      const nameStart = this.pos;
      if (!is(c, L0)) {
        if (c === QUOTE) this.fail('quoted label names and metric names in braces are not supported');
        this.fail(`expected a label name, got ${this.found()}`);
      }
      const nameEnd = this.scan(nameStart + 1, L1);
      this.pos = nameEnd;
      const old = prev[labels.length];
      const name = old !== undefined && this.equals(nameStart, nameEnd, old[0]) ? old[0] : text.slice(nameStart, nameEnd);
      if (!om) this.blanks();
      if (this.at(this.pos) !== EQ) this.fail(`expected "=" after label name ${q(name)}, got ${this.found()}`);
      this.pos++;
      if (!om) this.blanks();
      if (this.at(this.pos) !== QUOTE) this.fail(`expected a quoted value for label ${q(name)}, got ${this.found()}`);
      const valueStart = this.pos + 1;
      let p = valueStart;
      let escaped = false;
      for (;;) {
        c = this.at(p);
        if (c === QUOTE) break;
        if (c === BSLASH) {
          escaped = true;
          p++;
          c = this.at(p);
        }
        if (c === LF || p >= this.len) {
          this.pos = p;
          this.fail(`unterminated value of label ${q(name)}: a line break must be written \\n`);
        }
        p++;
      }
      this.pos = p + 1;
      let value: string;
      if (escaped) value = unescape(text.slice(valueStart, p), true);
      else value = old !== undefined && this.equals(valueStart, p, old[1]) ? old[1] : text.slice(valueStart, p);
      if (labels.length >= 16) names ??= new Set(labels.map((l) => l[0]));
      if (names === undefined) {
        for (let i = 0; i < labels.length; i++) if (labels[i]![0] === name) this.fail(`duplicate label name ${q(name)}`);
      } else if (names.has(name)) this.fail(`duplicate label name ${q(name)}`);
      else names.add(name);
      labels.push([name, value]);
      if (!om) this.blanks();
      c = this.at(this.pos);
      if (c === COMMA) {
        this.pos++;
        if (om && this.at(this.pos) === RBRACE) this.fail('expected a label name after ",": OpenMetrics does not allow a trailing comma');
        continue;
      }
      if (c === RBRACE) break;
      this.fail(`expected "," or "}" after the value of label ${q(name)}, got ${this.found()}`);
    }
    this.pos++;
    return labels;
  }

  /** The end of the value or timestamp token at `pos`; moves `pos` there. */
  protected token(): number {
    const { text, om } = this;
    let p = this.pos;
    for (; p < this.len; p++) {
      const c = text.charCodeAt(p);
      if (c === SP || c === LF || (c === TAB && !om)) break;
    }
    this.pos = p;
    return p;
  }

  /** A float as Go's strconv.ParseFloat reads it, without hex, as Prometheus does. */
  protected number(start: number, end: number, what: string): number {
    if (start === end) this.fail(`expected a ${what}, got ${this.found()}`);
    if (end - start <= 15 && this.scanDigits(start) === end) return this.integer(start, end);
    const { text } = this;
    let i = start;
    let c = text.charCodeAt(i);
    const signed = c === PLUS || c === MINUS;
    if (signed) i++;
    if (end - i === 3 || end - i === 8) {
      const word = text.slice(i, end).toLowerCase();
      if (word === 'inf' || word === 'infinity') return c === MINUS ? -Infinity : Infinity;
      if (word === 'nan' && !signed) return NaN;
    }
    const intEnd = this.scanDigits(i);
    let digits = intEnd - i;
    i = intEnd;
    if (text.charCodeAt(i) === DOT && i < end) {
      const fracEnd = this.scanDigits(i + 1);
      digits += fracEnd - i - 1;
      i = fracEnd;
    }
    c = text.charCodeAt(i);
    if (digits > 0 && i < end && (c === 101 || c === 69)) {
      i++;
      c = text.charCodeAt(i);
      if (c === PLUS || c === MINUS) i++;
      const expEnd = this.scanDigits(i);
      i = expEnd > i ? expEnd : end + 1;
    }
    const literal = text.slice(start, end);
    if (digits === 0 || i !== end) this.fail(`invalid ${what} ${q(literal)}`);
    const v = Number(literal);
    if (!Number.isFinite(v)) this.fail(`${what} ${q(literal)} is out of range`);
    return v;
  }

  /** OpenMetrics seconds to milliseconds, exactly from the decimal text, truncated to zero. */
  protected secondsToMs(start: number, end: number): number {
    const v = this.number(start, end, 'timestamp');
    if (!Number.isFinite(v)) this.fail(`invalid timestamp ${q(this.text.slice(start, end))}`);
    // number() has checked the syntax: [sign] digits [. digits] [e [sign] digits].
    const { text } = this;
    const sign = text.charCodeAt(start);
    const intStart = sign === MINUS || sign === PLUS ? start + 1 : start;
    const intEnd = this.scanDigits(intStart);
    const fracEnd = text.charCodeAt(intEnd) === DOT && intEnd < end ? this.scanDigits(intEnd + 1) : intEnd;
    const exponent = fracEnd < end ? Number(text.slice(fracEnd + 1, end)) : 0;
    const digits = text.slice(intStart, intEnd) + text.slice(Math.min(intEnd + 1, fracEnd), fracEnd);
    const point = intEnd - intStart + exponent + 3;
    if (point > 20) this.fail(`timestamp ${q(text.slice(start, end))} is out of range`);
    const whole = point <= 0 ? 0 : Number(point >= digits.length ? digits.padEnd(point, '0') : digits.slice(0, point));
    if (!Number.isSafeInteger(whole)) this.fail(`timestamp ${q(text.slice(start, end))} is out of range`);
    return sign === MINUS && whole !== 0 ? -whole : whole;
  }

  protected integer(start: number, end: number): number {
    if (end - start > 15) return Number(this.text.slice(start, end));
    let v = 0;
    for (let i = start; i < end; i++) v = v * 10 + this.text.charCodeAt(i) - 48;
    return v;
  }

  protected scanDigits(p: number): number {
    while (p < this.len && isDigit(this.text.charCodeAt(p))) p++;
    return p;
  }

  protected scan(p: number, cls: number): number {
    while (p < this.len && is(this.text.charCodeAt(p), cls)) p++;
    return p;
  }

  protected equals(start: number, end: number, s: string): boolean {
    return end - start === s.length && this.text.startsWith(s, start);
  }

  /** The char code at `p`, NaN past the end. */
  protected at(p: number): number {
    return this.text.charCodeAt(p);
  }

  protected blanks(): void {
    let c = this.at(this.pos);
    while (c === SP || c === TAB) c = this.at(++this.pos);
  }

  protected expectSpace(where: string): void {
    if (this.at(this.pos) !== SP) this.fail(`expected " " ${where}, got ${this.found()}`);
    this.pos++;
  }

  protected atLineEnd(): boolean {
    return this.pos >= this.len || this.at(this.pos) === LF;
  }

  protected lineEnd(): number {
    const nl = this.text.indexOf('\n', this.pos);
    return nl < 0 ? this.len : nl;
  }

  protected skipLine(): void {
    this.pos = this.lineEnd();
    this.endLine();
  }

  protected endLine(): void {
    if (this.pos < this.len) this.pos++;
  }

  /** What stands at `pos`, quoted, for an error message. */
  protected found(chars = 1): string {
    if (this.pos >= this.len) return 'end of input';
    if (this.at(this.pos) === LF) return 'end of line';
    return q(this.text.slice(this.pos, this.pos + Math.max(1, chars)));
  }

  protected fail(problem: string): never {
    const line = this.text.slice(this.lineStart, this.lineEnd());
    const cr = line.includes('\r') ? ' (the line holds a carriage return: lines must end with \\n alone)' : '';
    throw new ExpositionError(`line ${this.line}: ${problem}${cr}`);
  }
}

/** Undoes exposition escaping: `\\` and `\n`, and `\"` when `quote`; other escapes stay as written. */
export function unescape(raw: string, quote: boolean): string {
  let i = raw.indexOf('\\');
  if (i < 0) return raw;
  let out = '';
  let from = 0;
  while (i >= 0 && i < raw.length - 1) {
    const n = raw.charCodeAt(i + 1);
    const rep = n === BSLASH ? '\\' : n === 110 ? '\n' : quote && n === QUOTE ? '"' : undefined;
    if (rep !== undefined) {
      out += raw.slice(from, i) + rep;
      from = i + 2;
    }
    i = raw.indexOf('\\', i + 2);
  }
  return out + raw.slice(from);
}

/** A string quoted for an error message, cut at 60 characters. */
export function q(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}...` : s);
}
