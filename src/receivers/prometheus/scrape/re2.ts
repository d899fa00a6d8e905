/**
 * RE2 regexes of relabel rules translated into equivalent JavaScript RegExps (flag `u`): a
 * recursive-descent parser that follows Go's regexp/syntax parser (Perl flags) step by step, so
 * that it accepts and rejects what Go does with Go's messages, and emits a JavaScript pattern
 * with the same matches and submatches. The regex is anchored as Prometheus anchors it,
 * `^(?s:<regex>)$`, and error messages show that wrapped form, as Prometheus's do.
 *
 * Every RE2 construct is accepted with Go's exact error messages for invalid ones (lookarounds,
 * backreferences, `\Z`, possessive or stacked repetitions, `{n}` above 1000, ...). Translated,
 * not passed through: `\s` (ASCII only), `.` and `(?s)`, `(?m)` `^`/`$` (only `\n` ends a line),
 * `(?U)`, `\A`, `\z`, `\Q...\E`, octal and `\x{...}` escapes, `[[:alpha:]]` classes, `\pL` and
 * `\p{Greek}` (names looked up as Go 1.25+ does), named groups (`(?P<n>)`, `(?<n>)`, names may
 * start with a digit or repeat). What Braid cannot reproduce is rejected when the config loads:
 * - case-insensitivity that does not apply to the whole regex, e.g. `a(?i)b` (`(?i)abc` is fine);
 * - `\P{...}` / `\p{^...}` under `(?i)` (JavaScript folds them differently), except Any, Assigned
 *   and ASCII;
 * - a regex that closes the group Prometheus wraps it in, e.g. `a)|(b` (Prometheus then no
 *   longer anchors it);
 * - in `replace` and `labelmap` templates, a group inside a repetition that may skip the group
 *   or match empty, e.g. `$1` of `(?:(a)|b)+` or `(a?){1,2}`: RE2 keeps the value of an earlier
 *   repetition or takes the empty one, JavaScript does neither (the `unstable` groups, which
 *   `relabel-config.ts` checks against the templates).
 * Known differences that are not detected: Unicode tables follow V8's version rather than Go's;
 * under `(?i)`, `\b` and `\B` count `ſ` (U+017F) and `K` (U+212A) as word characters; Go's limit
 * on compiled program size is not applied; and matching backtracks: unlike RE2's, its time is not
 * linear in the input, so a regex with nested repetitions, e.g. `(a+)+$`, can be slow on long
 * label values.
 */
import { BraidError } from '../../../errors.js';
import { charClassAt, perlClassAt, unicodeClassAt, type ClassItem } from './re2-classes.js';
import { escapeAt, RegexError, repeatAt, syntaxError, unsupported } from './re2-syntax.js';
import type { RelabelMatcher } from './relabel.js';

/** A relabel regex compiled: its matcher and what templates need to know of its groups. */
export interface CompiledRegex {
  matcher: RelabelMatcher;
  /** Number of capture groups. */
  groups: number;
  names: ReadonlyMap<string, readonly number[]>;
  /** Groups inside a repetition that they may skip (see the module comment). */
  unstable: ReadonlySet<number>;
}

/** Prometheus's default relabel regex. */
export const DEFAULT_REGEX = '(.*)';

const NO_GROUPS: ReadonlyMap<string, readonly number[]> = new Map();
const NONE: ReadonlySet<number> = new Set();

