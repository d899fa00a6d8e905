import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemorySeries, createRuleManager, type MemorySeries } from '../../src/alerting/evaluator/index.js';
import { groupOffsetMs } from '../../src/alerting/evaluator/manager.js';
import type { NotifiableAlert } from '../../src/alerting/types.js';
import type { Labels } from '../../src/promql/types.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { RULES } from './rules-fixture.js';

const M = 60_000;
const log = createLogger('silent');


async function ruleDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'braid-rules-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

/** up{job="a"}: 1 at 0-1m, 0 at 2m-6m, 1 from 7m, one sample a minute up to `until`. */
async function upSeries(store: MemorySeries, until: number, down: (m: number) => boolean): Promise<void> {
  for (let m = 0; m <= until; m++) await store.append([{ labels: { __name__: 'up', job: 'a', instance: 'x' }, t: m * M, v: down(m) ? 0 : 1 }]);
}

function setup(dir: string, store: MemorySeries, sent: NotifiableAlert[][], extra: { forGracePeriodMs?: number; exampleTraces?: () => Promise<string[]> } = {}) {
  return createRuleManager(
    { ruleFiles: [path.join(dir, '*.yaml')], evaluationIntervalMs: M, externalLabels: { cluster: 'c1' }, externalUrl: 'http://braid:16686', ...(extra.forGracePeriodMs === undefined ? {} : { forGracePeriodMs: extra.forGracePeriodMs }) },
    { source: store, append: (s) => store.append(s), send: (a) => sent.push(a), log, now: () => 0, ...(extra.exampleTraces ? { exampleTraces: extra.exampleTraces } : {}) },
  );
}

/** The value of the series with exactly `labels` at `t` ("stale" for a staleness marker). */
async function at(store: MemorySeries, labels: Labels, t: number): Promise<number | 'stale' | undefined> {
  const s = store.all().find((x) => JSON.stringify(Object.entries(x.labels).sort()) === JSON.stringify(Object.entries(labels).sort()));
  const p = s?.samples.find(([ts]) => ts === t);
  return p === undefined ? undefined : p[2] ? 'stale' : p[1];
}

const ALERT = { alertname: 'Down', job: 'a', severity: 'page' };

