/**
 * The rules Braid ships (alerts/*.yaml) and their unit tests (alerts/tests/*.yaml) in Prometheus
 * 3.16's promtool and in Braid: both check the rule files clean and pass every unit test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, expect, test } from 'vitest';
import { braidCheck, braidTest, outcomesByFile, promtoolCheck, promtoolPath, promtoolTest } from './promtool-peers.js';

const ALERTS = fileURLToPath(new URL('../../alerts/', import.meta.url));
const ruleFiles = readdirSync(ALERTS).filter((f) => f.endsWith('.yaml')).sort();
const testFiles = readdirSync(join(ALERTS, 'tests')).filter((f) => f.endsWith('.yaml')).sort().map((f) => `tests/${f}`);

beforeAll(async () => {
  await promtoolPath();
}, 30 * 60_000);

test('every shipped rule file has unit tests', () => {
  expect(ruleFiles.length).toBeGreaterThan(0);
  for (const f of ruleFiles) expect(testFiles, f).toContain(`tests/${f.replace(/\.yaml$/, '.test.yaml')}`);
});

test('the error-ratio alert the demo and the E2E test look for: name, labels, severity', () => {
  const doc = parse(readFileSync(join(ALERTS, 'services.yaml'), 'utf8')) as { groups: { rules: { alert?: string; expr: string; labels?: Record<string, string> }[] }[] };
  const rule = doc.groups.flatMap((g) => g.rules).find((r) => r.alert === 'BraidServiceErrorRatioHigh');
  expect(rule?.labels?.severity).toBe('critical');
  expect(rule?.expr).toContain('sum by (service_name)');
});

test('promtool check rules and braid rules check accept alerts/*.yaml', async () => {
  const [prom, braid] = await Promise.all([promtoolCheck(ALERTS, ruleFiles), braidCheck(ALERTS, ruleFiles)]);
  expect(prom.code, prom.output).toBe(0);
  expect(braid.code, braid.output).toBe(0);
});

test('promtool test rules passes alerts/tests/*.yaml', async () => {
  const prom = await promtoolTest(ALERTS, testFiles);
  expect(prom.code, prom.output).toBe(0);
  expect([...outcomesByFile(prom.output).keys()].sort()).toEqual(testFiles);
});

test('braid rules test passes alerts/tests/*.yaml', async () => {
  const braid = await braidTest(ALERTS, testFiles);
  expect(braid.code, braid.output).toBe(0);
  expect([...outcomesByFile(braid.output).entries()].filter(([, o]) => o.passed).map(([f]) => f).sort()).toEqual(testFiles);
});