/** DEFAULT_REGEX compiled. */
export const DEFAULT_COMPILED: CompiledRegex = {
  // `^(?s:(.*))$` matches every string whole.
  matcher: { test: () => true, exec: (s) => [s, s] },
  groups: 1,
  names: NO_GROUPS,
  unstable: NONE,
};
// A regex of these characters is an alternation of literal strings (`drop` and `labeldrop` lists).
const LITERALS = /^[A-Za-z0-9_:\-/,;=@#%&'"<>!~` |]*$/;

/** Compiles a relabel regex; throws BRAID_ERR_CONFIG_INVALID naming `field` when it cannot. */
export function compileRegex(pattern: string, field: string): CompiledRegex {
  if (pattern === DEFAULT_REGEX) return DEFAULT_COMPILED;
  if (LITERALS.test(pattern)) {
    const set = new Set(pattern.split('|'));
    return { matcher: { test: (s) => set.has(s), exec: (s) => (set.has(s) ? [s] : null) }, groups: 0, names: NO_GROUPS, unstable: NONE };
  }
  const translator = new Re2Translator(`^(?s:${pattern})$`);
  let source: string;
  try {
    source = translator.translate();
  } catch (err) {
    if (err instanceof RegexError) throw invalid(field, err.message);
    throw err;
  }
  let re: RegExp;
  try {
    re = new RegExp(source, translator.fold === true ? 'ui' : 'u');
  } catch (err) {
    throw invalid(field, `the JavaScript engine rejects the translated regex: ${(err as Error).message}`);
  }
  return {
    matcher: { test: (s) => re.test(s), exec: (s) => re.exec(s) },
    groups: translator.groupCount,
    names: translator.names,
    unstable: translator.unstable,
  };
}

function invalid(field: string, what: string): BraidError {
  return new BraidError('BRAID_ERR_CONFIG_INVALID', `${field}: ${what}`);
}

interface Re2Flags {
  readonly i: boolean;
  readonly m: boolean;
  readonly s: boolean;
  readonly U: boolean;
}

/** One parsed piece of a regex, as JavaScript source plus what the checks need. */
interface Piece {
  js: string;
  /** Takes a quantifier as is; otherwise it is wrapped in `(?:)` first (assertions, repeats). */
  atom: boolean;
  caps: number[];
  /** Of `caps`, those that may not take part in a match of this piece. */
  cond: number[];
  /** Largest product of counted repetitions inside (Go's repeatIsValid). */
  prod: number;
  /** Whether it can match the empty string. */
  nullable: boolean;
}

const MAX_REPEAT = 1000;
const MAX_DEPTH = 1000;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

class Re2Translator {
  private pos = 0;
  private flags: Re2Flags = { i: false, m: false, s: false, U: false };
  private depth = 0;
  /** Why Braid cannot match the regex as RE2 does; reported once the whole regex has parsed. */
  private unsupportedReason: string | undefined;
  groupCount = 0;
  readonly names = new Map<string, number[]>();
  readonly unstable = new Set<number>();
  /** Whether the regex is case-insensitive: set by the first piece whose case matters. */
  fold: boolean | undefined;

  constructor(private readonly src: string) {}

  translate(): string {
    const bad = LONE_SURROGATE.exec(this.src);
    if (bad !== null) throw syntaxError('invalid UTF-8', this.src.slice(bad.index));
    const body = this.alternation();
    if (this.pos < this.src.length) throw syntaxError('unexpected )', this.src);
    if (this.unsupportedReason !== undefined) throw unsupported(this.unsupportedReason);
    return body.js;
  }

  private alternation(): Piece {
    const branches = [this.concat()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      branches.push(this.concat());
    }
    if (branches.length === 1) return branches[0]!;
    const caps = branches.flatMap((b) => b.caps);
    return {
      js: branches.map((b) => b.js).join('|'),
      atom: false,
      caps,
      cond: caps,
      prod: Math.max(...branches.map((b) => b.prod)),
      nullable: branches.some((b) => b.nullable),
    };
  }

  private concat(): Piece {
    const src = this.src;
    const pieces: Piece[] = [];
    let lastRepeat = -1;
    while (this.pos < src.length) {
      const c = src[this.pos]!;
      if (c === '|' || c === ')') break;
      let repeat = -1;
      switch (c) {
        case '(':
          this.group(pieces);
          break;
        case '^':
          this.pos++;
          pieces.push(assertion(this.flags.m ? '(?<![^\\n])' : '^'));
          break;
        case '$':
          this.pos++;
          pieces.push(assertion(this.flags.m ? '(?![^\\n])' : '$'));
          break;
        case '.':
          this.pos++;
          pieces.push(atom(this.flags.s ? '[\\u{0}-\\u{10ffff}]' : '[^\\n]'));
          break;
        case '[': {
          const cls = charClassAt(src, this.pos, this.flags.i, (what) => this.reject(what));
          this.pos = cls.end;
          pieces.push(this.classPiece(cls.items, cls.negated));
          break;
        }
        case '*':
        case '+':
        case '?': {
          repeat = this.pos++;
          const [min, max] = c === '*' ? [0, -1] : c === '+' ? [1, -1] : [0, 1];
          this.repeat(pieces, c, min, max, repeat, lastRepeat, false);
          break;
        }
        case '{': {
          const start = this.pos;
          const r = repeatAt(src, start);
          if (r === undefined) {
            this.pos++;
            pieces.push(this.literal(0x7b));
            break;
          }
          this.pos = r.end;
          if (r.min < 0 || r.min > MAX_REPEAT || r.max > MAX_REPEAT || (r.max >= 0 && r.min > r.max)) {
            throw syntaxError('invalid repeat count', src.slice(start, this.pos));
          }
          repeat = start;
          this.repeat(pieces, src.slice(start, this.pos), r.min, r.max, start, lastRepeat, true);
          break;
        }
        case '\\':
          this.escape(pieces);
          break;
        default:
          pieces.push(this.literal(this.codePoint()));
      }
      lastRepeat = repeat;
    }
    const caps = pieces.flatMap((p) => p.caps);
    return {
      js: pieces.map((p) => p.js).join(''),
      atom: false,
      caps,
      cond: pieces.flatMap((p) => p.cond),
      prod: pieces.reduce((max, p) => Math.max(max, p.prod), 1),
      nullable: pieces.every((p) => p.nullable),
    };
  }

  /** Applies a repetition to the last piece, with Go's checks in Go's order. */
  private repeat(pieces: Piece[], op: string, min: number, max: number, start: number, lastRepeat: number, counted: boolean): void {
    let lazy = this.flags.U;
    if (this.src[this.pos] === '?') {
      this.pos++;
      lazy = !lazy;
    }
    if (lastRepeat >= 0) throw syntaxError('invalid nested repetition operator', this.src.slice(lastRepeat, this.pos));
    const sub = pieces.pop();
    if (sub === undefined) throw syntaxError('missing argument to repetition operator', this.src.slice(start, this.pos));
    let prod = sub.prod;
    if (counted) {
      prod = max === 0 ? 1 : prod * (max > 0 ? max : Math.max(min, 1));
      if ((min >= 2 || max >= 2) && prod > MAX_REPEAT) throw syntaxError('invalid repeat count', this.src.slice(start, this.pos));
    }
    // A later repetition that skips a group, or matches empty (RE2 then sets its groups, where
    // JavaScript refuses an empty repetition), leaves groups that RE2 and JavaScript fill differently.
    if (max === -1 || max > 1) for (const g of sub.nullable ? sub.caps : sub.cond) this.unstable.add(g);
    pieces.push({
      js: (sub.atom ? sub.js : `(?:${sub.js})`) + op + (lazy ? '?' : ''),
      atom: false,
      caps: sub.caps,
      cond: min === 0 ? sub.caps : sub.cond,
      prod,
      nullable: min === 0 || sub.nullable,
    });
  }

  /** `(`: a capture, a named capture, a non-capturing group, or a flag change. */
  private group(pieces: Piece[]): void {
    const src = this.src;
    const open = this.pos;
    if (src[open + 1] !== '?') {
      this.pos++;
      pieces.push(this.groupBody(open, ++this.groupCount, this.flags));
      return;
    }
    const withP = src.length - open > 4 && src[open + 2] === 'P' && src[open + 3] === '<';
    if (withP || (src.length - open > 3 && src[open + 2] === '<')) {
      const end = src.indexOf('>', open);
      if (end < 0) throw syntaxError('invalid named capture', src.slice(open));
      const name = src.slice(open + (withP ? 4 : 3), end);
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw syntaxError('invalid named capture', src.slice(open, end + 1));
      this.pos = end + 1;
      const index = ++this.groupCount;
      const same = this.names.get(name);
      if (same === undefined) this.names.set(name, [index]);
      else same.push(index);
      pieces.push(this.groupBody(open, index, this.flags));
      return;
    }
    const f = { ...this.flags };
    let p = open + 2;
    let negate = false;
    let sawFlag = false;
    while (p < src.length) {
      const c = src[p++];
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        f[c] = !negate;
        sawFlag = true;
      } else if (c === '-' && !negate) {
        negate = true;
        sawFlag = false;
      } else if ((c === ':' || c === ')') && (!negate || sawFlag)) {
        this.pos = p;
        if (c === ':') pieces.push(this.groupBody(open, 0, f));
        else this.flags = f;
        return;
      } else {
        if (c !== undefined && c >= '\ud800' && c <= '\udbff') p++;
        break;
      }
    }
    throw syntaxError('invalid or unsupported Perl syntax', src.slice(open, p));
  }

  private groupBody(open: number, capture: number, flags: Re2Flags): Piece {
    const saved = this.flags;
    this.flags = flags;
    if (++this.depth > MAX_DEPTH) throw syntaxError('expression nests too deeply', this.src);
    const body = this.alternation();
    this.depth--;
    if (this.pos >= this.src.length) throw syntaxError('missing closing )', this.src);
    if (open === 1 && this.pos !== this.src.length - 2) this.reject('a `)` that closes the group Prometheus wraps the regex in');
    this.pos++;
    this.flags = saved;
    return {
      js: capture > 0 ? `(${body.js})` : `(?:${body.js})`,
      atom: true,
      caps: capture > 0 ? [capture, ...body.caps] : body.caps,
      cond: body.cond,
      prod: body.prod,
      nullable: body.nullable,
    };
  }

  private escape(pieces: Piece[]): void {
    const src = this.src;
    const start = this.pos;
    switch (src[start + 1]) {
      case 'A':
        this.pos += 2;
        pieces.push(assertion('^'));
        return;
      case 'z':
        this.pos += 2;
        pieces.push(assertion('$'));
        return;
      case 'b':
      case 'B':
        this.pos += 2;
        pieces.push(assertion(src.slice(start, start + 2)));
        return;
      case 'C':
        throw syntaxError('invalid escape sequence', '\\C');
      case 'Q': {
        const end = src.indexOf('\\E', start + 2);
        const text = end < 0 ? src.slice(start + 2) : src.slice(start + 2, end);
        this.pos = end < 0 ? src.length : end + 2;
        for (const ch of text) pieces.push(this.literal(ch.codePointAt(0)!));
        return;
      }
      case 'p':
      case 'P': {
        const u = unicodeClassAt(src, start, this.flags.i, (what) => this.reject(what));
        this.pos = u.end;
        pieces.push(this.classPiece([u.item], false));
        return;
      }
    }
    const perl = perlClassAt(src, start);
    if (perl !== undefined) {
      this.pos += 2;
      pieces.push(this.classPiece([perl], false));
      return;
    }
    const e = escapeAt(src, start);
    this.pos = e.end;
    pieces.push(this.literal(e.cp));
  }

  private classPiece(items: ClassItem[], negated: boolean): Piece {
    this.noteCase(items.some((i) => i.cased));
    return atom(`[${negated ? '^' : ''}${items.map((i) => i.js).join('')}]`);
  }

  private literal(cp: number): Piece {
    const ch = String.fromCodePoint(cp);
    this.noteCase(ch.toLowerCase() !== ch || ch.toUpperCase() !== ch);
    return atom(literalJs(cp));
  }

  /** Case-insensitivity must be the same for every piece where it matters (JavaScript's `i` is global). */
  private noteCase(cased: boolean): void {
    if (!cased) return;
    if (this.fold === undefined) this.fold = this.flags.i;
    else if (this.fold !== this.flags.i) this.reject('case-insensitivity `(?i)` that does not apply to the whole regex');
  }

  private reject(what: string): void {
    this.unsupportedReason ??= what;
  }

  private codePoint(): number {
    const cp = this.src.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }
}

function atom(js: string): Piece {
  return { js, atom: true, caps: [], cond: [], prod: 1, nullable: false };
}

function assertion(js: string): Piece {
  return { js, atom: false, caps: [], cond: [], prod: 1, nullable: true };
}

const SYNTAX_CHARS = '^$\\.*+?()[]{}|/';

function literalJs(cp: number): string {
  if (cp >= 0x20 && cp < 0x7f) {
    const ch = String.fromCharCode(cp);
    return SYNTAX_CHARS.includes(ch) ? `\\${ch}` : ch;
  }
  return `\\u{${cp.toString(16)}}`;
}
