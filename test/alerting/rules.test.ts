import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadRuleFile } from '../../src/alerting/rules/load.js';
import { parseRuleFile } from '../../src/alerting/rules/parse.js';
import { rulesCheck } from '../../src/cli/rules-check.js';
import { parseSeriesLabels, parseSeriesValues } from '../../src/cli/rules-series.js';
import { rulesTest } from '../../src/cli/rules-test.js';

const DIR = 'test/fixtures/rules';

async function run(cmd: typeof rulesCheck, files: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await cmd(files, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

// The expected texts are what promtool 3.16 prints for the same files.
describe('rule files as Prometheus reads them', () => {
  it('reads groups, intervals, limits and rules', async () => {
    const r = parseRuleFile('groups:\n- name: g\n  interval: 30s\n  limit: 3\n  query_offset: 1m\n  labels: {team: a}\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 1m30s\n    keep_firing_for: 2m\n', 'f.yaml');
    expect(r).toEqual({
      file: 'f.yaml',
      errors: [],
      groups: [{ name: 'g', intervalMs: 30_000, limit: 3, queryOffsetMs: 60_000, labels: { team: 'a' }, rules: [{ alert: 'A', expr: 'up == 0', forMs: 90_000, keepFiringForMs: 120_000, labels: {}, annotations: {} }] }],
    });
  });

  it('reports every validation error with positions, group, rule and name', async () => {
    const f = `${DIR}/invalid_rules.yaml`;
    expect((await loadRuleFile(f)).errors).toEqual([
      `${f}: 4:13: group "g", rule 1, "job:up:sum": invalid field 'for' in recording rule`,
      `${f}: 8:13: 7:12: group "g", rule 2, "X": only one of 'record' and 'alert' must be set`,
      `${f}: 0:0: 0:0: group "g", rule 3, "": one of 'record' or 'alert' must be set`,
      `${f}: 12:11: group "g", rule 4, "Y": could not parse expression: 1:6: parse error: unexpected end of input`,
      `${f}: group "g", rule 4, "Y": invalid label name: __name__`,
      `${f}: group "g", rule 4, "Y": annotation "a": template: __alert_Y:1: unclosed action`,
      `${f}: 17:13: group "g", rule 5, "a{b}": braces present in the recording rule name; should it be in expr?: a{b}`,
      `${f}: 0:0: groupname: "g" is repeated in the same file`,
      `${f}: 0:0: Groupname must not be empty`,
    ]);
  });

  it('rejects unknown keys, bad durations and wrong types as yaml.v3 does', async () => {
    expect((await loadRuleFile(`${DIR}/typo_keys.yaml`)).errors).toEqual([
      `${DIR}/typo_keys.yaml: yaml: unmarshal errors:\n  line 3: field foo not found in type rulefmt.RuleGroup\n  line 7: field bogus not found in type rulefmt.Rule`,
    ]);
    expect((await loadRuleFile(`${DIR}/invalid_duration.yaml`)).errors).toEqual(Array(2).fill(`${DIR}/invalid_duration.yaml: unknown unit "x" in duration "5x"`));
    expect((await loadRuleFile(`${DIR}/invalid_limit.yaml`)).errors).toEqual(Array(2).fill(`${DIR}/invalid_limit.yaml: yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str \`abc\` into int`));
  });
});

describe('braid rules check', () => {
  it('prints SUCCESS with the rule count and exits 0', async () => {
    expect(await run(rulesCheck, [`${DIR}/rules.yaml`])).toEqual({ code: 0, out: `Checking ${DIR}/rules.yaml\n  SUCCESS: 2 rules found\n\n`, err: '' });
  });

  it('prints FAILED and the errors, exits 1', async () => {
    const r = await run(rulesCheck, [`${DIR}/rules.yaml`, `${DIR}/invalid_limit.yaml`]);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`Checking ${DIR}/rules.yaml\n  SUCCESS: 2 rules found\n\nChecking ${DIR}/invalid_limit.yaml\n`);
    expect(r.err.startsWith(`  FAILED:\n${DIR}/invalid_limit.yaml: yaml: unmarshal errors:\n`)).toBe(true);
  });
});

describe('braid rules test', () => {
  it('passes a test file that promtool passes', async () => {
    expect(await run(rulesTest, [`${DIR}/passing_test.yaml`])).toEqual({ code: 0, out: `Processing test file: ${DIR}/passing_test.yaml\n  SUCCESS\n\n`, err: '' });
  });

  it('prints what differs the way promtool does and exits 1', async () => {
    const r = await run(rulesTest, [`${DIR}/failing_test.yaml`]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`  FAILED:
    alertname: Down, time: 5m, 
        exp:[
            0:
              Labels:{alertname="Down", job="a", severity="page"}
              Annotations:{summary="b is down"}
            ], 
        got:[
            0:
              Labels:{alertname="Down", job="a", severity="page"}
              Annotations:{summary="a is down"}
            ]
    expr: "job:up:sum", time: 3m,
        exp: {__name__="job:up:sum", job="a"} 0E+00
        got: {__name__="job:up:sum", job="a"} 0E+00, {__name__="job:up:sum", job="b"} 2E+00
    expr: "up", time: 4m,
        exp: {__name__="up", instance="x", job="a"} 1E+00
        got: {__name__="up", instance="x", job="a"} 0E+00, {__name__="up", instance="y", job="b"} 1E+00
`);
    expect(r.out).toBe(`Processing test file: ${DIR}/failing_test.yaml\n\n\n\n\n`);
  });

  it('expands the input_series notation', () => {
    expect(parseSeriesValues('1+2x3 _ stale _x2 5x1 -1-2x2 0x2 1e-3x1 Inf')).toEqual([1, 3, 5, 7, null, 'stale', null, null, 5, 5, -1, -3, -5, 0, 0, 0, 0.001, 0.001, Infinity]);
    expect(() => parseSeriesValues('1 abc')).toThrow('parse error: unexpected "abc" in series values');
    expect(parseSeriesLabels('up{job="a"}')).toEqual({ __name__: 'up', job: 'a' });
    expect(parseSeriesLabels('{}')).toEqual({});
  });
});

describe('braid rules test against promtool 3.16', () => {
  // The .promtool-stderr.txt files are what `promtool test rules FILE` printed on stderr for the same files.
  for (const name of ['templates_test', 'edges_test']) {
    it(`prints what promtool printed for ${name}.yaml`, async () => {
      const expected = await readFile(`${DIR}/${name}.promtool-stderr.txt`, 'utf8');
      const r = await run(rulesTest, [`${DIR}/${name}.yaml`]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(expected.replaceAll('nomatch*.yaml', `${DIR}/nomatch*.yaml`));
    });
  }
});
