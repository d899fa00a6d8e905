/**
 * PromQL under fuzz: the parser on random, mutated and deeply nested text, and the engine on
 * generated well-typed expressions (selectors, range and subqueries, functions, aggregations,
 * binary operators with matching) evaluated against a small head. Every query answers or is
 * refused with a 4xx BraidError, within a bound, and the answers agree with themselves: a
 * parenthesised expression evaluates as the expression, count() counts its series, and a range
 * query of one step equals the instant query.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHead, type Head } from '../../src/promql/head/index.js';
import { instantQuery, parseExpr, rangeQuery, type QueryResult } from '../../src/promql/index.js';
import { mutatedText } from './arbitraries.js';
import { counter, decodeOnce, decodeOnceAsync, params, runs, timeoutFor } from './harness.js';

const STEP = 15_000;
const END = 3_600_000;
const METRICS = ['a_total', 'b', 'c_bucket'];
let head: Head;

beforeAll(() => {
  head = createHead({ windowMs: 2 * END, maxBytes: 1 << 26, truncateEveryMs: 0, now: () => END });
  for (const name of METRICS) {
    for (const job of ['x', 'y']) {
      for (const [i, le] of ['0.1', '1', '+Inf'].entries()) {
        const labels = { __name__: name, job, instance: String(i), ...(name === 'c_bucket' ? { le } : {}) };
        for (let t = 0; t <= END; t += STEP) {
          // Counters rise (with a reset), gauges swing through zero, buckets grow with le.
          const v = name === 'b' ? Math.sin(t / 600_000 + i) * 10 : ((t % 1_800_000) / STEP) * (i + 1) + (name === 'c_bucket' ? i * 5 : 0);
          head.append(labels, t, v);
        }
      }
    }
  }
});

const num = fc.oneof(fc.integer({ min: -5, max: 100 }).map(String), fc.constantFrom('0.5', '1e3', 'Inf', '-Inf', 'NaN', '0x1f', '2.'));
const dur = fc.constantFrom('1m', '5m', '30s', '90s', '1h', '1m30s', '15s');
const label = fc.constantFrom('job', 'instance', 'le', '__name__', 'missing');
const matcher = fc.tuple(fc.constantFrom('job', 'instance', 'le'), fc.constantFrom('=', '!=', '=~', '!~'), fc.constantFrom('x', 'y', '0', '.+', 'x|y', '', '(', '1.*')).map(([l, op, v]) => `${l}${op}"${v}"`);
const selector = fc.tuple(fc.constantFrom(...METRICS, 'nope'), fc.array(matcher, { maxLength: 2 }), fc.option(dur.map((d) => ` offset ${d}`), { nil: '' }))
  .map(([n, ms, off]) => `${n}${ms.length ? `{${ms.join(',')}}` : ''}${off}`);
const grouping = fc.option(fc.tuple(fc.constantFrom('by', 'without'), fc.uniqueArray(label, { maxLength: 2 })).map(([k, ls]) => ` ${k} (${ls.join(', ')})`), { nil: '' });

/** Well-typed PromQL text by result type, nested a few levels. */
const { vector, scalar } = fc.letrec<{ vector: string; scalar: string; matrix: string }>((tie) => {
  const v = () => tie('vector');
  const s = () => tie('scalar');
  const m = () => tie('matrix');
  return {
    scalar: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      num,
      fc.constant('time()'),
      fc.tuple(s(), fc.constantFrom('+', '-', '*', '/', '%', '^', 'atan2'), s()).map(([a, op, b]) => `(${a} ${op} ${b})`),
      v().map((x) => `scalar(${x})`),
    ),
    matrix: fc.oneof(
      { depthSize: 'small', maxDepth: 3 },
      fc.tuple(selector, dur).map(([sel, d]) => sel.replace(/( offset .*)?$/, (off) => `[${d}]${off}`)),
      fc.tuple(v(), dur, fc.option(dur, { nil: '' })).map(([x, d, st]) => `(${x})[${d}:${st}]`),
    ),
    vector: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      selector,
      fc.tuple(fc.constantFrom('rate', 'irate', 'increase', 'delta', 'deriv', 'avg_over_time', 'max_over_time', 'count_over_time', 'stddev_over_time', 'resets', 'changes', 'last_over_time', 'present_over_time'), m()).map(([f, x]) => `${f}(${x})`),
      fc.tuple(fc.constantFrom('abs', 'ceil', 'floor', 'exp', 'ln', 'sqrt', 'sort', 'sort_desc', 'absent', 'timestamp', 'sgn', 'sinh', 'acos'), v()).map(([f, x]) => `${f}(${x})`),
      fc.tuple(fc.constantFrom('sum', 'avg', 'min', 'max', 'count', 'group', 'stddev'), grouping, v()).map(([a, g, x]) => `${a}${g} (${x})`),
      fc.tuple(fc.constantFrom('topk', 'bottomk', 'quantile', 'limitk'), s(), grouping, v()).map(([a, k, g, x]) => `${a}${g} (${k}, ${x})`),
      fc.tuple(s(), v()).map(([q, x]) => `histogram_quantile(${q}, ${x})`),
      fc.tuple(v(), fc.constantFrom('+', '-', '*', '/', '%', '^', '==', '!=', '>', '<', '>= bool', '<= bool', 'and', 'or', 'unless'),
        fc.constantFrom('', ' on (job)', ' ignoring (instance)', ' on (job, instance) group_left', ' ignoring (le) group_right (le)'), v())
        .map(([a, op, match, b]) => `(${a} ${op}${/and|or|unless/.test(op) ? match.replace(/ group_\w+( \(le\))?/, '') : match} ${b})`),
      fc.tuple(v(), fc.constantFrom('+', '*', '>', '== bool', '/'), s()).map(([a, op, b]) => `(${a} ${op} ${b})`),
      v().map((x) => `-(${x})`),
      s().map((x) => `vector(${x})`),
      fc.tuple(v(), fc.constantFrom('(.*)', '(x|y)', '[', '$')).map(([x, re]) => `label_replace(${x}, "dst", "$1", "job", "${re}")`),
      fc.tuple(v(), s(), s()).map(([x, lo, hi]) => `clamp(${x}, ${lo}, ${hi})`),
      v().map((x) => `${x} @ ${END / 1000}`),
    ),
  };
});

