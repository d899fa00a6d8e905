import { describe, expect, it } from 'vitest';
import { isBraidError } from '../../src/errors.js';
import { instantQuery, rangeQuery, type Series } from '../../src/promql/index.js';
import { memorySource } from './promqltest.js';

const series: Series[] = [
  { labels: { __name__: 'up', job: 'a' }, samples: [[0, 1], [60_000, 1], [120_000, 0]] },
  { labels: { __name__: 'up', job: 'b' }, samples: [[0, 1], [60_000, NaN, true]] },
];
const source = memorySource(series);

describe('PromQL API result shapes', () => {
  it('answers an instant vector', async () => {
    expect(await instantQuery(source, 'up', 30_000)).toEqual({
      resultType: 'vector',
      result: [
        { metric: { __name__: 'up', job: 'a' }, value: [30, '1'] },
        { metric: { __name__: 'up', job: 'b' }, value: [30, '1'] },
      ],
    });
  });

  it('ends a series at its staleness marker', async () => {
    expect(await instantQuery(source, 'up', 90_000)).toEqual({ resultType: 'vector', result: [{ metric: { __name__: 'up', job: 'a' }, value: [90, '1'] }] });
  });

  it('answers scalars, strings and range vectors', async () => {
    expect(await instantQuery(source, '1 / 0', 1_500)).toEqual({ resultType: 'scalar', result: [1.5, '+Inf'] });
    expect(await instantQuery(source, '"x"', 0)).toEqual({ resultType: 'string', result: [0, 'x'] });
    expect(await instantQuery(source, 'up{job="a"}[2m]', 120_000)).toEqual({
      resultType: 'matrix',
      result: [{ metric: { __name__: 'up', job: 'a' }, values: [[60, '1'], [120, '0']] }],
    });
  });

  it('answers a range query as a matrix sorted by labels', async () => {
    expect(await rangeQuery(source, 'sum by (job) (up)', 0, 120_000, 60_000)).toEqual({
      resultType: 'matrix',
      result: [
        { metric: { job: 'a' }, values: [[0, '1'], [60, '1'], [120, '0']] },
        { metric: { job: 'b' }, values: [[0, '1']] },
      ],
    });
  });

  it('reports parse and execution errors with Prometheus messages', async () => {
    const parse = await instantQuery(source, 'rate(up)', 0).catch((e: unknown) => e);
    expect(isBraidError(parse, 'BRAID_ERR_PROMQL_PARSE')).toBe(true);
    expect((parse as Error).message).toBe('1:6: parse error: expected type range vector in call to function "rate", got instant vector');
    const exec = await instantQuery(source, 'up + on() up', 0).catch((e: unknown) => e);
    expect(isBraidError(exec, 'BRAID_ERR_PROMQL_EXEC')).toBe(true);
    expect((exec as Error).message).toMatch(/^found duplicate series for the match group \{\} on the right hand-side/);
    const range = await rangeQuery(source, 'up[1m]', 0, 60_000, 60_000).catch((e: unknown) => e);
    expect((range as Error).message).toBe('invalid expression type "range vector" for range query, must be Scalar or instant Vector');
    expect(isBraidError(range, 'BRAID_ERR_PROMQL_PARSE')).toBe(true); // 400 bad_data, as Prometheus answers
  });
});
