/**
 * The rule unit-test corpus (test/fixtures/alerting/promtool/) through Prometheus 3.16's promtool and
 * through `braid rules test`: the same outcome for every file (promtool's exit code: 0 all passed,
 * 1 otherwise), and for the files meant to fail, Braid names what promtool names (the failing test
 * group, alert and eval time, expression, rule, file). expected.json records promtool's outcome for
 * each file, so a change on either side shows here.
 *
 * promtool runs once per file (its exit code per file, in milliseconds); Braid runs once over all
 * files (a tsx start costs seconds), split by its `Processing test file:` lines, and once more per
 * file only where its outcome differs, to compare that file's exit code too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { FUNCTIONS } from '../../src/promql/signatures.js';
import { braidTest, outcomesByFile, promtoolPath, promtoolTest, type FileOutcome, type PeerRun } from './promtool-peers.js';

const CORPUS = fileURLToPath(new URL('../fixtures/alerting/promtool/', import.meta.url));

interface Expected {
  exit: 0 | 1;
  /** What both outputs must contain (a failing file names what failed). */
  mentions?: string[];
  /** Braid prints exactly what promtool prints for this file (where the messages are not a parser's own). */
  same_output?: boolean;
}

const expected = JSON.parse(readFileSync(join(CORPUS, 'expected.json'), 'utf8')) as Record<string, Expected>;
const files = readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort();

let braidAll: PeerRun;
let braidByFile: Map<string, FileOutcome>;

beforeAll(async () => {
  await promtoolPath();
  braidAll = await braidTest(CORPUS, files);
  braidByFile = outcomesByFile(braidAll.output);
}, 30 * 60_000);

test('the corpus has at least 30 files, and expected.json records each of them', () => {
  expect(files.length).toBeGreaterThanOrEqual(30);
  expect(Object.keys(expected).sort()).toEqual(files);
  for (const f of files) expect(expected[f]!.exit, f).toBe(f.startsWith('fail_') || f.startsWith('invalid_') ? 1 : 0);
});

test('braid rules test over the whole corpus exits 1, as promtool does (some files fail)', async () => {
  const prom = await promtoolTest(CORPUS, files);
  expect(prom.code).toBe(1);
  expect(braidAll.code, braidAll.output.slice(-3000)).toBe(prom.code);
});

/** Aggregations and binary operators of Braid's engine (limitk and limit_ratio are refused, as without Prometheus's feature flag). */
const AGGREGATIONS = ['sum', 'avg', 'count', 'group', 'min', 'max', 'stddev', 'stdvar', 'quantile', 'topk', 'bottomk', 'count_values'];
const OPERATORS = ['+', '-', '*', '/', '%', '^', 'atan2', '==', '!=', '>', '<', '>=', '<=', 'and', 'or', 'unless', 'bool', 'on', 'ignoring', 'group_left', 'group_right', 'offset', '@'];

test('the corpus uses every function, aggregation and operator of the engine', () => {
  const rules = join(CORPUS, 'rules');
  const text = [...files.map((f) => join(CORPUS, f)), ...readdirSync(rules).map((f) => join(rules, f))].map((f) => readFileSync(f, 'utf8')).join('\n');
  const exprs = [...text.matchAll(/^\s*-?\s*expr: (.*)$/gm)].map((m) => m[1]!).join('\n');
  const missing = [
    ...[...FUNCTIONS].filter(([, sig]) => sig.disabled !== true).map(([name]) => name).filter((n) => !new RegExp(`\\b${n}\\(`).test(exprs)),
    ...AGGREGATIONS.filter((a) => !new RegExp(`\\b${a}\\b[^(]*\\(`).test(exprs)),
    ...OPERATORS.filter((o) => !exprs.split(/\s+|\(|\)/).includes(o)),
  ];
  expect(missing).toEqual([]);
});

describe.each(files)('%s', (file) => {
  const want = expected[file]!;

  test('promtool gives the recorded outcome, and braid rules test the same', async () => {
    const prom = await promtoolTest(CORPUS, [file]);
    const braid = braidByFile.get(file);
    const show = `--- promtool (exit ${prom.code}):\n${prom.output}\n--- braid (${braid === undefined ? 'no outcome for this file' : braid.passed ? 'SUCCESS' : 'FAILED'}):\n${braid?.output ?? braidAll.output.slice(-3000)}`;
    expect(prom.code, show).toBe(want.exit);
    for (const m of want.mentions ?? []) expect(prom.output, `promtool should mention ${m}\n${show}`).toContain(m);
    expect(braid, show).toBeDefined();
    if (braid!.passed !== (prom.code === 0)) {
      const alone = await braidTest(CORPUS, [file]);
      expect(alone.code, `--- braid alone (exit ${alone.code}):\n${alone.output}\n${show}`).toBe(prom.code);
    }
    expect(braid!.passed ? 0 : 1, show).toBe(prom.code);
    for (const m of want.mentions ?? []) expect(braid!.output, `braid should mention ${m}\n${show}`).toContain(m);
    if (want.same_output === true) expect(braid!.output.trim()).toBe(outcomesByFile(prom.output).get(file)?.output.trim());
  });
});
