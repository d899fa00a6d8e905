/**
 * The exact JSON parser of the NDJSON receiver: one line of a larger text at a time, straight to
 * AnyValues, strict as JSON.parse is (RFC 8259). JSON.parse cannot serve: it cannot tell 1 from
 * 1.0 and rounds integers past 2^53 (epoch nanoseconds, 64-bit IDs). Here an integer token in
 * int64 range is a bigint, any other number a number, an object a KvList (a repeated key keeps
 * its last value, as with JSON.parse; `__proto__` is an ordinary key). Objects and arrays nest at
 * most 64 deep, so a hostile line cannot exhaust the stack. A malformed line throws BadLine,
 * whose message names the 1-based column.
 */
import { isHex } from '../../model/hex.js';
import { setAttribute } from '../../model/otlp/common-proto.js';
import type { AnyValue, KvList } from '../../model/trace.js';

/** A line's rejection; its message is the reason reported. */
export class BadLine extends Error {}

const MAX_DEPTH = 64;

/**
 * A strict JSON parser (RFC 8259, as JSON.parse accepts it) for one line of a larger text,
 * producing AnyValues directly: integer tokens as bigint, so no value is rounded.
 */
export class LineParser {
  /**
   * The exact text of the last line's top-level non-integer numbers under one of `rawKeys`: a
   * double cannot hold an epoch time's fraction to the nanosecond, the text can.
   */
  rawNumbers: Map<string, string> | undefined;
  private readonly s: string;
  private readonly rawKeys: readonly string[];
  private i = 0;
  private end = 0;
  private lineStart = 0;

  /** A parser of lines of `text`; top-level numbers under `rawKeys` are also kept as text. */
  constructor(text: string, rawKeys: readonly string[]) {
    this.s = text;
    this.rawKeys = rawKeys;
  }

  /** The object on `text[start..end)`, or undefined for a blank line. */
  parseLine(start: number, end: number): KvList | undefined {
    this.i = this.lineStart = start;
    this.end = end;
    this.rawNumbers = undefined;
    this.skipSpace();
    if (this.i === end) return undefined;
    const top = this.peek() === 123;
    const v = top ? this.object(1, true) : this.value(0);
    this.skipSpace();
    if (this.i !== end) throw this.unexpected('end of line after the JSON value');
    if (!top) throw new BadLine(`expected a JSON object, got ${typeName(v)}`);
    return v as KvList;
  }

  private value(depth: number): AnyValue {
    const c = this.peek();
    if (c === 34) return this.string();
    if (c === 123) return this.object(depth + 1, false);
    if (c === 91) return this.array(depth + 1);
    if (c === 45 || isDigit(c)) return this.number();
    if (c === 116) return this.literal('true', true);
    if (c === 102) return this.literal('false', false);
    if (c === 110) return this.literal('null', null);
    throw this.unexpected('a JSON value');
  }

  private object(depth: number, top: boolean): KvList {
    if (depth > MAX_DEPTH) throw this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    const out: KvList = {};
    this.i++;
    this.skipSpace();
    if (this.peek() === 125) {
      this.i++;
      return out;
    }
    for (;;) {
      if (this.peek() !== 34) throw this.unexpected('a string key');
      const key = this.string();
      this.skipSpace();
      if (this.peek() !== 58) throw this.unexpected("':'");
      this.i++;
      this.skipSpace();
      const start = this.i;
      const v = this.value(depth);
      if (top && typeof v === 'number' && this.rawKeys.includes(key)) (this.rawNumbers ??= new Map()).set(key, this.s.slice(start, this.i));
      setAttribute(out, key, v);
      this.skipSpace();
      const c = this.peek();
      if (c === 125) {
        this.i++;
        return out;
      }
      if (c !== 44) throw this.unexpected("',' or '}'");
      this.i++;
      this.skipSpace();
    }
  }

