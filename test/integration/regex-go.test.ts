/**
 * Braid's RE2 regexes (src/model/text/regex.ts, template.ts) against Go's regexp, the one
 * Prometheus uses: a small Go program (test/model/text/go-regex/main.go, built with the local Go
 * toolchain into the infra cache) compiles each pattern as Prometheus does, `^(?s:<p>)$`, and
 * answers the compile error or, per input, the submatches and a template expanded. Hand-picked
 * patterns for each syntax feature and error, then random ones from a seeded grammar.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGoRegexp } from '../../src/model/text/goregexp.js';
import { compileRegex } from '../../src/model/text/regex.js';
import { compileTemplate, expand } from '../../src/model/text/template.js';
import { buildGoProgram, runGoProgram } from '../helpers/go-program.js';

interface Case {
  p: string;
  in: string[];
  t: string;
  raw?: boolean;
}

interface GoAnswer {
  err?: string;
  m?: Array<Array<string | null> | null>;
  x?: Array<string | null>;
  b?: boolean[];
  r?: string[];
}

interface BraidAnswer {
  err?: string;
  m: Array<Array<string | null> | null>;
  x: Array<string | null>;
}

const SOURCE = fileURLToPath(new URL('../model/text/go-regex/main.go', import.meta.url));
let binary = '';

beforeAll(async () => {
  binary = await buildGoProgram(SOURCE, 'go-regex');
}, 300_000);

/** Go's answers, one per case, from one run of the Go program. */
async function askGo(cases: readonly Case[]): Promise<GoAnswer[]> {
  const out = await runGoProgram(binary, cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
  return out.trim().split('\n').map((line) => JSON.parse(line) as GoAnswer);
}

function askBraid(c: Case): BraidAnswer {
  let re;
  try {
    re = compileRegex(c.p, 'regex');
  } catch (err) {
    return { err: (err as Error).message.replace(/^regex: /, ''), m: [], x: [] };
  }
  const template = compileTemplate(c.t, re);
  const m: BraidAnswer['m'] = [];
  const x: BraidAnswer['x'] = [];
  for (const v of c.in) {
    const match = re.matcher.exec(v);
    if (re.matcher.test(v) !== (match !== null)) throw new Error(`test and exec disagree on ${JSON.stringify(c.p)} against ${JSON.stringify(v)}`);
    m.push(match === null ? null : Array.from({ length: re.groups + 1 }, (_, g) => match[g] ?? null));
    x.push(match === null ? null : expand(template, match));
  }
  return { m, x };
}

/** Go's answer in Braid's shape: no match lists for a compile error. */
function normalised(a: GoAnswer, c: Case): BraidAnswer {
  if (a.err !== undefined) return { err: a.err, m: [], x: [] };
  return { m: c.in.map((_, i) => a.m?.[i] ?? null), x: c.in.map((_, i) => a.x?.[i] ?? null) };
}

/** The cases where Braid and Go differ, each as the pattern and the first difference. */
async function compare(cases: Case[]): Promise<string[]> {
  const answers = await askGo(cases);
  expect(answers).toHaveLength(cases.length);
  const diffs: string[] = [];
  for (const [i, c] of cases.entries()) {
    const go = normalised(answers[i]!, c);
    const braid = askBraid(c);
    if (JSON.stringify(go) === JSON.stringify(braid)) continue;
    const at = c.in.findIndex((_, k) => JSON.stringify([go.m[k], go.x[k]]) !== JSON.stringify([braid.m[k], braid.x[k]]));
    const what = go.err !== braid.err || at < 0
      ? `Go: ${go.err ?? 'compiles'}; Braid: ${braid.err ?? 'compiles'}`
      : `against ${JSON.stringify(c.in[at])}, template ${JSON.stringify(c.t)}: Go ${JSON.stringify([go.m[at], go.x[at]])}, Braid ${JSON.stringify([braid.m[at], braid.x[at]])}`;
    diffs.push(`${JSON.stringify(c.p)}: ${what}`);
  }
  return diffs;
}

const INPUTS = ['ERROR', 'eRRor', 'WARN', 'S', 'É', 'foobar', 'xy', 'x', 'y', 'xay', 'axb', 'aXb', 'axbxc', '10.0.0.1', '10a0b0c1', 'a-b', 'Ab', '/api/12/x', 'ac', 'aab', 'AAb', 'abd', 'a\\1b', 'é😀', 'cd', 'abcd', '', 'a', 'A', 'ab', 'aB', 'abc', 'a\nb', 'aaa', 'b', 'α', 'Ω', 'ſ', '\u212a', 'k', 'K', 'é', 'É', '1', '12', 'a1', ' ', '\t', '_', 'foo:8080', 'x.y', '☺', '😀', 'ß', 'ẞ', '-', '{', '}', ')'];

const HAND_PICKED: string[] = [
  // Anchoring, dot, flags.
  '', 'a', 'a.b', '(?-s)a.b', '(?i)ab', 'a(?i)b', '(?i:a)b', '(?m)^a$', '(?U)(a+)(a*)', '(a*?)(a*)', 'a)|(b', '(a)|b)', '(?i)k', '(?i)\\W',
  // Escapes and classes.
  '\\Q1.2\\E', '\\Qa', '\\x{263a}', '\\101', '\\x41', '\\-\\:', '\\s', '\\S', '\\d+', '\\w+', '\\b', '\\B', '\\A', '\\z', '[]a]+', '[^\\S]',
  '[[:alpha:]]+', '[[:^digit:]]', '(?i)[[:^lower:]]', '[a-c]', '[^a]', '[\\d-]', '[a-\\d]', '[[:foo:]]', '[z-a]', '[a', '[\\pL1]',
  // Unicode classes: names as Go 1.25+ looks them up.
  '\\pL', '\\pl', '\\PL', '\\p{L}', '\\p{Letter}', '\\p{letter}', '\\p{Greek}', '\\p{greek}', '\\p{GREEK}', '\\p{Old_Italic}', '\\p{Lu}',
  '\\p{lu}', '\\p{Uppercase_Letter}', '\\p{uppercase-letter}', '\\p{ASCII}', '\\P{ASCII}', '(?i)\\P{ASCII}', '(?i)\\p{^Ascii}', '\\p{Any}',
  '\\p{Assigned}', '\\p{Cn}', '\\p{LC}', '\\p{Cased_Letter}', '\\p{L&}', '\\p{Alphabetic}', '\\p{Garay}', '\\p{Grek}', '\\pX', '\\p{^Greek}',
  '\\P{^Greek}', '(?i)\\P{Lu}', '(?i)\\p{Lu}', '[\\p{greek}a]', '[^\\p{Letter}]', '\\p{Greek', '\\p', '\\p^', '\\p{}', '\\p{digit}', '\\p{punct}',
  // Groups, names, templates.
  '(a)(b)', '(?P<host>[^:]+):(?P<port>\\d+)', '(?<n>a)', '(?P<n>a)|(?P<n>b)', '(?P<n>a)(?P<n>b)?', '(?P<1a>x)', '(?P<>a)', '(?P<a-b>a)',
  '(?P<n>a', '(?:(a)|b)+', '(a?){1,2}', '(?:(\\d+)\\.)+', '((a)|(b))*',
  // Repetition and errors Go reports.
  'a**', 'a*?*', '*a', 'a|*', 'x{1001}', '(a{100}){11}', 'x{2}{3}', 'a{,2}', '^*a', 'a{1,2}?', '(?=a)', '(?<=a)', '(?P=n)', '(a)\\1', '\\Z', '\\C',
  '\\8', '\\x{110000}', '(?i-)', 'a)b', '(a', '(?P<n>a)(?P<n>b', '\\', '(a+)+', '(a|a)*b',
  // Fast paths and prefilters (regex-fast.ts).
  'a|b|c', 'a|', '|', 'foo.*', '.*bar', '.*x.*', 'a.*b', 'a.*b.*c', '.*a.*a.*', '.+', 'a|.+', '.+|b', '(a|b)', '(.+)', '(a|b.*)', 'x(.*)', '(.*)y',
  'x(.+)y', 'x(.*)(.*)', '10\\.0\\.0\\.1', 'a\\-b', 'a\\.*', '/api/[0-9]+/x', 'ab?c', 'a{2}b', 'a{,2}b', '\\x41b', '\\pLb', '\\101c', '[abc]d',
  'a\\\\\\db', '(ab)?cd', '^ab', 'ab$', 'a\\bb', 'é.*', '.*😀', 'a(?i)b.*', '(?i)a.*', 'x.*(a)', '[[:alpha:]]x', '[]x]y', 'a\\Qb\\E',
  '(?i)error|warn|s', '(?i)k', '(?i)a|', '(?i)', '(?i)a.b', '(?i)é|x',
];
const TEMPLATES = ['$1', '${1}', '$0|$1|$2', '$n|${n}', '[$host:$port]', '$$1', 'x${1', '$1x', '${2}${1}', '${01}', 'static'];

/** mulberry32: a seeded generator of whole numbers below n. */
function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}

