/**
 * Regexes that need no regex engine, as Prometheus's FastRegexMatcher finds them, answered with
 * string operations that give exactly what Go's regexp gives for `^(?s:<regex>)$`:
 * - alternatives of literals and `.*` (`a|b|c`, `foo.*`, `.*bar`, `.*x.*`, `a.*b`), and `.+`;
 * - the same inside one capture group, `(a|b|c)` (Grafana's multi-value variables);
 * - one capture of `.*` or `.+` between literals, `prefix_(.+)`, `(.*):9100`;
 * - `(?i)` and ASCII literals, `(?i)error|warn`: RE2 folds an ASCII letter to its other case,
 *   and also `k` to U+212A (Kelvin) and `s` to U+017F (long s).
 * A literal is characters that stand for themselves and backslash-escaped ASCII punctuation
 * (`10\.0\.0\.1`). Nothing with flags, classes, anchors or other repetitions is taken.
 */
import type { RegexMatcher } from './regex.js';

/** A fast matcher and its number of capture groups, or undefined when the regex is no such form. */
export function fastMatcher(pattern: string): { matcher: RegexMatcher; groups: number } | undefined {
  if (pattern.startsWith('(?i)')) {
    const test = foldedSetTest(pattern.slice(4));
    return test === undefined ? undefined : { matcher: { test, exec: (s) => (test(s) ? [s] : null) }, groups: 0 };
  }
  const alternatives = simpleAlternation(pattern);
  if (alternatives !== undefined) {
    const test = alternativesTest(alternatives);
    return { matcher: { test, exec: (s) => (test(s) ? [s] : null) }, groups: 0 };
  }
  if (pattern.startsWith('(') && pattern.endsWith(')') && !pattern.endsWith('\\)')) {
    const inner = simpleAlternation(pattern.slice(1, -1));
    if (inner !== undefined) {
      const test = alternativesTest(inner);
      return { matcher: { test, exec: (s) => (test(s) ? [s, s] : null) }, groups: 1 };
    }
  }
  return captureBetweenLiterals(pattern);
}

/** `(?i)` + ASCII literals: whether a value equals one of them, case folded as RE2 folds. */
function foldedSetTest(rest: string): ((s: string) => boolean) | undefined {
  const alternatives = simpleAlternation(rest);
  if (alternatives === undefined) return undefined;
  const set = new Set<string>();
  const lengths = new Set<number>();
  for (const a of alternatives) {
    if (a === undefined || a.length !== 1 || !ASCII.test(a[0]!)) return undefined;
    set.add(a[0]!.toLowerCase());
    lengths.add(a[0]!.length);
  }
  // U+212A and U+017F are one UTF-16 unit, as the ASCII letters they fold to.
  return (s) => lengths.has(s.length) && set.has(foldAscii(s));
}

const ASCII = /^[\x00-\x7f]*$/;

/** ASCII letters in lower case, U+212A as `k`, U+017F as `s`; everything else as it is. */
function foldAscii(s: string): string {
  if (ASCII.test(s)) return s.toLowerCase();
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 0x20) : c === 0x212a ? 'k' : c === 0x17f ? 's' : s[i];
  }
  return out;
}

/** One alternative: literal parts between `.*`, or `.+` (parts undefined). */
type Alternative = string[] | undefined;

/** Splits a regex of literals, `.*`, `.+` and `|` into its alternatives, or undefined. */
function simpleAlternation(pattern: string): Alternative[] | undefined {
  const out: Alternative[] = [];
  let parts: string[] = [''];
  let plus = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '|') {
      out.push(plus ? undefined : parts);
      parts = [''];
      plus = false;
    } else if (c === '.' && pattern[i + 1] === '*') {
      parts.push('');
      i++;
    } else if (c === '.' && pattern[i + 1] === '+' && parts.length === 1 && parts[0] === '' && !plus && (i + 2 === pattern.length || pattern[i + 2] === '|')) {
      plus = true;
      i++;
    } else {
      const lit = literalAt(pattern, i);
      if (lit === undefined || plus) return undefined;
      parts[parts.length - 1] += lit.char;
      i = lit.end - 1;
    }
  }
  out.push(plus ? undefined : parts);
  return out;
}

