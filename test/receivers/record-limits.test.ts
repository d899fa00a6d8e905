import { describe, expect, it } from 'vitest';
import { BraidError } from '../../src/errors.js';
import { recordLimits } from '../../src/model/limits.js';
import { parseNdjsonLogs } from '../../src/receivers/ndjson/parse.js';
import { decodeRemoteWrite } from '../../src/receivers/prometheus/remote-write.js';
import { encode, snappy } from '../helpers/remote-write.js';

const LIMITS = recordLimits({ max_attributes_per_record: 3, max_attribute_value_length: 10, max_label_names_per_series: 3, max_label_name_length: 12, max_label_value_length: 8 });

describe('record limits at the receivers', () => {
  it('NDJSON: a line past the limits is a bad line, named by number; the others are kept', () => {
    const text = ['{"msg":"ok","a":"1"}', '{"msg":"too many","a":"1","b":"2","c":"3","d":"4"}', '{"msg":"long","user":"uuuuuuuuuuuu"}'].join('\n');
    const r = parseNdjsonLogs(text, 1n, LIMITS);
    expect(r.accepted).toBe(1);
    expect(r.errors.map((e) => e.line)).toEqual([2, 3]);
    expect(r.errors[0]!.reason).toMatch(/^attributes: \d+ attributes, more than max_attributes_per_record \(3\)$/);
    expect(r.errors[1]!.reason).toBe('attributes: attribute "user" holds a string of 12 characters, more than max_attribute_value_length (10)');
    expect(parseNdjsonLogs(text, 1n).accepted).toBe(3);
  });

  it('remote write: a series past the label limits refuses the request with BRAID_ERR_LIMIT_RECORD naming the metric', () => {
    const ok = { labels: [['__name__', 'up'], ['job', 'a']] as Array<[string, string]>, samples: [[1, 1000]] as Array<[number, number]> };
    const cases: Array<[Array<[string, string]>, string]> = [
      [[['__name__', 'wide'], ['a', '1'], ['b', '2'], ['c', '3']], 'timeseries[1] (wide): 4 labels, more than max_label_names_per_series (3)'],
      [[['__name__', 'lv'], ['path', '/a/b/c/d/e']], 'timeseries[1] (lv): label "path" with a value of 10 characters, more than max_label_value_length (8)'],
      [[['__name__', 'ln'], ['a_label_name_too_long', 'x']], 'timeseries[1] (ln): a label name of 21 characters, more than max_label_name_length (12)'],
    ];
    for (const [labels, message] of cases) {
      const body = snappy(encode([ok, { labels, samples: [[1, 1000]] }]));
      let err: unknown;
      try {
        decodeRemoteWrite(body, { limits: LIMITS });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BraidError);
      expect((err as BraidError).code).toBe('BRAID_ERR_LIMIT_RECORD');
      expect((err as BraidError).message).toBe(message);
      expect(decodeRemoteWrite(body).timeseries).toHaveLength(2);
    }
  });
});
