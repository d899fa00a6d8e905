/**
 * Braid's engine against a real Prometheus 3.16 on random expressions of a fixed seed (see
 * difftest/): every one must be answered alike, instant and range. Another seed by hand:
 * `npx tsx test/promql/difftest/cli.ts --seed 7 --count 2000`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusBinary, startPrometheus, type PrometheusPeer } from './difftest/prometheus.js';
import { percent, runDifferential, summary } from './difftest/run.js';

const SEED = 20261206;
const COUNT = 1000;

describe('PromQL against Prometheus 3.16', () => {
  let prom: PrometheusPeer;
  beforeAll(async () => {
    prom = await startPrometheus(await prometheusBinary());
  }, 30 * 60_000);
  afterAll(async () => prom?.stop());

  it(`answers ${COUNT} random expressions (seed ${SEED}) as Prometheus does, instant and range`, async () => {
    const report = await runDifferential(prom, { seed: SEED, count: COUNT });
    console.log(summary(report));
    expect(report.prometheusVersion).toBe('3.16.0');
    const lines = report.disagreements.map((d) => `${d.mode} [${d.at.join(', ')}] ${d.query}\n    ${d.diff}`);
    expect(lines).toEqual([]);
    expect(percent(report.instant)).toBe(100);
    expect(percent(report.range)).toBe(100);
  }, 10 * 60_000);
});
