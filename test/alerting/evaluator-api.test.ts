import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemorySeries, createRuleFilesProvider, createRuleManager } from '../../src/alerting/evaluator/index.js';
import { createQueryServer } from '../../src/query/server.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { RULES } from './rules-fixture.js';

const M = 60_000;
const log = createLogger('silent');

describe('/prometheus/api/v1/rules and /alerts', () => {
  let dir: string;
  const store = createMemorySeries();
  const times = { wall: 1_000_000 };
  let mgr: ReturnType<typeof createRuleManager>;
  let app: ReturnType<typeof createQueryServer>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'braid-rules-api-'));
    await writeFile(path.join(dir, 'a.yaml'), RULES);
    for (let m = 0; m <= 5; m++) await store.append([{ labels: { __name__: 'up', job: 'a' }, t: m * M, v: 0 }]);
    mgr = createRuleManager(
      { ruleFiles: [path.join(dir, '*.yaml')], evaluationIntervalMs: M, externalLabels: {}, externalUrl: 'http://braid:16686' },
      { source: store, append: (s) => store.append(s), send: () => {}, log, now: () => times.wall },
    );
    await mgr.load();
    for (let m = 0; m <= 1; m++) await mgr.evaluateAt(m * M);
    const memory = createMemoryStore({ max_spans: 10, max_logs: 10, max_samples: 10 });
    app = createQueryServer(memory, log, { maxSamples: 1000, rules: { rules: (f) => mgr.rulesApi(f), alerts: () => mgr.alertsApi() } });
  });
  afterAll(async () => app.close());

  it('answers /alerts in Prometheus\'s shape', async () => {
    const r = await app.inject({ url: '/prometheus/api/v1/alerts' });
    expect(r.json()).toEqual({
      status: 'success',
      data: { alerts: [{ labels: { alertname: 'Down', job: 'a', severity: 'page' }, annotations: { summary: 'a is down' }, state: 'pending', activeAt: '1970-01-01T00:00:00.000Z', value: '0e+00' }] },
    });
  });

  it('answers /rules with both rule types and filters by type', async () => {
    const all = (await app.inject({ url: '/prometheus/api/v1/rules' })).json();
    const file = path.join(dir, 'a.yaml');
    expect(all).toEqual({
      status: 'success',
      data: {
        groups: [{
          name: 'g', file, interval: 60, limit: 0, evaluationTime: 0, lastEvaluation: '1970-01-01T00:16:40.000Z',
          rules: [
            { name: 'job:up:sum', query: 'sum by (job) (up)', labels: {}, health: 'ok', evaluationTime: 0, lastEvaluation: '1970-01-01T00:16:40.000Z', type: 'recording' },
            {
              state: 'pending', name: 'Down', query: 'job:up:sum == 0', duration: 120, keepFiringFor: 60, labels: { severity: 'page' }, annotations: { summary: '{{ $labels.job }} is down' },
              alerts: [{ labels: { alertname: 'Down', job: 'a', severity: 'page' }, annotations: { summary: 'a is down' }, state: 'pending', activeAt: '1970-01-01T00:00:00.000Z', value: '0e+00' }],
              health: 'ok', evaluationTime: 0, lastEvaluation: '1970-01-01T00:16:40.000Z', type: 'alerting',
            },
          ],
        }],
      },
    });
    const records = (await app.inject({ url: '/prometheus/api/v1/rules?type=record' })).json() as { data: { groups: Array<{ rules: Array<{ type: string }> }> } };
    expect(records.data.groups[0]!.rules.map((r) => r.type)).toEqual(['recording']);
    const none = (await app.inject({ url: '/prometheus/api/v1/rules?rule_name[]=Nope' })).json();
    expect(none).toEqual({ status: 'success', data: { groups: [] } });
    const bad = await app.inject({ url: '/prometheus/api/v1/rules?type=x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "type": not supported value "x"' });
  });

  it('answers from the rule files with no state when no alerter runs in the process', async () => {
    const p = createRuleFilesProvider({ ruleFiles: [path.join(dir, '*.yaml')], evaluationIntervalMs: M }, log);
    const data = (await p.rules({ type: 'alert' })) as { groups: Array<{ rules: Array<{ state: string; health: string; alerts: unknown[] }> }> };
    expect(data.groups[0]!.rules).toMatchObject([{ state: 'unknown', health: 'unknown', alerts: [] }]);
    expect(await p.alerts()).toEqual({ alerts: [] });
  });
});