const META = new Set(['\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$']);

/** The literal character at `i` (itself, or an escaped ASCII punctuation character) and the index after it. */
function literalAt(pattern: string, i: number): { char: string; end: number } | undefined {
  const c = pattern[i]!;
  if (c === '\\') {
    const e = pattern.charCodeAt(i + 1);
    const punct = e > 0x20 && e < 0x7f && !(e >= 0x30 && e <= 0x39) && !(e >= 0x41 && e <= 0x5a) && !(e >= 0x61 && e <= 0x7a);
    return punct ? { char: pattern[i + 1]!, end: i + 2 } : undefined;
  }
  if (META.has(c)) return undefined;
  const cp = pattern.codePointAt(i)!;
  if (cp >= 0xd800 && cp <= 0xdfff) return undefined;
  return cp > 0xffff ? { char: pattern.slice(i, i + 2), end: i + 2 } : { char: c, end: i + 1 };
}

function alternativesTest(alternatives: Alternative[]): (s: string) => boolean {
  const exact = new Set<string>();
  const others: Array<(s: string) => boolean> = [];
  for (const a of alternatives) {
    if (a === undefined) others.push((s) => s.length > 0);
    else if (a.length === 1) exact.add(a[0]!);
    else others.push(globTest(a));
  }
  if (others.length === 0) return exact.size === 1 ? ((lit) => (s: string) => s === lit)([...exact][0]!) : (s) => exact.has(s);
  if (exact.size === 0 && others.length === 1) return others[0]!;
  return (s) => exact.has(s) || others.some((t) => t(s));
}

/** Whether `s` is parts[0], anything, parts[1], anything, ..., parts[n-1]. */
function globTest(parts: string[]): (s: string) => boolean {
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1).filter((p) => p !== '');
  if (middle.length === 0) {
    if (first === '' && last === '') return () => true;
    if (last === '') return (s) => s.startsWith(first);
    if (first === '') return (s) => s.endsWith(last);
  }
  if (first === '' && last === '' && middle.length === 1) {
    const m = middle[0]!;
    return (s) => s.includes(m);
  }
  const min = first.length + last.length + middle.reduce((n, p) => n + p.length, 0);
  return (s) => {
    if (s.length < min || !s.startsWith(first) || !s.endsWith(last)) return false;
    let at = first.length;
    const end = s.length - last.length;
    for (const p of middle) {
      const i = s.indexOf(p, at);
      if (i < 0 || i + p.length > end) return false;
      at = i + p.length;
    }
    return true;
  };
}

/** `prefix(.*)suffix` or `prefix(.+)suffix`, literals on both sides. */
function captureBetweenLiterals(pattern: string): { matcher: RegexMatcher; groups: number } | undefined {
  for (const [group, min] of [['(.*)', 0], ['(.+)', 1]] as const) {
    const at = pattern.indexOf(group);
    if (at < 0) continue;
    const prefix = literalText(pattern.slice(0, at));
    const suffix = literalText(pattern.slice(at + group.length));
    if (prefix === undefined || suffix === undefined) return undefined;
    const test = (s: string): boolean => s.length - prefix.length - suffix.length >= min && s.startsWith(prefix) && s.endsWith(suffix);
    return {
      matcher: { test, exec: (s) => (test(s) ? [s, s.slice(prefix.length, s.length - suffix.length)] : null) },
      groups: 1,
    };
  }
  return undefined;
}

/** The text of a regex that is one literal, or undefined. */
function literalText(pattern: string): string | undefined {
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    const lit = literalAt(pattern, i);
    if (lit === undefined) return undefined;
    out += lit.char;
    i = lit.end;
  }
  return out;
}

