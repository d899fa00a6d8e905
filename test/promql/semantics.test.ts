/** Exact answers of Braid's engine where it once differed from Prometheus 3.16 (each found by the differential check). */
import { describe, expect, it } from 'vitest';
import { instantQuery, rangeQuery, type Series } from '../../src/promql/index.js';
import { civilTime } from '../../src/promql/calendar.js';
import { goLog, goLog10, goMax, goMin, goPow } from '../../src/promql/gomath.js';
import { goQuote, unquote } from '../../src/promql/literals.js';
import type { Expr } from '../../src/promql/ast.js';
import { completeTrailingDots, parseExpr } from '../../src/promql/parse.js';
import { formatFloat, formatValue, quantile } from '../../src/promql/values.js';
import { memorySource } from './promqltest.js';

const series: Series[] = [
  { labels: { __name__: 'x', i: 'a' }, samples: [[0, -Infinity]] },
  { labels: { __name__: 'y', i: 'a' }, samples: [[0, NaN]] },
  { labels: { __name__: 'y', i: 'b' }, samples: [[0, 1]] },
  { labels: { __name__: 'y', i: 'c' }, samples: [[0, 3]] },
  { labels: { __name__: 'z', i: 'a' }, samples: [[0, -0]] },
  { labels: { __name__: 'z', i: 'b' }, samples: [[0, 0]] },
  { labels: { __name__: 'w', i: 'a' }, samples: [[0, 2]] },
];
const source = memorySource(series);

const value = async (q: string): Promise<unknown> => {
  const r = await instantQuery(source, q, 0);
  return r.resultType === 'scalar' ? r.result[1] : r.resultType === 'vector' ? r.result.map((s) => [s.metric, s.value[1]]) : r;
};
const error = (q: string): Promise<string> => instantQuery(source, q, 0).then(() => 'no error', (e: Error) => e.message);

