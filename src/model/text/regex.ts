/**
 * RE2 regexes as Prometheus compiles them for relabel rules, PromQL matchers and label_replace:
 * anchored, `^(?s:<regex>)$` (so `.` also matches `\n` unless the regex says `(?-s)`), Go's syntax
 * and error messages (`error parsing regexp: missing closing ): ...`), Go's submatches. Matching
 * runs on re2js, a JavaScript port of RE2: time linear in the input, whatever the regex (a
 * backtracking RegExp takes seconds on `(a+)+` against 30 `a`s and a `b`).
 *
 * Prometheus's fast paths are kept where they cost nothing to get right: `.*`, `.+`, a literal or
 * a set of literals (`a|b|c`), and `lit.*`, `.*lit`, `.*lit.*`.
 *
 * Known differences from Go 1.26: re2js's Unicode tables are Unicode 17, Go's 15.0 (characters
 * assigned since then are in `\pL` and the like for Braid, not for Prometheus; scripts added since
 * are refused as Go refuses them).
 */
import { RE2JS, RE2JSException } from 're2js';
import { BraidError } from '../../errors.js';
import { rewriteForRe2js } from './re2-rewrite.js';

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

// Characters that stand for themselves in RE2 (outside classes), `|` aside.
const LITERAL = /^[A-Za-z0-9_:\-/,;=@#%&'"<>!~` ]*$/;
const LITERAL_SET = /^[A-Za-z0-9_:\-/,;=@#%&'"<>!~` |]*$/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Compiles an RE2 regex as Prometheus does (`^(?s:<regex>)$`). Throws BRAID_ERR_CONFIG_INVALID
 * with `<field>: error parsing regexp: <Go's message>` when Go would refuse it.
 */
export function compileRegex(pattern: string, field: string): CompiledRegex {
  if (pattern === DEFAULT_REGEX) return DEFAULT_COMPILED;
  const fast = fastPath(pattern);
  if (fast !== undefined) return { matcher: { test: fast, exec: (s) => (fast(s) ? [s] : null) }, groups: 0, names: NO_GROUPS };
  const wrapped = `^(?s:${pattern})$`;
  const bad = LONE_SURROGATE.exec(wrapped);
  if (bad !== null) throw invalid(field, `error parsing regexp: invalid UTF-8: \`${wrapped.slice(bad.index)}\``);
  const rewritten = rewriteForRe2js(wrapped);
  let re: RE2JS;
  try {
    re = RE2JS.compile(rewritten.source);
  } catch (err) {
    if (err instanceof RE2JSException) throw invalid(field, goMessage(err.message, rewritten.source, rewritten.original));
    throw err;
  }
  const groups = re.groupCount();
  if (groups !== rewritten.groups) {
    throw new Error(`regex ${JSON.stringify(pattern)}: ${rewritten.groups} capture groups counted, re2js has ${groups}`);
  }
  const exec = (s: string): Array<string | undefined> | null => re.exec(s);
  return { matcher: { test: (s) => re.test(s), exec }, groups, names: rewritten.names };
}

/** A test for the regexes that need no regex engine, as Prometheus's FastRegexMatcher has them. */
function fastPath(pattern: string): ((s: string) => boolean) | undefined {
  if (pattern === '.*') return () => true;
  if (pattern === '.+') return (s) => s.length > 0;
  if (LITERAL_SET.test(pattern)) {
    if (!pattern.includes('|')) return (s) => s === pattern;
    const set = new Set(pattern.split('|'));
    return (s) => set.has(s);
  }
  const inner = (p: string): boolean => p.length > 0 && LITERAL.test(p);
  if (pattern.startsWith('.*') && pattern.endsWith('.*') && pattern.length > 4 && inner(pattern.slice(2, -2))) {
    const lit = pattern.slice(2, -2);
    return (s) => s.includes(lit);
  }
  if (pattern.endsWith('.*') && inner(pattern.slice(0, -2))) {
    const lit = pattern.slice(0, -2);
    return (s) => s.startsWith(lit);
  }
  if (pattern.startsWith('.*') && inner(pattern.slice(2))) {
    const lit = pattern.slice(2);
    return (s) => s.endsWith(lit);
  }
  return undefined;
}

/** re2js's message with the text it quotes from the rewritten pattern put back as written. */
function goMessage(message: string, source: string, original: (from: number, to: number) => string): string {
  const m = /^(error parsing regexp: [^`]*`)([\s\S]*)`$/.exec(message);
  if (m === null) return message;
  const quoted = m[2]!;
  const at = source.indexOf(quoted);
  return at < 0 ? message : `${m[1]}${original(at, at + quoted.length)}\``;
}

function invalid(field: string, what: string): BraidError {
  return new BraidError('BRAID_ERR_CONFIG_INVALID', `${field}: ${what}`);
}
