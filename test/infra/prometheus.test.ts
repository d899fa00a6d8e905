/** The Prometheus 3.16 build of scripts/infra/prometheus.ts: cached, and the binaries say which release they are. */
import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { buildPrometheus, PROMETHEUS_VERSION } from '../../scripts/infra/prometheus.js';

test('buildPrometheus builds once, then finds both binaries in the cache', async () => {
  await buildPrometheus();
  const again = await buildPrometheus();
  expect(again.built).toEqual([]);
  expect(again.version).toBe(PROMETHEUS_VERSION);
  expect(again.promtool).toMatch(/\/prometheus\/promtool-3\.16\.0-[0-9a-f]{12}$/);
  for (const bin of [again.prometheus, again.promtool]) {
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8' })).toMatch(/, version 3\.16\.0 \(branch: HEAD, revision: v0\.316\.0\)/);
  }
}, 30 * 60_000);