/** An expression with every binary in parentheses, to show how it was grouped. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'binary': return `(${show(e.lhs)} ${e.op} ${show(e.rhs)})`;
    case 'unary': return `(${e.op}${show(e.expr)})`;
    case 'paren': return `(${show(e.expr)})`;
    case 'number': return String(e.value);
    case 'vector': {
      const mods = `${e.offsetMs !== 0 ? ` offset ${e.offsetMs / 60_000}m` : ''}${e.at !== undefined ? `@${Number(e.at) / 1000}` : ''}`;
      return mods === '' ? e.name! : `(${e.name!}${mods})`;
    }
    default: return e.kind;
  }
}

describe('unary minus and ^', () => {
  it('binds a sign looser than ^, as Prometheus parses `-2 ^ 2`', async () => {
    expect(await value('-2 ^ 2')).toBe('-4');
    expect(await value('- 2 ^ 2')).toBe('-4');
    expect(await value('+2 ^ 2')).toBe('4');
    expect(await value('2 ^ -2')).toBe('0.25');
    expect(await value('-2 ^ 2 ^ 3')).toBe('-256');
    expect(await value('1 - -2 ^ 2')).toBe('5');
    expect(await value('(-2) ^ 2')).toBe('4');
    expect(await value('-2 * 3')).toBe('-6');
    expect(await value('-w ^ 2')).toEqual([[{ i: 'a' }, '-4']]);
  });

  it('binds offset and @ to the nearest operand, keeping operator precedence (lezer-promql closes the subtree there)', () => {
    const shape = (q: string): string => show(parseExpr(q).expr);
    expect(shape('a unless b @ 10 % 2')).toBe('(a unless ((b@10) % 2))');
    expect(shape('a or b offset 1m + c * d')).toBe('(a or ((b offset 1m) + (c * d)))');
    expect(shape('a or b @ 1 + c and e')).toBe('(a or (((b@1) + c) and e))');
    expect(shape('a + b offset 1m * c * d')).toBe('(a + (((b offset 1m) * c) * d))');
    expect(shape('a * b @ 1 + c')).toBe('((a * (b@1)) + c)');
    expect(shape('a ^ b @ 1 ^ c')).toBe('(a ^ ((b@1) ^ c))');
    expect(shape('-a offset 1m unless b')).toBe('((-(a offset 1m)) unless b)');
  });

  it('reads a number ending in a point', async () => {
    expect(await value('2.')).toBe('2');
    expect(await value('1./4.')).toBe('0.25');
    expect(completeTrailingDots('x{a="1."} / 2.')).toEqual({ query: 'x{a="1."} / 2.0', inserted: [14] });
    expect(await error('2. +')).toBe('1:5: parse error: unexpected end of input');
    expect(await value('sum(w # comment\n) # end')).toEqual([[{}, '2']]);
    expect(await value('"a # b"')).toEqual({ resultType: 'string', result: [0, 'a # b'] });
  });
});

describe('quantile', () => {
  it('returns an exact rank as it is, -Inf included', async () => {
    expect(await value('quantile(0.5, x)')).toEqual([[{}, '-Inf']]);
    expect(await value('quantile_over_time(0, x[1m])')).toEqual([[{ i: 'a' }, '-Inf']]);
  });

  it('sorts NaN below every number', async () => {
    expect(quantile(0, [3, NaN, 1])).toBeNaN();
    expect(quantile(0.5, [3, NaN, 1])).toBe(1);
    expect(quantile(1, [3, NaN, 1])).toBe(3);
    expect(await value('quantile(0.5, y)')).toEqual([[{}, '1']]);
  });
});

describe('labels', () => {
  it('count_values keeps the sign of -0', async () => {
    expect(await value('sort(count_values("v", z))')).toEqual([[{ v: '-0' }, '1'], [{ v: '0' }, '1']]);
  });

  it('accepts UTF-8 label names and refuses invalid UTF-8', async () => {
    expect(await value('label_replace(w, "ü.dst", "$1", "i", "(.*)")')).toEqual([[{ __name__: 'w', i: 'a', 'ü.dst': 'a' }, '2']]);
    expect(await value('label_join(w, "a b", "-", "i", "i")')).toEqual([[{ __name__: 'w', i: 'a', 'a b': 'a-a' }, '2']]);
    expect(await error('label_replace(w, "\\xff", "", "i", "(.*)")')).toBe('invalid destination label name in label_replace(): \udcff');
    expect(await error('label_replace(w, "", "", "i", "(.*)")')).toBe('invalid destination label name in label_replace(): ');
    expect(await error('count_values("a\\xc5z", w)')).toBe('invalid label name "a\\xc5z"');
    expect(await value('count_values("é", w)')).toEqual([[{ é: '2' }, '1']]);
  });

  it('label_join takes no source labels', async () => {
    expect(await value('label_join(w, "dst", ",")')).toEqual([[{ __name__: 'w', i: 'a' }, '2']]);
    expect(await error('label_join(w, "dst")')).toBe('1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 2');
    expect(await error('round(w, 1, 2)')).toBe('1:1: parse error: expected at most 2 argument(s) in call to "round", got 3');
  });

  it('unquotes Go byte escapes as UTF-8, and quotes invalid bytes back', () => {
    expect(unquote('"\\xc3\\xa9"')).toBe('é');
    expect(unquote('"\\303\\251"')).toBe('é');
    expect(goQuote(unquote('"a\\xc5z"'))).toBe('"a\\xc5z"');
  });
});

describe('date functions', () => {
  // time.Unix(int64(v), 0).UTC() printed by Go 1.26 on amd64: year month day hour minute weekday yearday days-in-month.
  const GO: Array<[number, number[]]> = [
    [NaN, [292277026596, 12, 4, 15, 30, 0, 339, 31]],
    [-Infinity, [292277026596, 12, 4, 15, 30, 0, 339, 31]],
    [1e21, [292277026596, 12, 4, 15, 30, 0, 339, 31]],
    [1e12, [33658, 9, 27, 1, 46, 5, 270, 30]],
    [-1e12, [-29719, 4, 5, 22, 13, 2, 95, 30]],
    [9.2e18, [291536396232, 8, 31, 11, 33, 5, 244, 31]],
    [-9.2e18, [-291536392293, 5, 3, 12, 26, 2, 123, 31]],
    [253402300800, [10000, 1, 1, 0, 0, 6, 1, 31]],
    [-62135596801, [0, 12, 31, 23, 59, 0, 366, 31]],
    [1e15, [31690708, 7, 5, 1, 46, 0, 187, 31]],
    [-0.5, [1970, 1, 1, 0, 0, 4, 1, 31]],
    [951782400, [2000, 2, 29, 0, 0, 2, 60, 29]],
  ];
  it.each(GO)('reads %d seconds as Go does', (v, want) => {
    const c = civilTime(v);
    expect([c.year, c.month, c.day, c.hour, c.minute, c.weekday, c.yearDay, c.daysInMonth]).toEqual(want);
  });

  it('answers for NaN and Inf samples as Prometheus does', async () => {
    expect(await value('year(x)')).toEqual([[{ i: 'a' }, '292277026596']]);
  });
});

describe('Go math', () => {
  it('answers as Go 1.26 on amd64 does (values printed by Go)', () => {
    expect(goPow(4.9e-324, 0.25)).toBeCloseTo(1.0270193092081002e-77, 90);
    expect(goPow(-1, Infinity)).toBe(1);
    expect(goPow(1, NaN)).toBe(1);
    expect(goPow(-0, -3)).toBe(-Infinity);
    expect(goLog(4.9e-324)).toBeCloseTo(-709.0895657128241, 10);
    expect(goLog10(4.9e-324)).toBeCloseTo(-307.9536855642528, 10);
    expect(goMin(NaN, -Infinity)).toBe(-Infinity);
    expect(goMax(NaN, Infinity)).toBe(Infinity);
    expect(goMax(-5, goMin(NaN, 3))).toBeNaN();
    expect(Object.is(goMin(0, -0), -0)).toBe(true);
  });

  it('clamps as Prometheus does: an infinite sample wins over a NaN bound', async () => {
    expect(await value('clamp(x, -5, NaN)')).toEqual([[{ i: 'a' }, '-5']]);
  });
});

describe('aggregations', () => {
  it('takes the parameter of an aggregation over a step-invariant expression at the query start', async () => {
    const s = memorySource([{ labels: { __name__: 'k' }, samples: [[0, 1], [60_000, NaN]] }, ...series]);
    // k is NaN at 60 s, but Prometheus reads it once, at 0.
    const r = await rangeQuery(s, 'topk(scalar(k), w @ 0)', 0, 60_000, 60_000);
    expect(r).toEqual({ resultType: 'matrix', result: [{ metric: { __name__: 'w', i: 'a' }, values: [[0, '2'], [60, '2']] }] });
    await expect(rangeQuery(s, 'topk(scalar(k), w)', 0, 60_000, 60_000)).rejects.toThrow('Parameter value is NaN');
  });

  it('refuses a k beyond int64', async () => {
    expect(await error('topk(1e19, w)')).toBe('Scalar value 1e+19 overflows int64');
    expect(await error('bottomk(-1e19, w)')).toBe('Scalar value -1e+19 underflows int64');
  });

  it('accepts empty on() between a scalar and a vector', async () => {
    expect(await value('1 - on() w')).toEqual([[{ i: 'a' }, '-1']]);
    expect(await error('1 - on(i) w')).toBe('1:1: parse error: vector matching only allowed between instant vectors');
  });
});

describe('functions', () => {
  it('absent_over_time', async () => {
    expect(await value('absent_over_time(w[1m])')).toEqual([]);
    expect(await value('absent_over_time(nope{a="b", c=~"d"}[1m])')).toEqual([[{ a: 'b' }, '1']]);
  });

  it('refuses experimental functions as Prometheus does without its feature flag', async () => {
    expect(await error('sort_by_label(w, "i")')).toBe('1:1: parse error: function "sort_by_label" is not enabled');
    expect(await error('limitk(1, w)')).toBe('1:1: parse error: limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions');
  });
});

describe('values in answers', () => {
  it('writes vector values as Prometheus\'s API does, scalars in plain decimals', async () => {
    expect(formatValue(1e-7)).toBe('1e-07');
    expect(formatValue(-2.5e-9)).toBe('-2.5e-09');
    expect(formatValue(1.5e21)).toBe('1.5e+21');
    expect(formatValue(1e308)).toBe('1e+308');
    expect(formatValue(1e20)).toBe('100000000000000000000');
    expect(formatValue(0.000001)).toBe('0.000001');
    expect(formatValue(-0)).toBe('-0');
    expect(formatFloat(1e-7)).toBe('0.0000001');
    expect(await value('1e-7')).toBe('0.0000001');
    expect(await value('vector(1e-7)')).toEqual([[{}, '1e-07']]);
  });

  it('refuses a range query of a range vector as bad input', async () => {
    await expect(rangeQuery(source, 'w[1m]', 0, 0, 1000)).rejects.toMatchObject({ code: 'BRAID_ERR_PROMQL_PARSE' });
  });
});
