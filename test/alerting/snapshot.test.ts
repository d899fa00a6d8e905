import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createSnapshotPublisher, startSnapshotReader } from '../../src/alerting/snapshot/index.js';
import { ALERTER_SNAPSHOT_KEY, filterRules, type AlertsAnswer, type RulesAnswer } from '../../src/model/alerter-api.js';
import { createMemoryQueue } from '../../src/queue/memory/memory-queue.js';
import { createQueueMetrics } from '../../src/queue/metrics.js';
import { createLogger } from '../../src/telemetry/logger.js';

const log = createLogger('silent');
const queue = () => createMemoryQueue({ partitions: 1, max_bytes: 1 << 20, topicPrefix: 't.' }, createQueueMetrics(new Registry()), log);

/** A rule manager's answers that the test changes between rounds. */
function answers() {
  const state = { alertState: 'pending', value: '1e+00', lastEvaluation: '2026-01-01T00:00:00.000Z' };
  const alert = () => ({ labels: { alertname: 'Down', job: 'x' }, annotations: { example_trace_ids: 'abc' }, state: state.alertState, activeAt: '2026-01-01T00:00:00.000Z', value: state.value });
  const rules = (): RulesAnswer => ({
    groups: [{ name: 'g', file: 'f.yaml', rules: [
      { name: 'job:up', health: 'ok', lastEvaluation: state.lastEvaluation, type: 'recording' },
      { name: 'Down', health: 'ok', state: state.alertState, alerts: [alert()], lastEvaluation: state.lastEvaluation, type: 'alerting' },
    ] }],
  });
  return { state, rulesApi: (f: object) => filterRules(rules(), f), alertsApi: (): AlertsAnswer => ({ alerts: [alert()] }) };
}

describe('alerter snapshot publisher', () => {
  it('publishes the first round, then only on a change or after refreshMs', async () => {
    const q = queue();
    const a = answers();
    const clock = { t: 1_000_000 };
    const saved: number[] = [];
    const pub = createSnapshotPublisher({ intervalMs: 1_000, refreshMs: 60_000 }, {
      answers: a, save: async (k, v) => { saved.push(clock.t); await q.saveState(k, v); }, log, now: () => clock.t,
    });
    expect(await pub.publish()).toBe(true);
    clock.t += 1_000;
    a.state.value = '2e+00';
    a.state.lastEvaluation = '2026-01-01T00:00:01.000Z';
    expect(await pub.publish()).toBe(false);
    clock.t += 1_000;
    a.state.alertState = 'firing';
    expect(await pub.publish()).toBe(true);
    clock.t += 59_999;
    expect(await pub.publish()).toBe(false);
    clock.t += 1;
    expect(await pub.publish()).toBe(true);
    expect(saved).toEqual([1_000_000, 1_002_000, 1_062_000]);
    expect((await q.loadStates([ALERTER_SNAPSHOT_KEY])).has(ALERTER_SNAPSHOT_KEY)).toBe(true);
  });
});

describe('alerter snapshot reader', () => {
  it('answers from the rule files until a snapshot exists, then from the snapshot with filters, and reports its age', async () => {
    const q = queue();
    const a = answers();
    const clock = { t: 5_000_000 };
    const registry = new Registry();
    const fallback = { rules: async () => ({ groups: [] }), alerts: async () => ({ alerts: [] }) };
    const reader = startSnapshotReader({ intervalMs: 1_000 }, { load: (k) => q.loadStates(k), fallback, registry, log, now: () => clock.t });
    try {
      await reader.poll();
      expect(await reader.alerts()).toEqual({ alerts: [] });
      expect(await reader.rules({})).toEqual({ groups: [] });
      expect(Number((await registry.getSingleMetric('braid_alerter_snapshot_age_seconds')!.get()).values[0]!.value)).toBeNaN();

      a.state.alertState = 'firing';
      await createSnapshotPublisher({ intervalMs: 1_000 }, { answers: a, save: (k, v) => q.saveState(k, v), log, now: () => clock.t }).publish();
      clock.t += 2_500;
      await reader.poll();
      expect(await reader.alerts()).toEqual(a.alertsApi());
      expect(await reader.rules({})).toEqual(a.rulesApi({}));
      const onlyAlerting = await reader.rules({ type: 'alert', exclude_alerts: 'true' });
      expect(onlyAlerting.groups[0]!.rules).toEqual([{ ...a.rulesApi({}).groups[0]!.rules[1]!, alerts: null }]);
      expect(() => reader.rules({ type: 'x' })).toThrow('invalid parameter "type"');
      expect(await registry.getSingleMetricAsString('braid_alerter_snapshot_age_seconds')).toContain('braid_alerter_snapshot_age_seconds 2.5');

      // A record that is not a snapshot keeps the last good one.
      await q.saveState(ALERTER_SNAPSHOT_KEY, Buffer.from('garbage'));
      await reader.poll();
      expect((await reader.alerts()).alerts[0]!.state).toBe('firing');
    } finally {
      await reader.stop();
    }
  });
});
