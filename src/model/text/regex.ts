/**
 * RE2 regexes as Prometheus compiles them for relabel rules, PromQL matchers and label_replace:
 * anchored, `^(?s:<regex>)$` (so `.` also matches `\n` unless the regex says `(?-s)`), Go's syntax
 * and error messages (`error parsing regexp: missing closing ): ...`), Go's submatches. Matching
 * runs on re2js, a JavaScript port of RE2: time linear in the input, whatever the regex (a
 * backtracking RegExp takes seconds on `(a+)+` against 30 `a`s and a `b`).
 *
 * Prometheus's fast paths are kept (regex-fast.ts: literals, sets, prefixes, `.*x.*`, ..., and
 * the literal prefix and suffix a match needs, as a prefilter). Other regexes run on re2js: its
 * DFA first (whether it matches), its NFA only for the submatches of a match. Results for label
 * values up to 256 characters are memoised per regex (up to 1,024 values, 32k characters), since
 * relabel rules and recording or alerting rules see the same values again and again.
 *
 * Known differences from Go 1.26: re2js's Unicode tables are Unicode 17, Go's 15.0 (characters
 * assigned since then are in `\pL` and the like for Braid, not for Prometheus; scripts added since
 * are refused as Go refuses them).
 */
import { RE2JS } from 're2js';
import { BraidError } from '../../errors.js';
import { compileRe2, RegexSyntaxError, type Re2Program } from './goregexp.js';
import { fastMatcher, requiredAffixes } from './regex-fast.js';

/** A compiled regex: whole-string matching, and submatches for templates (index 0: the whole match). */
export interface RegexMatcher {
  test(s: string): boolean;
  /** The submatches (undefined for a group that took no part), or null when it does not match. */
  exec(s: string): ArrayLike<string | undefined> | null;
}

/** A regex compiled: its matcher and what templates need to know of its groups. */
export interface CompiledRegex {
  matcher: RegexMatcher;
  /** Number of capture groups. */
  groups: number;
  /** The group numbers of each capture name (Go allows a name twice). */
  names: ReadonlyMap<string, readonly number[]>;
}

/** Prometheus's default relabel regex. */
export const DEFAULT_REGEX = '(.*)';

const NO_GROUPS: ReadonlyMap<string, readonly number[]> = new Map();

/** DEFAULT_REGEX compiled. */
export const DEFAULT_COMPILED: CompiledRegex = {
  // `^(?s:(.*))$` matches every string whole.
  matcher: { test: () => true, exec: (s) => [s, s] },
  groups: 1,
  names: NO_GROUPS,
};

const MEMO_ENTRIES = 1024;
const MEMO_CHARS = 32_768;
const MEMO_MAX_LENGTH = 256;

/**
 * Compiles an RE2 regex as Prometheus does (`^(?s:<regex>)$`). Throws BRAID_ERR_CONFIG_INVALID
 * with `<field>: error parsing regexp: <Go's message>` when Go would refuse it.
 */
export function compileRegex(pattern: string, field: string): CompiledRegex {
  if (pattern === DEFAULT_REGEX) return DEFAULT_COMPILED;
  const cached = compiled.get(pattern);
  if (cached !== undefined) {
    // Least recently used first: a hit moves to the end.
    compiled.delete(pattern);
    compiled.set(pattern, cached);
    return cached;
  }
  const re = compileUncached(pattern, field);
  if (compiled.size >= COMPILED_ENTRIES) compiled.delete(compiled.keys().next().value!);
  compiled.set(pattern, re);
  return re;
}

// Queries and rules compile the same regexes again at each evaluation (about 0.5 ms each):
// compiled regexes, with what they remember of values, are kept for the most recent patterns.
const COMPILED_ENTRIES = 128;
const compiled = new Map<string, CompiledRegex>();

function compileUncached(pattern: string, field: string): CompiledRegex {
  const fast = fastMatcher(pattern);
  if (fast !== undefined) return { ...fast, names: NO_GROUPS };
  let program: Re2Program;
  try {
    program = compileRe2(`^(?s:${pattern})$`);
  } catch (err) {
    if (err instanceof RegexSyntaxError) throw invalid(field, err.message);
    throw err;
  }
  const { re, groups } = program;
  // Without the anchors re2js's DFA runs about twice as fast; the same regex when the wrapper
  // group holds it all.
  const whole = program.wrapperClosesEarly ? undefined : RE2JS.compile(program.source.slice(1, -1));
  const engine = whole === undefined ? (s: string): boolean => re.test(s) : (s: string): boolean => whole.testExact(s);
  const affixes = whole === undefined ? undefined : requiredAffixes(pattern);
  const test = memo(affixes === undefined ? engine : (s) => s.startsWith(affixes.prefix) && s.endsWith(affixes.suffix) && engine(s));
  const exec = memo((s: string): Array<string | undefined> | null => (test(s) ? re.exec(s) : null));
  return { matcher: { test, exec }, groups, names: program.names };
}

/**
 * `f` with its results for short inputs remembered: up to MEMO_ENTRIES inputs and MEMO_CHARS
 * characters of them (about 120 KB), forgotten all at once when full.
 */
function memo<T>(f: (s: string) => T): (s: string) => T {
  let seen = new Map<string, T>();
  let chars = 0;
  return (s) => {
    if (s.length > MEMO_MAX_LENGTH) return f(s);
    const hit = seen.get(s);
    if (hit !== undefined) return hit;
    const v = f(s);
    if (seen.size >= MEMO_ENTRIES || chars + s.length > MEMO_CHARS) {
      seen = new Map();
      chars = 0;
    }
    seen.set(s, v);
    chars += s.length;
    return v;
  };
}

function invalid(field: string, what: string): BraidError {
  return new BraidError('BRAID_ERR_CONFIG_INVALID', `${field}: ${what}`);
}