  private array(depth: number): AnyValue[] {
    if (depth > MAX_DEPTH) throw this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    const out: AnyValue[] = [];
    this.i++;
    this.skipSpace();
    if (this.peek() === 93) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      this.skipSpace();
      const c = this.peek();
      if (c === 93) {
        this.i++;
        return out;
      }
      if (c !== 44) throw this.unexpected("',' or ']'");
      this.i++;
      this.skipSpace();
    }
  }

  private string(): string {
    const { s, end } = this;
    const open = this.i;
    let out = '';
    let from = open + 1;
    for (let i = from; i < end; ) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        this.i = i + 1;
        return out + s.slice(from, i);
      }
      if (c < 32) {
        this.i = i;
        throw this.fail('control character in a string (it must be escaped)');
      }
      if (c !== 92) {
        i++;
        continue;
      }
      out += s.slice(from, i);
      const e = s.charCodeAt(i + 1);
      const simple = ESCAPES[e];
      if (simple !== undefined && i + 1 < end) {
        out += simple;
        i += 2;
      } else if (e === 117 && i + 5 < end && isHex(s.slice(i + 2, i + 6), 4)) {
        out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        this.i = i;
        throw this.fail('invalid escape in a string');
      }
      from = i;
    }
    this.i = open;
    throw this.fail('unterminated string');
  }

  private number(): bigint | number {
    const { s, end } = this;
    const start = this.i;
    let i = s.charCodeAt(start) === 45 ? start + 1 : start;
    const intStart = i;
    if (s.charCodeAt(i) === 48 && i < end) i++;
    else i = this.digits(i);
    const intEnd = i;
    let integer = true;
    if (s.charCodeAt(i) === 46 && i < end) {
      integer = false;
      i = this.digits(i + 1);
    }
    const e = s.charCodeAt(i);
    if ((e === 101 || e === 69) && i < end) {
      integer = false;
      const sign = s.charCodeAt(i + 1);
      i = this.digits(sign === 43 || sign === 45 ? i + 2 : i + 1);
    }
    this.i = i;
    const text = s.slice(start, i);
    if (!integer) return Number(text);
    // 18 digits always fit int64; past that, check the range and fall back to a double.
    if (intEnd - intStart <= 18) return BigInt(text);
    const big = BigInt(text);
    return big >= -(2n ** 63n) && big < 2n ** 63n ? big : Number(text);
  }

  /** Skips one or more digits from `i`, returning the index after them. */
  private digits(i: number): number {
    const start = i;
    while (i < this.end && isDigit(this.s.charCodeAt(i))) i++;
    if (i === start) {
      this.i = i;
      throw this.unexpected('a digit');
    }
    return i;
  }

  private literal<T extends AnyValue>(word: string, value: T): T {
    if (this.i + word.length > this.end || !this.s.startsWith(word, this.i)) throw this.unexpected('a JSON value');
    this.i += word.length;
    return value;
  }

  private skipSpace(): void {
    const { s, end } = this;
    let i = this.i;
    // No '\n' can occur: it ends the line.
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 13) break;
      i++;
    }
    this.i = i;
  }

  private peek(): number {
    return this.i < this.end ? this.s.charCodeAt(this.i) : -1;
  }

  private unexpected(expected: string): BadLine {
    const found = this.i < this.end ? JSON.stringify(this.s[this.i]) : 'the end of the line';
    return this.fail(`expected ${expected}, found ${found}`);
  }

  private fail(message: string): BadLine {
    return new BadLine(`not valid JSON: ${message} at column ${this.i - this.lineStart + 1}`);
  }
}

const ESCAPES: (string | undefined)[] = [];
for (const [c, v] of [['"', '"'], ['\\', '\\'], ['/', '/'], ['b', '\b'], ['f', '\f'], ['n', '\n'], ['r', '\r'], ['t', '\t']] as const) ESCAPES[c.charCodeAt(0)] = v;

function typeName(v: AnyValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'bigint' || typeof v === 'number') return 'a number';
  return typeof v === 'string' ? 'a string' : typeof v === 'boolean' ? 'a boolean' : 'an object';
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