/**
 * The literal text every match must start and end with, as Prometheus's FastRegexMatcher finds
 * it for a prefilter (`/api/v1/orders/[0-9]+/items`: `/api/v1/orders/` and `/items`); undefined
 * when there is neither or the regex has a top-level `|`, flags or `\Q`. For a valid regex only.
 */
export function requiredAffixes(pattern: string): { prefix: string; suffix: string } | undefined {
  const tokens = topLevelTokens(pattern);
  if (tokens === undefined) return undefined;
  let lead = 0;
  while (lead < tokens.length && typeof tokens[lead] === 'string') lead++;
  // A quantifier after the leading run applies to its last character, which is then not required.
  const quantified = lead < tokens.length && tokens[lead] === QUANTIFIER;
  const prefix = tokens.slice(0, quantified ? lead - 1 : lead).join('');
  let tail = tokens.length;
  while (tail > lead && typeof tokens[tail - 1] === 'string') tail--;
  const suffix = lead === tokens.length ? '' : tokens.slice(tail).join('');
  return prefix === '' && suffix === '' ? undefined : { prefix, suffix };
}

const QUANTIFIER = 1;
const OTHER = 0;

/**
 * The regex as a list of literal characters, quantifiers and other pieces (a class, a group's
 * parenthesis, an escape that is no literal, an anchor); undefined when it has a `|` outside
 * groups, flags or `\Q`.
 */
function topLevelTokens(p: string): Array<string | typeof QUANTIFIER | typeof OTHER> | undefined {
  const out: Array<string | typeof QUANTIFIER | typeof OTHER> = [];
  let depth = 0;
  for (let i = 0; i < p.length; ) {
    const c = p[i]!;
    const lit = literalAt(p, i);
    if (lit !== undefined) {
      out.push(lit.char);
      i = lit.end;
    } else if (c === '\\') {
      if (p[i + 1] === 'Q') return undefined;
      out.push(OTHER);
      i = escapeEnd(p, i);
    } else if (c === '[') {
      out.push(OTHER);
      i = classEnd(p, i);
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      out.push(QUANTIFIER);
      i = c === '{' ? p.indexOf('}', i) + 1 || p.length : i + 1;
      if (p[i] === '?') i++;
    } else {
      if (c === '(' && p[i + 1] === '?' && p[i + 2] !== ':' && p[i + 2] !== 'P' && p[i + 2] !== '<') return undefined;
      if (c === '|' && depth === 0) return undefined;
      if (c === '(') depth++;
      if (c === ')' && --depth < 0) return undefined;
      out.push(OTHER);
      i++;
    }
  }
  return out;
}

/** The index after the escape at `i` that is no literal (`\d`, `\x41`, `\x{263a}`, `\p{Greek}`, `\101`). */
function escapeEnd(p: string, i: number): number {
  const c = p[i + 1] ?? '';
  if ((c === 'x' || c === 'p' || c === 'P') && p[i + 2] === '{') return (p.indexOf('}', i) + 1) || p.length;
  if (c === 'x') return i + 4;
  if (c === 'p' || c === 'P') return i + 2 + ((p.codePointAt(i + 2) ?? 0) > 0xffff ? 2 : 1);
  if (c >= '0' && c <= '7') {
    let j = i + 2;
    while (j < i + 4 && p[j]! >= '0' && p[j]! <= '7') j++;
    return j;
  }
  return i + 2;
}

/** The index after the class `[...]` at `i`, as Go's parseClass reads it. */
function classEnd(p: string, i: number): number {
  let j = i + 1;
  if (p[j] === '^') j++;
  if (p[j] === ']') j++;
  while (j < p.length && p[j] !== ']') {
    const named = p.startsWith('[:', j) ? p.indexOf(':]', j + 2) : -1;
    if (named >= 0) j = named + 2;
    else j = p[j] === '\\' ? escapeEnd(p, j) : j + 1;
  }
  return j + 1;
}
