/**
 * RE2 character classes as JavaScript class source: `[...]` (Go's parseClass), `[[:alpha:]]`
 * POSIX classes, `\d \s \w` and their negations, and `\pL` / `\p{Greek}` Unicode classes with
 * names looked up as Go 1.25+ does. `\s` and the POSIX classes are ASCII-only, as in RE2; under
 * `(?i)` a negated ASCII class also leaves out the case-fold partners of its members.
 */
import { escapeAt, isAlnum, MAX_RUNE, syntaxError } from './re2-syntax.js';

/** A member of a character class, as JavaScript class source. */
export interface ClassItem {
  js: string;
  /** Whether case-insensitivity could change what it matches. */
  cased: boolean;
}

/** Records why Braid cannot match a regex as RE2 does (the first reason is kept). */
export type Reject = (what: string) => void;

type Ranges = Array<[number, number]>;

const SPACE: Ranges = [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]];
const POSIX: Readonly<Record<string, Ranges>> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};
const UNCASED_POSIX = new Set(['blank', 'cntrl', 'digit', 'punct', 'space']);
// General categories by Go's canonical name (see canonicalName) of their short and long names.
const CATEGORIES: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  const table =
    'C Other|Cc Control cntrl|Cf Format|Cn Unassigned|Co Private_Use|Cs Surrogate|L Letter|LC Cased_Letter|' +
    'Ll Lowercase_Letter|Lm Modifier_Letter|Lo Other_Letter|Lt Titlecase_Letter|Lu Uppercase_Letter|' +
    'M Mark Combining_Mark|Mc Spacing_Mark|Me Enclosing_Mark|Mn Nonspacing_Mark|N Number|Nd Decimal_Number digit|' +
    'Nl Letter_Number|No Other_Number|P Punctuation punct|Pc Connector_Punctuation|Pd Dash_Punctuation|' +
    'Pe Close_Punctuation|Pf Final_Punctuation|Pi Initial_Punctuation|Po Other_Punctuation|Ps Open_Punctuation|' +
    'S Symbol|Sc Currency_Symbol|Sk Modifier_Symbol|Sm Math_Symbol|So Other_Symbol|Z Separator|Zl Line_Separator|' +
    'Zp Paragraph_Separator|Zs Space_Separator';
  for (const entry of table.split('|')) {
    const [code, ...aliases] = entry.split(' ');
    for (const name of [code!, ...aliases]) m.set(canonicalName(name), code!);
  }
  return m;
})();

/** `\d \D \s \S \w \W` at `p` (two characters long), if there. */
export function perlClassAt(src: string, p: number): ClassItem | undefined {
  if (src[p] !== '\\') return undefined;
  const c = src[p + 1];
  switch (c) {
    case 'd':
    case 'D':
      return { js: `\\${c}`, cased: false };
    case 'w':
    case 'W':
      // JavaScript's \w and \W equal RE2's, with (?i) too (both then fold in U+017F and U+212A).
      return { js: `\\${c}`, cased: true };
    case 's':
      return { js: rangesJs(SPACE), cased: false };
    case 'S':
      return { js: rangesJs(complement(SPACE)), cased: false };
    default:
      return undefined;
  }
}

/** Go's parseUnicodeClass at the `\p` or `\P` at `start`: the class and the position after it. */
export function unicodeClassAt(src: string, start: number, fold: boolean, reject: Reject): { item: ClassItem; end: number } {
  let positive = src[start + 1] === 'p';
  let name: string;
  let end: number;
  if (start + 2 >= src.length) {
    name = '';
    end = start + 2;
  } else if (src[start + 2] !== '{') {
    const cp = src.codePointAt(start + 2)!;
    end = start + 2 + (cp > 0xffff ? 2 : 1);
    name = src.slice(start + 2, end);
  } else {
    const close = src.indexOf('}', start);
    if (close < 0) throw syntaxError('invalid character class range', src.slice(start));
    name = src.slice(start + 3, close);
    end = close + 1;
  }
  if (name.startsWith('^')) {
    positive = !positive;
    name = name.slice(1);
  }
  const js = unicodeClassJs(name, positive, fold, reject);
  if (js === undefined) throw syntaxError('invalid character class range', src.slice(start, end));
  return { item: { js, cased: true }, end };
}

