import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { tenantAlerts } from '../../src/alerter.js';
import { tenantRuleFiles } from '../../src/alerting/evaluator/index.js';
import { createSnapshotPublisher, snapshotKey, startSnapshotReader } from '../../src/alerting/snapshot/index.js';
import type { AlertsAnswer, RulesAnswer } from '../../src/model/alerter-api.js';
import { createMemoryQueue } from '../../src/queue/memory/memory-queue.js';
import { createQueueMetrics } from '../../src/queue/metrics.js';
import { createLogger } from '../../src/telemetry/logger.js';

const log = createLogger('silent');

/** A tenant's manager answers: one group named after the tenant, one firing alert. */
const answersOf = (tenant: string) => ({
  rulesApi: (): RulesAnswer => ({ groups: [{ name: `${tenant}-g`, file: `${tenant}.yaml`, rules: [{ name: 'r', health: 'ok', lastEvaluation: '2026-01-01T00:00:00.000Z', type: 'recording' }] }] }),
  alertsApi: (): AlertsAnswer => ({ alerts: [{ labels: { alertname: `${tenant}Alert` }, annotations: {}, state: 'firing', activeAt: '2026-01-01T00:00:00.000Z', value: '1e+00' }] }),
});
const files = (tenant: string) => ({ rules: async (): Promise<RulesAnswer> => ({ groups: [{ name: `${tenant}-files`, file: `${tenant}.yaml`, rules: [] }] }), alerts: async (): Promise<AlertsAnswer> => ({ alerts: [] }) });

describe('rules per tenant', () => {
  it('the default tenant\'s files are rule_files (and tenant_rule_files.default); others\' their own', () => {
    expect([...tenantRuleFiles({ rule_files: ['a/*.yaml'], tenant_rule_files: { acme: ['acme/*.yaml'], default: ['extra.yaml'] } })]).toEqual([
      ['default', ['a/*.yaml', 'extra.yaml']],
      ['acme', ['acme/*.yaml']],
    ]);
    expect([...tenantRuleFiles({ rule_files: [], tenant_rule_files: {} })]).toEqual([['default', []]]);
  });

  it('notifications of another tenant carry tenant="<id>" over any the rule set; the default tenant\'s are unchanged', () => {
    const alert = { labels: { alertname: 'X', tenant: 'globex' }, annotations: {}, startsAt: '', endsAt: '', generatorURL: '' };
    expect(tenantAlerts([alert], 'acme')[0]!.labels).toEqual({ alertname: 'X', tenant: 'acme' });
    expect(tenantAlerts([alert], 'default')[0]).toBe(alert);
  });

  it('each tenant\'s snapshot has its own key; the reader answers each tenant from its own, or its files before one', async () => {
    const q = createMemoryQueue({ partitions: 1, max_bytes: 1 << 20, topicPrefix: 't.' }, createQueueMetrics(new Registry()), log);
    expect([snapshotKey('default'), snapshotKey('acme')]).toEqual(['alerter.api.v1', 'alerter.api.v1.t_acme']);
    const reader = startSnapshotReader({ intervalMs: 1_000, tenants: ['default', 'acme', 'globex'] }, { load: (k) => q.loadStates(k), fallback: files, registry: new Registry(), log });
    try {
      for (const t of ['default', 'acme']) await createSnapshotPublisher({ intervalMs: 1_000, tenant: t }, { answers: answersOf(t), save: (k, v) => q.saveState(k, v), log }).publish();
      await reader.poll();
      const seen = async (t: string) => [(await reader.rules({}, t)).groups.map((g) => g.name), (await reader.alerts(t)).alerts.map((a) => a.labels.alertname)];
      expect(await seen('default')).toEqual([['default-g'], ['defaultAlert']]);
      expect(await seen('acme')).toEqual([['acme-g'], ['acmeAlert']]);
      expect(await seen('globex')).toEqual([['globex-files'], []]);
      // Without a tenant: the default tenant's, as before tenancy.
      expect((await reader.alerts()).alerts.map((a) => a.labels.alertname)).toEqual(['defaultAlert']);
    } finally {
      await reader.stop();
    }
  });
});
