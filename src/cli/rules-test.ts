/**
 * `braid rules test FILES...`: promtool's rule unit tests (cmd/promtool/unittest.go) on Braid's
 * engine, with promtool's output and failure semantics: input series loaded lazily up to each
 * evaluation time, every group evaluated at each evaluation_interval step, firing alerts compared
 * at their eval_time, expressions evaluated after the last step.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Pair } from 'yaml';
import { Group, type GroupDeps } from '../alerting/evaluator/group.js';
import { createMemorySeries, type MemorySeries } from '../alerting/evaluator/memory-series.js';
import { createRuleMetrics } from '../alerting/evaluator/metrics.js';
import { sourceQueryFunc } from '../alerting/evaluator/query.js';
import { expandRuleFiles, loadRuleFile } from '../alerting/rules/load.js';
import { formatDuration, parseDurationMs } from '../promql/literals.js';
import type { Labels } from '../promql/types.js';
import { Registry } from 'prom-client';
import { createLogger } from '../telemetry/logger.js';
import { parseSeriesLabels, parseSeriesValues } from './rules-series.js';
import { formatExpE, goDuration, labelsString, compareLabelSets, equalLabels } from './rules-format.js';

interface AlertTest { eval_time?: string; alertname?: string; exp_alerts?: Array<{ exp_labels?: Labels; exp_annotations?: Labels }> }
interface ExprTest { expr: string; eval_time?: string; exp_samples?: Array<{ labels?: string; value?: number; histogram?: string }> }
interface TestGroup {
  interval?: string; input_series?: Array<{ series: string; values?: string }>; alert_rule_test?: AlertTest[]; promql_expr_test?: ExprTest[];
  external_labels?: Labels; external_url?: string; name?: string; start_timestamp?: string | number;
}
interface UnitTestFile { rule_files?: string[]; evaluation_interval?: string; group_eval_order?: string[]; tests?: TestGroup[]; fuzzy_compare?: boolean }

const KNOWN: Record<string, readonly string[]> = {
  'main.unitTestFile': ['rule_files', 'evaluation_interval', 'group_eval_order', 'tests', 'fuzzy_compare'],
  'main.testGroup': ['interval', 'input_series', 'alert_rule_test', 'promql_expr_test', 'external_labels', 'external_url', 'name', 'start_timestamp'],
  'main.series': ['series', 'values'],
  'main.alertTestCase': ['eval_time', 'alertname', 'exp_alerts'],
  'main.alert': ['exp_labels', 'exp_annotations'],
  'main.promqlTestCase': ['expr', 'eval_time', 'exp_samples'],
  'main.sample': ['labels', 'value', 'histogram'],
};
const CHILDREN: Record<string, Record<string, string>> = {
  'main.unitTestFile': { tests: 'main.testGroup' },
  'main.testGroup': { input_series: 'main.series', alert_rule_test: 'main.alertTestCase', promql_expr_test: 'main.promqlTestCase' },
  'main.alertTestCase': { exp_alerts: 'main.alert' },
  'main.promqlTestCase': { exp_samples: 'main.sample' },
};

/** yaml.v2's UnmarshalStrict: unknown fields are errors. */
function strictKeys(node: unknown, type: string, lineOf: (o: number) => number, errs: string[]): void {
  if (!isMap(node)) return;
  for (const p of node.items as Pair[]) {
    const key = String((p.key as { value?: unknown }).value);
    if (!KNOWN[type]!.includes(key)) errs.push(`line ${lineOf((p.key as { range: [number] }).range[0])}: field ${key} not found in type ${type}`);
    if (type === 'main.sample' && key === 'value' && isScalar(p.value) && typeof p.value.value !== 'number' && p.value.value !== null) {
      errs.push(`line ${lineOf(p.value.range![0])}: cannot unmarshal !!str \`${String(p.value.source ?? p.value.value)}\` into float64`);
    }
    const child = CHILDREN[type]?.[key];
    if (child !== undefined && isSeq(p.value)) for (const item of p.value.items) strictKeys(item, child, lineOf, errs);
  }
}

const dur = (text: string | undefined, fallback: number): number => {
  if (text === undefined || text === null) return fallback;
  const ms = parseDurationMs(String(text));
  if (ms === undefined) throw new Error(`not a valid duration string: ${JSON.stringify(String(text))}`);
  return ms;
};

type Failure = string;

/** Loads the input series of a test group up to a time, as promtool's lazy loader does. */
function lazyLoader(tg: TestGroup, intervalMs: number, startMs: number): { store: MemorySeries; till(ts: number): Promise<void> } {
  const store = createMemorySeries();
  const pending = (tg.input_series ?? []).map((s) => {
    const labels = parseSeriesLabels(s.series);
    const values = parseSeriesValues(String(s.values ?? ''));
    const samples = values.flatMap((v, i) => (v === null ? [] : [{ labels, t: startMs + i * intervalMs, v: v === 'stale' ? NaN : v, stale: v === 'stale' }]));
    return samples;
  });
  return {
    store,
    async till(ts) {
      for (const list of pending) {
        let n = 0;
        while (n < list.length && list[n]!.t <= ts) n++;
        await store.append(list.splice(0, n));
      }
    },
  };
}