/** Go's parseClass at the `[` at `start`: the members, whether negated, and the position after the `]`. */
export function charClassAt(src: string, start: number, fold: boolean, reject: Reject): { items: ClassItem[]; negated: boolean; end: number } {
  let pos = start + 1;
  const negated = src[pos] === '^';
  if (negated) pos++;
  const classChar = (): number => {
    if (pos >= src.length) throw syntaxError('missing closing ]', src.slice(start));
    if (src[pos] === '\\') {
      const e = escapeAt(src, pos);
      pos = e.end;
      return e.cp;
    }
    const cp = src.codePointAt(pos)!;
    pos += cp > 0xffff ? 2 : 1;
    return cp;
  };
  const items: ClassItem[] = [];
  let first = true;
  while (pos >= src.length || src[pos] !== ']' || first) {
    first = false;
    const t = pos;
    if (src.length - t > 2 && src[t] === '[' && src[t + 1] === ':') {
      const close = src.indexOf(':]', t + 2);
      if (close >= 0) {
        const name = src.slice(t, close + 2);
        const item = posixClass(name.slice(2, -2), fold);
        if (item === undefined) throw syntaxError('invalid character class range', name);
        items.push(item);
        pos = close + 2;
        continue;
      }
    }
    if (src[t] === '\\' && (src[t + 1] === 'p' || src[t + 1] === 'P')) {
      const u = unicodeClassAt(src, t, fold, reject);
      items.push(u.item);
      pos = u.end;
      continue;
    }
    const perl = perlClassAt(src, t);
    if (perl !== undefined) {
      items.push(perl);
      pos += 2;
      continue;
    }
    const lo = classChar();
    let hi = lo;
    if (src.length - pos >= 2 && src[pos] === '-' && src[pos + 1] !== ']') {
      pos++;
      hi = classChar();
      if (hi < lo) throw syntaxError('invalid character class range', src.slice(t, pos));
    }
    items.push({ js: lo === hi ? classCharJs(lo) : `${classCharJs(lo)}-${classCharJs(hi)}`, cased: rangeIsCased(lo, hi) });
  }
  return { items, negated, end: pos + 1 };
}

/** A POSIX class `[:name:]` or `[:^name:]` as class source, or undefined if Go does not know it. */
function posixClass(name: string, fold: boolean): ClassItem | undefined {
  const negated = name.startsWith('^');
  const base = negated ? name.slice(1) : name;
  const ranges = Object.hasOwn(POSIX, base) ? POSIX[base] : undefined;
  if (ranges === undefined) return undefined;
  if (!negated) return { js: rangesJs(ranges), cased: !UNCASED_POSIX.has(base) };
  // Go folds the class before negating it; under JavaScript's `i` a complement must then leave
  // out the fold partners too, or they would match through folding.
  return { js: rangesJs(complement(fold ? foldAscii(ranges) : ranges)), cased: true };
}

/** `\p{name}` (or its negation) as class source, name looked up as Go 1.25+ does. */
function unicodeClassJs(name: string, positive: boolean, fold: boolean, reject: Reject): string | undefined {
  const canon = canonicalName(name);
  switch (canon) {
    case 'Any':
      return positive ? rangesJs([[0, MAX_RUNE]]) : '';
    case 'Assigned':
      return positive ? '\\P{Cn}' : '\\p{Cn}';
    case 'Ascii':
      return positive ? rangesJs(POSIX.ascii!) : rangesJs(complement(fold ? foldAscii(POSIX.ascii!) : POSIX.ascii!));
  }
  let property = CATEGORIES.get(canon);
  if (property === undefined && /^[A-Za-z0-9]+$/.test(canon) && isScript(canon)) property = `Script=${canon}`;
  if (property === undefined) return undefined;
  if (!positive && fold && property !== 'Cn') reject(`\`\\P{${name}}\` under (?i)`);
  return `\\${positive ? 'p' : 'P'}{${property}}`;
}

// Four-letter script names. Every other four-letter name JavaScript knows is an ISO 15924 code
// (`Grek`), which Go does not accept.
const FOUR_LETTER_SCRIPTS = new Set(['Ahom', 'Cham', 'Kawi', 'Lisu', 'Miao', 'Modi', 'Newa', 'Thai', 'Toto']);

function isScript(name: string): boolean {
  if (name.length === 4 && !FOUR_LETTER_SCRIPTS.has(name)) return false;
  try {
    new RegExp(`\\p{Script=${name}}`, 'u');
    return true;
  } catch {
    return false;
  }
}

/** Go's canonicalName: no `_`, `-` or spaces, first letter upper case, the others lower case. */
function canonicalName(name: string): string {
  let out = '';
  for (const ch of name) {
    if (ch === '_' || ch === '-' || ch === ' ') continue;
    if (out === '') out += ch >= 'a' && ch <= 'z' ? ch.toUpperCase() : ch;
    else out += ch >= 'A' && ch <= 'Z' ? ch.toLowerCase() : ch;
  }
  return out;
}

/** An ASCII class with its case-fold partners: other-case letters, ſ for s, K (Kelvin) for k. */
function foldAscii(ranges: Ranges): Ranges {
  const out: Ranges = [...ranges];
  const has = (c: number): boolean => ranges.some(([lo, hi]) => lo <= c && c <= hi);
  for (let c = 0x41; c <= 0x5a; c++) {
    if (has(c) || has(c + 0x20)) out.push([c, c], [c + 0x20, c + 0x20]);
  }
  if (has(0x53) || has(0x73)) out.push([0x17f, 0x17f]);
  if (has(0x4b) || has(0x6b)) out.push([0x212a, 0x212a]);
  return out;
}

/** The code points not in the ranges. */
function complement(ranges: Ranges): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= MAX_RUNE) out.push([next, MAX_RUNE]);
  return out;
}

function rangesJs(ranges: Ranges): string {
  return ranges.map(([lo, hi]) => (lo === hi ? classCharJs(lo) : `${classCharJs(lo)}-${classCharJs(hi)}`)).join('');
}

function rangeIsCased(lo: number, hi: number): boolean {
  return hi >= 0x80 || (lo <= 0x7a && hi >= 0x61) || (lo <= 0x5a && hi >= 0x41);
}

function classCharJs(cp: number): string {
  return isAlnum(cp) ? String.fromCharCode(cp) : `\\u{${cp.toString(16)}}`;
}