/** A seeded grammar of RE2 patterns over a small alphabet, so that random inputs often match. */
function randomPatterns(count: number, seed: number): string[] {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
  const atoms = ['a', 'b', 'A', 'k', '1', '.', '\\d', '\\w', '\\s', '\\pL', '\\p{greek}', '[ab]', '[^a]', '[a-c1]', '[[:upper:]]', '\\b', '^', '$', 'é', 'ſ', '\\n', '\\.', '\\x{212a}', '\\QA.\\E'];
  const reps = ['*', '+', '?', '*?', '+?', '??', '{2}', '{1,2}', '{0,}', '{2,3}?'];
  const expr = (depth: number): string => {
    const n = 1 + rnd(3);
    let out = '';
    for (let i = 0; i < n; i++) {
      let piece: string;
      const r = rnd(10);
      if (depth < 3 && r < 2) piece = `(${expr(depth + 1)})`;
      else if (depth < 3 && r < 3) piece = `(?:${expr(depth + 1)}|${expr(depth + 1)})`;
      else if (depth < 3 && r < 4) piece = `(?${pick(['i', 's', '-s', 'U', 'm'])}:${expr(depth + 1)})`;
      else if (depth < 3 && r < 5) piece = `(?P<${pick(['n', 'm', 'n'])}>${expr(depth + 1)})`;
      else piece = pick(atoms);
      if (rnd(3) === 0 && piece !== '^' && piece !== '$' && piece !== '\\b') piece += pick(reps);
      out += piece;
    }
    if (depth === 0 && rnd(4) === 0) out = `(?i)${out}`;
    return rnd(6) === 0 ? `${out}|${pick(atoms)}` : out;
  };
  // One in five mutated (a character dropped or a metacharacter inserted): mostly syntax errors.
  const mutate = (p: string): string => {
    const at = rnd(p.length + 1);
    return rnd(2) === 0 ? p.slice(0, at) + p.slice(at + 1) : p.slice(0, at) + pick(['(', ')', '[', ']', '{', '}', '*', '+', '?', '|', '\\', '(?', '(?P<']) + p.slice(at);
  };
  return Array.from({ length: count }, () => (rnd(5) === 0 ? mutate(expr(0)) : expr(0)));
}

