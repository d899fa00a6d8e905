import { describe, expect, it } from 'vitest';
import { parseBulk } from '../../src/receivers/elasticsearch/bulk.js';

describe('parseBulk', () => {
  it('reads index and create items with their sources, indices and IDs', () => {
    const body = ['{"index":{"_index":"a","_id":"1"}}', '{"message":"one"}', '{"create":{}}', '{"message":"two"}', ''].join('\n');
    const items = parseBulk(body, 'fallback');
    expect(items.map((i) => [i.action, i.index, i.source])).toEqual([
      ['index', 'a', '{"message":"one"}'],
      ['create', 'fallback', '{"message":"two"}'],
    ]);
    expect(items[0]?.id).toBe('1');
    expect(items[1]?.id).toMatch(/^[A-Za-z0-9_-]{20}$/);
  });

  it('answers update and delete per item, skipping an update source, and goes on', () => {
    const body = ['{"delete":{"_index":"a","_id":"1"}}', '{"update":{"_index":"a","_id":"2"}}', '{"doc":{"x":1}}', '{"index":{"_index":"a"}}', '{"message":"kept"}'].join('\n');
    const items = parseBulk(body, undefined);
    expect(items.map((i) => [i.action, i.error?.type])).toEqual([
      ['delete', 'illegal_argument_exception'],
      ['update', 'illegal_argument_exception'],
      ['index', undefined],
    ]);
    expect(items[2]?.source).toBe('{"message":"kept"}');
  });

  it('names a malformed action line and a missing index', () => {
    const items = parseBulk(['{"index":', '{"index":{}}', '{"message":"no index"}', '{"foo":{}}'].join('\n'), undefined);
    expect(items.map((i) => i.error?.reason)).toEqual([
      expect.stringMatching(/^line 1: malformed action\/metadata line: /),
      'line 3: index is missing',
      expect.stringMatching(/^line 4: malformed action\/metadata line: expected one of index, create, update, delete/),
    ]);
  });
});