describe('rule manager on a fake clock', () => {
  it('steps an alert through pending, firing, keep_firing_for and resolved, with ALERTS, ALERTS_FOR_STATE and sends', async () => {
    const store = createMemorySeries();
    await upSeries(store, 12, (m) => m >= 2 && m <= 6);
    const sent: NotifiableAlert[][] = [];
    const mgr = setup(await ruleDir({ 'a.yaml': RULES }), store, sent);
    expect(await mgr.load()).toEqual({ ok: true, errors: [] });
    const states: Array<string> = [];
    for (let m = 0; m <= 10; m++) {
      await mgr.evaluateAt(m * M);
      const alerts = (mgr.alertsApi() as { alerts: Array<{ state: string; activeAt: string }> }).alerts;
      states.push(alerts.map((a) => `${a.state}@${a.activeAt}`).join(',') || '-');
    }
    expect(states).toEqual([
      '-', '-', 'pending@1970-01-01T00:02:00.000Z', 'pending@1970-01-01T00:02:00.000Z',
      'firing@1970-01-01T00:02:00.000Z', 'firing@1970-01-01T00:02:00.000Z', 'firing@1970-01-01T00:02:00.000Z',
      'firing@1970-01-01T00:02:00.000Z', '-', '-', '-',
    ]);
    expect(await at(store, { __name__: 'job:up:sum', job: 'a' }, 3 * M)).toBe(0);
    expect(await at(store, { __name__: 'ALERTS', alertstate: 'pending', ...ALERT }, 3 * M)).toBe(1);
    expect(await at(store, { __name__: 'ALERTS', alertstate: 'pending', ...ALERT }, 4 * M)).toBe('stale');
    expect(await at(store, { __name__: 'ALERTS', alertstate: 'firing', ...ALERT }, 4 * M)).toBe(1);
    expect(await at(store, { __name__: 'ALERTS_FOR_STATE', ...ALERT }, 5 * M)).toBe(120);
    // keep_firing_for 1m: still firing at 7m although the expression is empty, resolved at 8m.
    expect(await at(store, { __name__: 'ALERTS', alertstate: 'firing', ...ALERT }, 7 * M)).toBe(1);
    expect(await at(store, { __name__: 'ALERTS', alertstate: 'firing', ...ALERT }, 8 * M)).toBe('stale');
    expect(await at(store, { __name__: 'ALERTS_FOR_STATE', ...ALERT }, 8 * M)).toBe('stale');
    // Sent at 4m (firing), 6m (resend delay 1m passed), 8m (resolved), 10m (resolved, re-sent after the resend delay).
    expect(sent.map((b) => b.map((a) => `${a.startsAt}/${a.endsAt}`))).toEqual([
      ['1970-01-01T00:04:00Z/1970-01-01T00:08:00Z'],
      ['1970-01-01T00:04:00Z/1970-01-01T00:10:00Z'],
      ['1970-01-01T00:04:00Z/1970-01-01T00:08:00Z'],
      ['1970-01-01T00:04:00Z/1970-01-01T00:08:00Z'],
    ]);
    expect(sent[0]![0]).toEqual({
      labels: ALERT,
      annotations: { summary: 'a is down' },
      startsAt: '1970-01-01T00:04:00Z',
      endsAt: '1970-01-01T00:08:00Z',
      generatorURL: 'http://braid:16686/graph?g0.expr=job%3Aup%3Asum+%3D%3D+0&g0.tab=1',
    });
  });

  it('drops a pending alert that vanishes before `for`', async () => {
    const store = createMemorySeries();
    await upSeries(store, 6, (m) => m === 2 || m === 3);
    const sent: NotifiableAlert[][] = [];
    const mgr = setup(await ruleDir({ 'a.yaml': RULES }), store, sent);
    await mgr.load();
    for (let m = 0; m <= 5; m++) await mgr.evaluateAt(m * M);
    expect(await at(store, { __name__: 'ALERTS', alertstate: 'pending', ...ALERT }, 3 * M)).toBe(1);
    expect(await at(store, { __name__: 'ALERTS', alertstate: 'pending', ...ALERT }, 4 * M)).toBe('stale');
    expect(mgr.alertsApi()).toEqual({ alerts: [] });
    expect(sent).toEqual([]);
  });

  it('restores `for` progress after a restart mid-for, shifted by the downtime', async () => {
    const store = createMemorySeries();
    const rules = RULES.replace('for: 2m', 'for: 30m');
    await upSeries(store, 60, (m) => m >= 2);
    const dir = await ruleDir({ 'a.yaml': rules });
    const first = setup(dir, store, []);
    await first.load();
    for (let m = 0; m <= 12; m++) await first.evaluateAt(m * M);
    expect(await at(store, { __name__: 'ALERTS_FOR_STATE', ...ALERT }, 12 * M)).toBe(120);
    // Down from 12m to 20m; the new process evaluates at 20m, 21m, restores after 21m: activeAt 2m + 9m = 11m.
    const sent: NotifiableAlert[][] = [];
    const second = setup(dir, store, sent);
    await second.load();
    await second.evaluateAt(20 * M);
    await second.evaluateAt(21 * M);
    expect((second.alertsApi() as { alerts: Array<{ activeAt: string }> }).alerts[0]!.activeAt).toBe('1970-01-01T00:11:00.000Z');
    for (let m = 22; m <= 41; m++) await second.evaluateAt(m * M);
    expect(await at(store, { __name__: 'ALERTS', alertstate: 'pending', ...ALERT }, 40 * M)).toBe(1);
    expect(await at(store, { __name__: 'ALERTS', alertstate: 'firing', ...ALERT }, 41 * M)).toBe(1);
    expect(sent.map((b) => b[0]!.startsAt)).toEqual(['1970-01-01T00:41:00Z']);
  });

  it('restores a firing alert after a restart: firing again on the first evaluation after the restore', async () => {
    const store = createMemorySeries();
    const rules = RULES.replace('for: 2m', 'for: 10m');
    await upSeries(store, 40, (m) => m >= 2);
    const dir = await ruleDir({ 'a.yaml': rules });
    const first = setup(dir, store, []);
    await first.load();
    for (let m = 0; m <= 15; m++) await first.evaluateAt(m * M);
    expect(await at(store, { __name__: 'ALERTS', alertstate: 'firing', ...ALERT }, 15 * M)).toBe(1);
    const sent: NotifiableAlert[][] = [];
    const second = setup(dir, store, sent);
    await second.load();
    await second.evaluateAt(17 * M);
    await second.evaluateAt(18 * M);
    await second.evaluateAt(19 * M);
    expect(await at(store, { __name__: 'ALERTS', alertstate: 'firing', ...ALERT }, 19 * M)).toBe(1);
    expect(await at(store, { __name__: 'ALERTS_FOR_STATE', ...ALERT }, 19 * M)).toBe(120);
    expect(sent.length).toBe(1);
  });

  it('keeps the old rules when a reloaded file is bad, and reports the error', async () => {
    const store = createMemorySeries();
    await upSeries(store, 3, () => true);
    const dir = await ruleDir({ 'a.yaml': RULES });
    const mgr = setup(dir, store, []);
    await mgr.load();
    await writeFile(path.join(dir, 'a.yaml'), RULES.replace('expr: job:up:sum == 0', 'expr: job:up:sum ==='));
    const r = await mgr.load();
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([`${path.join(dir, 'a.yaml')}: 8:11: group "g", rule 2, "Down": could not parse expression: 1:14: parse error: unexpected character: "="`]);
    await mgr.evaluateAt(2 * M);
    expect(((mgr.rulesApi({}) as { groups: Array<{ rules: unknown[] }> }).groups[0]!.rules.length)).toBe(2);
  });

  it('keeps alert state across a good reload and marks the series of a removed group stale', async () => {
    const store = createMemorySeries();
    await upSeries(store, 6, (m) => m >= 1);
    const dir = await ruleDir({ 'a.yaml': RULES });
    let clock = 0;
    const mgr = createRuleManager(
      { ruleFiles: [path.join(dir, '*.yaml')], evaluationIntervalMs: M, externalLabels: {}, externalUrl: '' },
      { source: store, append: (s) => store.append(s), send: () => {}, log, now: () => clock },
    );
    await mgr.load();
    for (let m = 0; m <= 2; m++) await mgr.evaluateAt(m * M);
    await writeFile(path.join(dir, 'a.yaml'), `${RULES}- name: h\n  rules:\n  - record: one\n    expr: vector(1)\n`);
    expect(await mgr.load()).toEqual({ ok: true, errors: [] });
    await mgr.evaluateAt(3 * M);
    expect((mgr.alertsApi() as { alerts: Array<{ state: string; activeAt: string }> }).alerts).toMatchObject([{ state: 'firing', activeAt: '1970-01-01T00:01:00.000Z' }]);
    await writeFile(path.join(dir, 'a.yaml'), 'groups: []\n');
    clock = 3 * M + 30_000;
    expect((await mgr.load()).ok).toBe(true);
    expect(await at(store, { __name__: 'ALERTS', alertstate: 'firing', ...ALERT }, clock)).toBe('stale');
    expect(await at(store, { __name__: 'one' }, clock)).toBe('stale');
    expect(mgr.alertsApi()).toEqual({ alerts: [] });
  });

  it('drops a label whose template expands to nothing, as Prometheus\'s label builder does', async () => {
    const store = createMemorySeries();
    await upSeries(store, 1, () => true);
    const rules = RULES.replace('labels: {severity: page}', "labels: {severity: page, region: '{{ $externalLabels.region }}'}").replace('for: 2m', 'for: 0s');
    const mgr = setup(await ruleDir({ 'a.yaml': rules }), store, []);
    await mgr.load();
    await mgr.evaluateAt(0);
    expect((mgr.alertsApi() as { alerts: Array<{ labels: Labels }> }).alerts.map((a) => a.labels)).toEqual([ALERT]);
  });

  it('fails the whole rule when `limit` is exceeded, with Prometheus\'s error', async () => {
    const store = createMemorySeries();
    for (const job of ['a', 'b']) await store.append([{ labels: { __name__: 'up', job }, t: 0, v: 0 }]);
    const rules = RULES.replace('interval: 1m', 'interval: 1m\n  limit: 1');
    const mgr = setup(await ruleDir({ 'a.yaml': rules }), store, []);
    await mgr.load();
    await mgr.evaluateAt(0);
    const data = mgr.rulesApi({ type: 'record' }) as { groups: Array<{ rules: Array<{ health: string; lastError?: string }> }> };
    expect(data.groups[0]!.rules[0]).toMatchObject({ health: 'err', lastError: 'exceeded limit of 1 with 2 series' });
  });

  it('attaches example traces to sent alerts', async () => {
    const store = createMemorySeries();
    await upSeries(store, 5, (m) => m >= 1);
    const sent: NotifiableAlert[][] = [];
    const mgr = setup(await ruleDir({ 'a.yaml': RULES }), store, sent, { exampleTraces: async () => ['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331b7ad6b7169203331'] });
    await mgr.load();
    for (let m = 0; m <= 3; m++) await mgr.evaluateAt(m * M);
    expect(sent[0]![0]!.annotations).toEqual({
      summary: 'a is down',
      example_trace_ids: '0af7651916cd43dd8448eb211c80319c,b7ad6b7169203331b7ad6b7169203331',
      example_trace_url: 'http://braid:16686/api/traces/0af7651916cd43dd8448eb211c80319c',
    });
  });
});