function alertsString(list: Array<{ labels: Labels; annotations: Labels }>): string {
  if (list.length === 0) return '[]';
  const one = (a: { labels: Labels; annotations: Labels }) => `Labels:${labelsString(a.labels)}\nAnnotations:${labelsString(a.annotations)}`;
  return `[\n${list.map((a, i) => `${i}:${indent(`\n${one(a)}`, '  ')}`).join(',\n')}\n]`;
}

function indent(lines: string, prefix: string): string {
  return lines.split('\n').join(`\n${prefix}`);
}

function sortAlerts(list: Array<{ labels: Labels; annotations: Labels }>): void {
  list.sort((a, b) => compareLabelSets(a.labels, b.labels) || compareLabelSets(a.annotations, b.annotations));
}

/** Runs one test group; returns the failures promtool would print. */
async function runGroup(tg: TestGroup, evalIntervalMs: number, order: Map<string, number>, ruleFiles: string[], fuzzy: boolean): Promise<Failure[]> {
  const intervalMs = dur(tg.interval, evalIntervalMs);
  const mint = tg.start_timestamp === undefined ? 0 : parseStart(tg.start_timestamp);
  const loader = lazyLoader(tg, intervalMs, mint);
  const query = sourceQueryFunc(loader.store, undefined, evalIntervalMs);
  const parsed = await Promise.all(ruleFiles.map((f) => loadRuleFile(f)));
  const loadErrors = parsed.flatMap((p) => p.errors);
  if (loadErrors.length > 0) return loadErrors;
  const deps: GroupDeps = {
    query, source: loader.store, append: (s) => loader.store.append(s), send: () => {}, log: createLogger('silent'),
    metrics: createRuleMetrics(new Registry(), () => ({ pending: 0, firing: 0 })), resendDelayMs: 60_000, outageToleranceMs: 3_600_000, forGracePeriodMs: 600_000,
    externalLabels: tg.external_labels ?? {}, externalUrl: tg.external_url ?? '', now: () => 0,
  };
  const groups = parsed.flatMap((p) => p.groups.map((cfg) => new Group(p.file, cfg, cfg.intervalMs ?? intervalMs, deps, false)));
  groups.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));

  const alertTests = tg.alert_rule_test ?? [];
  const exprTests = tg.promql_expr_test ?? [];
  for (const a of alertTests) {
    if (!a.alertname) return [`an item under alert_rule_test misses required attribute alertname at eval_time ${formatDuration(dur(a.eval_time, 0))}${tg.name ? ` (in TestGroup ${tg.name})` : ''}`];
  }
  const evalTimes = [...new Set(alertTests.map((a) => dur(a.eval_time, 0)))].sort((x, y) => x - y);
  const maxt = mint + Math.max(0, ...alertTests.map((a) => dur(a.eval_time, 0)), ...exprTests.map((e) => dur(e.eval_time, 0)));
  const errs: Failure[] = [];
  const testName = tg.name ? `    name: ${tg.name},\n` : '';
  let curr = 0;
  for (let ts = mint; ts <= maxt; ts += evalIntervalMs) {
    await loader.till(ts);
    const evalErrs: Failure[] = [];
    for (const g of groups) {
      await g.evaluate(ts);
      for (const r of g.rules) if (r.lastError !== undefined) evalErrs.push(`    rule: ${r.name}, time: ${goDuration(ts)}, err: ${r.lastError}`);
    }
    errs.push(...evalErrs);
    if (evalErrs.length > 0) return errs;
    while (curr < evalTimes.length && ts - mint <= evalTimes[curr]! && evalTimes[curr]! < ts + evalIntervalMs - mint) {
      const t = evalTimes[curr]!;
      for (const tc of alertTests.filter((a) => dur(a.eval_time, 0) === t)) {
        const got: Array<{ labels: Labels; annotations: Labels }> = [];
        for (const g of groups) for (const r of g.rules) {
          if (r.kind !== 'alerting' || r.name !== tc.alertname) continue;
          for (const a of r.activeAlerts()) if (a.state === 'firing') got.push({ labels: a.labels, annotations: a.annotations });
        }
        const exp = (tc.exp_alerts ?? []).map((e) => ({ labels: { ...stringMap(e.exp_labels), alertname: tc.alertname! }, annotations: stringMap(e.exp_annotations) }));
        sortAlerts(got);
        sortAlerts(exp);
        const same = got.length === exp.length && got.every((g, i) => equalLabels(g.labels, exp[i]!.labels) && equalLabels(g.annotations, exp[i]!.annotations));
        if (!same) {
          errs.push(`${testName}    alertname: ${tc.alertname}, time: ${formatDuration(t)}, \n        exp:${indent(alertsString(exp), '            ')}, \n        got:${indent(alertsString(got), '            ')}`);
        }
      }
      curr++;
    }
  }
  for (const tc of exprTests) {
    const t = dur(tc.eval_time, 0);
    let got: Array<{ labels: Labels; value: number }>;
    try {
      got = await query(tc.expr, mint + t);
    } catch (err) {
      errs.push(`    expr: ${JSON.stringify(tc.expr)}, time: ${formatDuration(t)}, err: ${(err as Error).message}`);
      continue;
    }
    let exp: Array<{ labels: Labels; value: number }>;
    try {
      exp = (tc.exp_samples ?? []).map((s) => {
        try {
          return { labels: parseSeriesLabels(String(s.labels ?? '')), value: Number(s.value ?? 0) };
        } catch (err) {
          throw new Error(`labels ${JSON.stringify(String(s.labels ?? ''))}: ${(err as Error).message}`);
        }
      });
    } catch (err) {
      errs.push(`    expr: ${JSON.stringify(tc.expr)}, time: ${formatDuration(t)}, err: ${(err as Error).message}`);
      continue;
    }
    exp.sort((a, b) => compareLabelSets(a.labels, b.labels));
    got.sort((a, b) => compareLabelSets(a.labels, b.labels));
    // go-cmp compares floats with ==: NaN never equals NaN, as in promtool; fuzzy_compare allows one ulp.
    const eq = fuzzy ? (x: number, y: number) => x === y || nextAfter(x, -Infinity) === y || nextAfter(x, Infinity) === y : (x: number, y: number) => x === y;
    const same = got.length === exp.length && got.every((g, i) => equalLabels(g.labels, exp[i]!.labels) && eq(g.value, exp[i]!.value));
    if (!same) {
      const str = (l: typeof got) => (l.length === 0 ? 'nil' : l.map((s) => `${labelsString(s.labels)} ${formatExpE(s.value)}`).join(', '));
      errs.push(`    expr: ${JSON.stringify(tc.expr)}, time: ${formatDuration(t)},\n        exp: ${str(exp)}\n        got: ${str(got)}`);
    }
  }
  return errs;
}

