/**
 * Rules and alerts per tenant, in both modes and distributed. The default tenant, acme and globex
 * each have a rule file of their own (a recording rule counting every `*_probe_total` series the
 * rules can see, and an alert per owner of such a series); acme and globex send one counter each.
 * Each tenant's rules see only its own series: acme's count is 1 and its alert names acme alone,
 * the default tenant's rules see nothing. /api/v1/rules and /api/v1/alerts answer the caller's
 * tenant's; the real Alertmanager receives acme's alert labelled tenant="acme" and globex's
 * tenant="globex"; a reload re-reads every tenant's files. Distributed (collector, ingester and
 * alerter in one process, query alone in another), the query process answers each tenant from its
 * own snapshot on the state topic.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BraidConfigInput } from '../../src/config/schema.js';
import type { RunningBraid } from '../../src/main.js';
import type { AlertsAnswer, RulesAnswer } from '../../src/model/alerter-api.js';
import { startAlertmanager, type RunningAlertmanager } from '../helpers/alertmanager.js';
import { bothModes, startTestBraid, uniqueName } from '../helpers/braid.js';
import { eventually, newSpanId, newTraceId } from '../helpers/otlp.js';
import { bearer, callAs, counterBody, sendAs, tokensFile } from '../helpers/tenants.js';

const TENANTS = ['acme', 'globex'] as const;
const ALL = ['default', ...TENANTS] as const;
type Who = (typeof ALL)[number];

const rules = (group: string, extra = '') => `groups:
  - name: ${group}
    interval: 1s
    rules:
      - record: tenant:probe:count
        expr: count({__name__=~".+_probe_total"})
      - alert: ProbeSeen
        expr: count by (owner, run) ({__name__=~".+_probe_total"}) > 0
        labels:
          severity: page
${extra}`;
const EXTRA_ALERT = `      - alert: AddedByReload
        expr: vector(1)
`;

const dir = mkdtempSync(join(tmpdir(), 'braid-tenant-rules-'));
const file = tokensFile([...ALL, 'initech']);
const ruleFile = (who: Who) => join(dir, `${who}.yaml`);
for (const who of ALL) writeFileSync(ruleFile(who), rules(`${who}-rules`));
const alerting = (extra: object = {}) => ({
  rule_files: [ruleFile('default')],
  tenant_rule_files: { acme: [ruleFile('acme')], globex: [ruleFile('globex')] },
  evaluation_interval: '1s',
  resend_delay: '1s',
  ...extra,
});

let am: RunningAlertmanager;
beforeAll(async () => {
  am = await startAlertmanager({ groupBy: ['alertname', 'tenant'] });
});
afterAll(async () => {
  await am?.stop();
  file.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** The caller's rule groups and alerts, as each tenant's token sees them on `query`. */
async function rulesAndAlerts(query: string) {
  const out = {} as Record<Who, { groups: string[]; alerts: Array<Record<string, string>> }>;
  for (const who of ALL) {
    const r = await callAs<{ data: RulesAnswer }>(file.tokens[who]!, `${query}/prometheus/api/v1/rules`);
    const a = await callAs<{ data: AlertsAnswer }>(file.tokens[who]!, `${query}/prometheus/api/v1/alerts`);
    out[who] = { groups: r.body.data.groups.map((g) => g.name), alerts: a.body.data.alerts.map((x) => ({ ...x.labels, state: x.state })) };
  }
  return out;
}

/** Sends each tenant's counter (labelled with the run) with its own token. */
async function sendProbes(otlpHttp: string, run: string): Promise<void> {
  for (const t of TENANTS) await sendAs(file.tokens[t]!, `${otlpHttp}/v1/metrics`, counterBody(`${t}-svc`, `${t}_probe`, { owner: t, run }, [[Date.now() - 500, 1]], newTraceId(), newSpanId()));
}