function randomInputs(count: number, seed: number): string[] {
  const rnd = random(seed);
  const chars = ['a', 'b', 'A', 'B', 'k', 'K', '\u212a', 'ſ', 's', 'S', '1', '2', ' ', '\n', 'é', 'É', 'α', 'Σ', 'σ', 'ς', '.', '_'];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = '';
    for (let len = rnd(7); len > 0; len--) s += chars[rnd(chars.length)];
    out.push(s);
  }
  return out;
}

/** Where compileGoRegexp (unanchored: alert templates' match and reReplaceAll) and Go differ. */
async function compareRaw(cases: Case[]): Promise<string[]> {
  const answers = await askGo(cases.map((c) => ({ ...c, raw: true })));
  const diffs: string[] = [];
  for (const [i, c] of cases.entries()) {
    const go = answers[i]!;
    let braid: GoAnswer;
    try {
      const re = compileGoRegexp(c.p);
      braid = { b: c.in.map((v) => re.matchString(v)), r: c.in.map((v) => re.replaceAllString(v, c.t)) };
    } catch (err) {
      braid = { err: (err as Error).message };
    }
    if (go.err !== undefined || braid.err !== undefined) {
      if (go.err !== braid.err) diffs.push(`${JSON.stringify(c.p)}: Go: ${go.err ?? 'compiles'}; Braid: ${braid.err ?? 'compiles'}`);
      continue;
    }
    const at = c.in.findIndex((_, k) => go.b?.[k] !== braid.b?.[k] || go.r?.[k] !== braid.r?.[k]);
    if (at >= 0) diffs.push(`${JSON.stringify(c.p)} against ${JSON.stringify(c.in[at])}, ${JSON.stringify(c.t)}: Go ${JSON.stringify([go.b?.[at], go.r?.[at]])}, Braid ${JSON.stringify([braid.b?.[at], braid.r?.[at]])}`);
  }
  return diffs;
}

