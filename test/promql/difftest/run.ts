/**
 * The differential check: the expressions of a seed, evaluated by Braid's engine over the seed's
 * dataset in memory and by a real Prometheus over the same samples (remote-written), instant and
 * range, with the agreement per mode and every disagreement.
 */
import * as engine from '../../../src/promql/index.js';
import { memorySource } from '../promqltest.js';
import { compareOutcomes, type Outcome } from './compare.js';
import { dataset, prng, T0, T_LAST, toRemoteWrite, toSeries } from './data.js';
import { ExprGen } from './exprs.js';
import type { PrometheusPeer } from './prometheus.js';

/** The engine under test: Braid's, or another build of it (to measure an older commit). */
export type Engine = Pick<typeof engine, 'instantQuery' | 'rangeQuery'>;

/** One expression that the two evaluated differently. */
export interface Disagreement {
  mode: 'instant' | 'range';
  query: string;
  /** The instant query's time, or the range's start, end and step, in ms. */
  at: number[];
  diff: string;
}

/** Counts of one mode. */
export interface ModeCounts {
  total: number;
  agree: number;
  /** Of those agreeing, how many both failed, and how many of those with the same error type and message. */
  bothFailed: number;
  sameError: number;
  /** Of those agreeing, how many differ only in which tied series topk/bottomk kept. */
  tiesPicked: number;
  /** Of those agreeing, how many differ in the last bits of a float written as a label value. */
  lastBitLabels: number;
}

/** What a run found. */
export interface DiffReport {
  seed: number;
  prometheusVersion: string;
  instant: ModeCounts;
  range: ModeCounts;
  disagreements: Disagreement[];
  /** Queries both refused, with another error type or message: Braid's | Prometheus's. */
  otherErrors: Disagreement[];
}

const STEPS_MS = [15_000, 30_000, 60_000, 7_000, 45_000];

function braidError(err: unknown): Outcome {
  const e = err as { code?: string; message?: string };
  const errorType = e.code === 'BRAID_ERR_PROMQL_PARSE' ? 'bad_data' : e.code === 'BRAID_ERR_PROMQL_EXEC' ? 'execution' : `internal (${String(e.code)})`;
  return { ok: false, errorType, error: e.message ?? String(err) };
}

const counts = (): ModeCounts => ({ total: 0, agree: 0, bothFailed: 0, sameError: 0, tiesPicked: 0, lastBitLabels: 0 });

/** Runs `count` expressions of `seed` against `prom` (which must be empty: the dataset is written to it). */
export async function runDifferential(prom: PrometheusPeer, opts: { seed: number; count: number; engine?: Engine }): Promise<DiffReport> {
  const eng = opts.engine ?? engine;
  const data = dataset(opts.seed);
  await prom.write(toRemoteWrite(data));
  const source = memorySource(toSeries(data));
  const rnd = prng(opts.seed * 7 + 1);
  const sampleTimes = data[0]!.samples.map(([t]) => t);
  const gen = new ExprGen(opts.seed, sampleTimes);
  const report: DiffReport = { seed: opts.seed, prometheusVersion: prom.version, instant: counts(), range: counts(), disagreements: [], otherErrors: [] };
  const tally = (mode: 'instant' | 'range', query: string, at: number[], a: Outcome, b: Outcome): void => {
    const v = compareOutcomes(query, a, b, mode === 'instant');
    const c = report[mode];
    c.total++;
    if (v.agree) {
      c.agree++;
      if (v.sameError !== undefined) c.bothFailed++;
      if (v.sameError === true) c.sameError++;
      if (v.sameError === false) report.otherErrors.push({ mode, query, at, diff: v.diff ?? '' });
      if (v.tiesPicked === true) c.tiesPicked++;
      if (v.lastBitLabels === true) c.lastBitLabels++;
    } else {
      report.disagreements.push({ mode, query, at, diff: v.diff ?? '' });
    }
  };
  for (let i = 0; i < opts.count; i++) {
    const query = gen.next();
    // Times from before the data (nothing in the lookback) to six minutes after it (staleness by
    // lookback); one in five exactly on a sample or on the end of its lookback (left-open windows).
    const onSample = rnd() < 0.2 ? sampleTimes[Math.floor(rnd() * sampleTimes.length)]! + (rnd() < 0.5 ? 0 : 300_000) : undefined;
    const t = onSample ?? Math.round(T0 - 60_000 + rnd() * (T_LAST - T0 + 7 * 60_000));
    const braid = await eng.instantQuery(source, query, t).then((data): Outcome => ({ ok: true, data }), braidError);
    tally('instant', query, [t], braid, await prom.instant(query, t));
    const step = STEPS_MS[Math.floor(rnd() * STEPS_MS.length)]!;
    const start = rnd() < 0.2 ? sampleTimes[Math.floor(rnd() * sampleTimes.length)]! : Math.round(T0 + rnd() * (T_LAST - T0));
    const end = start + step * Math.floor(rnd() * 40);
    const braidRange = await eng.rangeQuery(source, query, start, end, step).then((data): Outcome => ({ ok: true, data }), braidError);
    tally('range', query, [start, end, step], braidRange, await prom.range(query, start, end, step));
  }
  return report;
}

/** Agreement of one mode in percent. */
export const percent = (c: ModeCounts): number => (c.total === 0 ? 100 : (100 * c.agree) / c.total);

/** A short text summary of a report. */
export function summary(r: DiffReport): string {
  const line = (name: string, c: ModeCounts): string =>
    `${name}: ${c.agree}/${c.total} agree (${percent(c).toFixed(2)}%), ${c.bothFailed} of them both refused, ${c.sameError} with the same error type and message, ${c.tiesPicked} picked other tied series, ${c.lastBitLabels} differ in a label value's last float bits`;
  return [`seed ${r.seed} against Prometheus ${r.prometheusVersion}`, line('instant', r.instant), line('range', r.range)].join('\n');
}