describe.each(bothModes('tenantrules'))('rules and alerts per tenant (%s)', (_mode, config) => {
  let braid: RunningBraid;
  const run = uniqueName('r');
  const firingOf = (alerts: Array<Record<string, string>>) => alerts.filter((a) => a.alertname === 'ProbeSeen' && a.run === run && a.state === 'firing').map((a) => a.owner);

  beforeAll(async () => {
    braid = await startTestBraid({ ...config(), auth: { tokens_file: file.path }, alerting: alerting({ alertmanagers: [{ url: am.url }] }) });
    await braid.headReady;
    await sendProbes(braid.addresses.otlpHttp!, run);
  }, 120_000);
  afterAll(async () => {
    await braid?.stop();
  });

  it('/api/v1/rules and /api/v1/alerts answer the caller\'s tenant\'s rules and alerts only', { timeout: 90_000 }, async () => {
    const seen = await eventually(async () => {
      const r = await rulesAndAlerts(braid.addresses.query!);
      return TENANTS.every((t) => firingOf(r[t].alerts).length > 0) ? r : undefined;
    }, 60_000, 'each tenant\'s alert firing');
    for (const who of ALL) expect(seen[who].groups, who).toEqual([`${who}-rules`]);
    for (const t of TENANTS) expect(firingOf(seen[t].alerts), t).toEqual([t]);
    expect(seen.default.alerts).toEqual([]);
    const initech = await callAs<{ data: RulesAnswer }>(file.tokens.initech!, `${braid.addresses.query}/prometheus/api/v1/rules`);
    const initechAlerts = await callAs<{ data: AlertsAnswer }>(file.tokens.initech!, `${braid.addresses.query}/prometheus/api/v1/alerts`);
    expect([initech.body.data.groups, initechAlerts.body.data.alerts]).toEqual([[], []]);
  });

  it('each tenant\'s rules read its own series only, and write theirs into its own head (recording rules, ALERTS)', { timeout: 60_000 }, async () => {
    const query = (who: Who, q: string) => callAs<{ data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }>(file.tokens[who]!, `${braid.addresses.query}/prometheus/api/v1/query?query=${encodeURIComponent(q)}`);
    for (const t of TENANTS) {
      const count = await eventually(async () => (await query(t, 'tenant:probe:count')).body.data.result[0]?.value[1], 30_000, `${t}'s recording rule`);
      expect(count).toBe('1');
      // ALERTS is written from the second round on, once the `for` state is restored.
      const alerts = await eventually(async () => {
        const owners = (await query(t, `ALERTS{alertname="ProbeSeen", run="${run}"}`)).body.data.result.map((x) => x.metric.owner);
        return owners.length > 0 ? owners : undefined;
      }, 30_000, `${t}'s ALERTS`);
      expect(alerts).toEqual([t]);
    }
    // The default tenant's rules ran (its recording rule's output is absent: count() of nothing is empty) and saw nothing.
    expect((await query('default', `{__name__=~"tenant:probe:count|ALERTS", run="${run}"}`)).body.data.result).toEqual([]);
    expect((await query('default', 'tenant:probe:count')).body.data.result).toEqual([]);
  });

  it('notifications carry tenant="<id>" (the real Alertmanager holds one per tenant)', { timeout: 60_000 }, async () => {
    const held = await eventually(async () => {
      const mine = (await am.alerts()).filter((a) => a.labels.run === run);
      return mine.length >= 2 ? mine : undefined;
    }, 45_000, 'both tenants\' alerts in Alertmanager');
    expect(held.map((a) => `${a.labels.tenant}:${a.labels.owner}`).sort()).toEqual(['acme:acme', 'globex:globex']);
  });

  it('a reload re-reads every tenant\'s rule files', { timeout: 60_000 }, async () => {
    writeFileSync(ruleFile('globex'), rules('globex-rules', EXTRA_ALERT));
    try {
      const res = await fetch(`${braid.addresses.admin}/-/reload`, { method: 'POST', headers: bearer(file.tokens.globex!) });
      expect(res.status).toBe(200);
      const names = async (who: Who) => (await callAs<{ data: RulesAnswer }>(file.tokens[who]!, `${braid.addresses.query}/prometheus/api/v1/rules`)).body.data.groups.flatMap((g) => g.rules.map((r) => r.name));
      expect(await names('globex')).toEqual(['tenant:probe:count', 'ProbeSeen', 'AddedByReload']);
      expect(await names('acme')).toEqual(['tenant:probe:count', 'ProbeSeen']);
    } finally {
      writeFileSync(ruleFile('globex'), rules('globex-rules'));
    }
  });
});

describe('rules and alerts per tenant on a query-only process (the alerter\'s snapshots, real Kafka and Elasticsearch)', () => {
  const running: RunningBraid[] = [];
  afterAll(async () => {
    for (const b of running.reverse()) await b.stop();
  });

  it('each tenant reads its own snapshot; before any, its own rule files', { timeout: 120_000 }, async () => {
    const run = uniqueName('r');
    // The pipeline mode's config (its own topics and indices), shared by both processes.
    const pipeline0 = bothModes('tenantsnap')[1]![1]();
    const config = (target: string): BraidConfigInput => ({
      ...pipeline0,
      target,
      auth: { tokens_file: file.path },
      alerting: alerting(),
    });
    const queryOnly = await startTestBraid(config('query'));
    running.push(queryOnly);
    const query = queryOnly.addresses.query!;
    const before = await rulesAndAlerts(query);
    for (const who of ALL) expect(before[who], who).toEqual({ groups: [`${who}-rules`], alerts: [] });

    const pipeline = await startTestBraid(config('collector,ingester,alerter'));
    running.push(pipeline);
    await pipeline.headReady;
    await sendProbes(pipeline.addresses.otlpHttp!, run);
    // The query process polls the state topic every 15 s at most.
    const seen = await eventually(async () => {
      const r = await rulesAndAlerts(query);
      return TENANTS.every((t) => r[t].alerts.some((a) => a.run === run && a.state === 'firing')) ? r : undefined;
    }, 90_000, 'each tenant\'s snapshot with its alert firing');
    for (const t of TENANTS) expect(seen[t].alerts.map((a) => `${a.alertname}:${a.owner}:${a.state}`), t).toEqual([`ProbeSeen:${t}:firing`]);
    expect(seen.default.alerts).toEqual([]);
    for (const who of ALL) expect(seen[who].groups).toEqual([`${who}-rules`]);
    // A tenant with a token but no rule files has no rules and no alerts.
    const rulesOfInitech = await callAs<{ data: RulesAnswer }>(file.tokens.initech!, `${query}/prometheus/api/v1/rules`);
    expect(rulesOfInitech.body.data.groups).toEqual([]);
  });
});
