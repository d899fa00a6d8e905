import { describe, expect, it } from 'vitest';
import { successJson, successJsonChunks } from '../../src/promql/json.js';
import type { QueryResult } from '../../src/promql/types.js';

const matrix = (series: number, points: number): QueryResult => ({
  resultType: 'matrix',
  result: Array.from({ length: series }, (_, i) => ({ metric: { __name__: 'x', i: String(i), q: 'a"b\\c\u2028' }, values: Array.from({ length: points }, (_, k): [number, string] => [k * 15, String(k * i + 0.5)]) })),
});

describe('successJson', () => {
  const cases: Array<[string, QueryResult]> = [
    ['a matrix', matrix(50, 300)],
    ['an empty matrix', { resultType: 'matrix', result: [] }],
    ['a vector', { resultType: 'vector', result: [{ metric: { a: 'b' }, value: [1.5, '2'] }, { metric: {}, value: [1.5, 'NaN'] }] }],
    ['a scalar', { resultType: 'scalar', result: [1, '3'] }],
    ['a string', { resultType: 'string', result: [1, 'hi "there"'] }],
  ];
  for (const [name, result] of cases) {
    it(`writes ${name} as JSON.stringify does`, async () => {
      expect(await successJson(result, async () => {})).toBe(JSON.stringify({ status: 'success', data: result }));
    });
  }

  it('yields between pieces of a large matrix', async () => {
    let paces = 0;
    await successJson(matrix(100, 1000), async () => void paces++);
    // Whole series per piece, at least 4,096 points: five series of 1,000 each time.
    expect(paces).toBe(20);
  });

  it('cuts a large answer into chunks of about 256 KiB that join to the same JSON', async () => {
    const result = matrix(400, 1000);
    const chunks = await successJsonChunks(result, async () => {});
    expect(chunks.join('')).toBe(JSON.stringify({ status: 'success', data: result }));
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks.slice(0, -1)) expect(c.length).toBeGreaterThanOrEqual(256 * 1024);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(256 * 1024 + 40_000);
    expect(await successJsonChunks(matrix(2, 3), async () => {})).toHaveLength(1);
  });
});