/** Go's math.Nextafter. */
function nextAfter(x: number, toward: number): number {
  if (Number.isNaN(x) || Number.isNaN(toward)) return NaN;
  if (x === toward) return toward;
  if (x === 0) return toward > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, (toward > x) === (x > 0) ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

function stringMap(m: Labels | undefined | null): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(m ?? {})) out[k] = String(v);
  return out;
}

function parseStart(v: string | number): number {
  if (typeof v === 'number' || /^[+-]?\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new Error(`cannot parse ${JSON.stringify(v)} to a valid timestamp`);
  return ms;
}

/** Runs the tests of one file; returns its failures (empty when all pass). */
export async function runRuleTestFile(file: string, warn: (line: string) => void): Promise<Failure[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return [`open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`];
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return [`yaml: ${doc.errors[0]!.message.split('\n')[0]}`];
  const lines = text.slice(0).split('\n');
  const offsets: number[] = [];
  let acc = 0;
  for (const l of lines) {
    offsets.push(acc);
    acc += l.length + 1;
  }
  const lineOf = (o: number) => offsets.findLastIndex((x) => x <= o) + 1;
  const strict: string[] = [];
  strictKeys(doc.contents, 'main.unitTestFile', lineOf, strict);
  if (strict.length > 0) return [`yaml: unmarshal errors:\n  ${strict.join('\n  ')}`];
  const utf = (doc.toJS() ?? {}) as UnitTestFile;
  try {
    const dir = path.dirname(file);
    const ruleFiles: string[] = [];
    for (const rf of utf.rule_files ?? []) {
      const pattern = rf !== '' && !path.isAbsolute(rf) ? path.join(dir, rf) : rf;
      const m = await expandRuleFiles([pattern]);
      if (m.length === 0) warn(`  WARNING: no file match pattern ${pattern}\n`);
      ruleFiles.push(...m);
    }
    const evalIntervalMs = dur(utf.evaluation_interval, 60_000) || 60_000;
    const order = new Map<string, number>();
    for (const [i, name] of (utf.group_eval_order ?? []).entries()) {
      if (order.has(name)) return [`group name repeated in evaluation order: ${name}`];
      order.set(name, i);
    }
    const errs: Failure[] = [];
    for (const tg of utf.tests ?? []) errs.push(...(await runGroup(tg, evalIntervalMs, order, ruleFiles, utf.fuzzy_compare === true)));
    return errs;
  } catch (err) {
    return [(err as Error).message];
  }
}

/** The command: prints as promtool does and returns the exit code (0 all pass, 1 otherwise). */
export async function rulesTest(files: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let failed = false;
  for (const f of files) {
    out(`Processing test file: ${f}\n`);
    const errs = await runRuleTestFile(f, err);
    if (errs.length > 0) {
      err('  FAILED:\n');
      for (const e of errs) {
        err(`${e}\n`);
        out('\n');
      }
      failed = true;
    } else {
      out('  SUCCESS\n');
    }
    out('\n');
  }
  return failed ? 1 : 0;
}