describe('RE2 regexes: Braid against Go\'s regexp (Prometheus\'s)', () => {
  it('compiles, errs, matches, captures and expands the hand-picked patterns as Go does', async () => {
    const cases = HAND_PICKED.flatMap((p) => TEMPLATES.map((t) => ({ p, in: INPUTS, t })));
    expect(await compare(cases)).toEqual([]);
  });

  it('agrees with Go on 2,000 random patterns of literals, .*, .+, | and groups (the fast paths)', async () => {
    const rnd = random(7);
    const pieces = ['a', 'b', 'x', 'ab', '.*', '.+', '|', '\\.', '.', '(', ')', '(.*)', '(.+)', '?', '[ab]'];
    const patterns = Array.from({ length: 2000 }, () => Array.from({ length: 1 + rnd(5) }, () => pieces[rnd(pieces.length)]).join(''));
    const inputs = ['', 'a', 'b', 'x', 'ab', 'ba', 'axb', 'a.b', 'xab', 'abab', 'a\nb', 'aab', 'bx', 'xx', '.', 'abx', 'xabx'];
    const diffs = await compare(patterns.map((p) => ({ p, in: inputs, t: '[$1]' })));
    expect(diffs.slice(0, 10)).toEqual([]);
  });

  it('matches and replaces unanchored as Go\'s MatchString and ReplaceAllString (alert templates)', async () => {
    const inputs = ['', 'abc abc', 'a\nb\nab', 'xxaxx', 'foo:8080,bar:9090', 'ααβ', '😀a😀', 'aaa', 'ba', 'A1b2'];
    const hand = HAND_PICKED.flatMap((p) => ['[$0]', '<$1>', '${n}$$', ''].map((t) => ({ p, in: inputs, t })));
    const extra = ['', 'a*', 'x*', '(a)|b', '^', '$', '\\b', '(?m)^', 'a|', '([a-z]+):(\\d+)', '\\pL', '.'].map((p) => ({ p, in: inputs, t: '[$1]' }));
    const random = randomPatterns(1000, 99).map((p, i) => ({ p, in: randomInputs(20, i + 7), t: '<$1>' }));
    expect((await compareRaw([...hand, ...extra, ...random])).slice(0, 10)).toEqual([]);
  });

  it('agrees with Go on 3,000 random patterns against 40 random inputs each', async () => {
    const patterns = randomPatterns(3000, 20261206);
    const cases = patterns.map((p, i) => ({ p, in: randomInputs(40, i + 1), t: i % 2 === 0 ? '$1|${n}' : '[$2]$m' }));
    const diffs = await compare(cases);
    expect(diffs.slice(0, 10)).toEqual([]);
    expect(diffs).toHaveLength(0);
  });
});