/** Typed expressions, ill-typed mixes of them, and the text of either mutated. */
const queries = fc.oneof(
  { weight: 4, arbitrary: vector },
  { weight: 1, arbitrary: scalar },
  { weight: 1, arbitrary: fc.tuple(vector, fc.constantFrom('[5m]', '[1m:]', ' + "s"', ')', ' by (job)', '{}', ' offset -5m')).map(([x, y]) => `${x}${y}`) },
  { weight: 2, arbitrary: mutatedText(vector) },
);

const parse = counter('promql parse');
const evaluation = counter('promql evaluation (instant and range)');

describe('PromQL', () => {
  it('random and mutated text parses or is refused with a 4xx and Prometheus\'s message', () => {
    const n = runs(3000);
    fc.assert(fc.property(fc.oneof(queries, fc.string({ maxLength: 40 })), (q) => {
      decodeOnce(parse, 'parseExpr', () => parseExpr(q));
    }), params(n));
  }, timeoutFor(runs(3000), 2));

  it('deep nesting, long names and many matchers are parsed or refused within the bound', () => {
    const hostile = [
      `${'('.repeat(5_000)}1${')'.repeat(5_000)}`,
      `${'-'.repeat(10_000)}1`,
      `${'sum('.repeat(1_000)}a_total${')'.repeat(1_000)}`,
      Array.from({ length: 3_000 }, () => 'a_total').join(' + '),
      `a_total{${Array.from({ length: 5_000 }, (_, i) => `l${i}="v"`).join(',')}}`,
      `a_total{job=~"${'(a|'.repeat(500)}b${')'.repeat(500)}"}`,
      `"${'\\u00e9'.repeat(20_000)}"`,
      `${'x'.repeat(100_000)}`,
    ];
    for (const q of hostile) decodeOnce(parse, 'parseExpr', () => parseExpr(q));
  });

  it('generated expressions evaluate or are refused with a 4xx, and a parenthesised expression evaluates as the expression', async () => {
    const n = runs(400);
    await fc.assert(fc.asyncProperty(queries, fc.integer({ min: 0, max: END / STEP }), async (q, step) => {
      const t = step * STEP;
      const r = await decodeOnceAsync(evaluation, 'instantQuery', () => instantQuery(head, q, t), 500);
      if (r.value === undefined) return;
      const again = await instantQuery(head, `(${q})`, t);
      expect(again).toEqual(r.value);
      if (r.value.resultType === 'vector') {
        const counted = await instantQuery(head, `count(${q})`, t);
        expect(counted.resultType === 'vector' && counted.result.length === 1 ? Number(counted.result[0]!.value[1]) : 0).toBe(r.value.result.length);
      }
    }), params(n));
  }, timeoutFor(runs(400), 60));

  it('a range query of one step equals the instant query at that time; range queries stay within the bound', async () => {
    const n = runs(300);
    await fc.assert(fc.asyncProperty(fc.oneof(vector, scalar), fc.integer({ min: 0, max: END / STEP }), fc.integer({ min: 1, max: 40 }), async (q, step, steps) => {
      const t = step * STEP;
      const one = await decodeOnceAsync(evaluation, 'rangeQuery (one step)', () => rangeQuery(head, q, t, t, STEP), 500);
      const instant = await decodeOnceAsync(evaluation, 'instantQuery', () => instantQuery(head, q, t), 500);
      expect(one.outcome).toBe(instant.outcome);
      if (one.value && instant.value) expect(asPoints(one.value)).toEqual(asPoints(instant.value));
      await decodeOnceAsync(evaluation, 'rangeQuery', () => rangeQuery(head, q, Math.max(0, t - steps * STEP), t, STEP), 1_000);
    }), params(n));
  }, timeoutFor(runs(300), 80));
});

/**
 * A result as sorted `labels => value` lines, whatever its shape (one step of a matrix, a vector, a
 * scalar); values as numbers, since Prometheus writes a scalar in 'f' format and samples in 'g'.
 */
function asPoints(r: QueryResult): string[] {
  const line = (m: Record<string, string>, v: string) => `${JSON.stringify(Object.entries(m).sort())} => ${Number(v)}`;
  switch (r.resultType) {
    case 'matrix': return r.result.map((s) => line(s.metric, s.values[0]![1])).sort();
    case 'vector': return r.result.map((s) => line(s.metric, s.value[1])).sort();
    default: return [line({}, r.result[1])];
  }
}