describe('rule manager on the real clock', () => {
  it('runs each group on its slot (interval offset by the group hash) until stopped', async () => {
    const store = createMemorySeries();
    const dir = await ruleDir({ 'a.yaml': RULES.replace('  interval: 1m\n', '') });
    await store.append([{ labels: { __name__: 'up', job: 'a' }, t: Date.now(), v: 1 }]);
    const mgr = createRuleManager(
      { ruleFiles: [path.join(dir, '*.yaml')], evaluationIntervalMs: 100, externalLabels: {}, externalUrl: '' },
      { source: store, append: (s) => store.append(s), send: () => {}, log },
    );
    await mgr.load();
    const ac = new AbortController();
    await mgr.start(ac.signal);
    await new Promise((r) => setTimeout(r, 450));
    await mgr.stop();
    const recorded = store.all().find((s) => s.labels.__name__ === 'job:up:sum')!.samples.map(([t]) => t);
    expect(recorded.length).toBeGreaterThanOrEqual(2);
    expect(recorded.length).toBeLessThanOrEqual(5);
    const offset = groupOffsetMs(`${path.join(dir, 'a.yaml')};g`, 100);
    for (const t of recorded) expect(t % 100).toBe(offset);
    const before = recorded.length;
    await new Promise((r) => setTimeout(r, 250));
    expect(store.all().find((s) => s.labels.__name__ === 'job:up:sum')!.samples.length).toBe(before);
  });
});
