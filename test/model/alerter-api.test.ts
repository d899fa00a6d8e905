import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  buildSnapshot, decodeSnapshot, encodeSnapshot, filterRules, snapshotFingerprint,
  type ApiAlert, type ApiRule, type RulesAnswer,
} from '../../src/model/alerter-api.js';

const alert = (job: string, state = 'firing'): ApiAlert => ({ labels: { alertname: 'Down', job }, annotations: { summary: `${job} is down` }, state, activeAt: '2026-01-01T00:00:00.000Z', value: '1e+00' });
const alerting = (name: string, alerts: ApiAlert[]): ApiRule => ({ state: alerts.length > 0 ? 'firing' : 'inactive', name, query: 'up == 0', health: 'ok', alerts, lastEvaluation: '2026-01-01T00:01:00.000Z', evaluationTime: 0.001, type: 'alerting' });
const recording = (name: string): ApiRule => ({ name, query: 'sum(up)', labels: {}, health: 'ok', lastEvaluation: '2026-01-01T00:01:00.000Z', evaluationTime: 0.001, type: 'recording' });

const RULES: RulesAnswer = {
  groups: [
    { name: 'a', file: '/r/a.yaml', interval: 60, rules: [recording('job:up:sum'), alerting('Down', [alert('x'), alert('y', 'pending')])] },
    { name: 'b', file: '/r/b.yaml', interval: 60, rules: [alerting('Quiet', [])] },
  ],
};
const names = (r: RulesAnswer) => r.groups.map((g) => `${g.name}:${g.rules.map((x) => x.name).join(',')}`);

describe('filterRules', () => {
  it('keeps everything without filters', () => {
    expect(filterRules(RULES, {})).toEqual(RULES);
  });

  it('filters by type, rule name, group and file, dropping groups left empty', () => {
    expect(names(filterRules(RULES, { type: 'record' }))).toEqual(['a:job:up:sum']);
    expect(names(filterRules(RULES, { type: 'ALERT' }))).toEqual(['a:Down', 'b:Quiet']);
    expect(names(filterRules(RULES, { rule_name: ['Quiet', 'job:up:sum'] }))).toEqual(['a:job:up:sum', 'b:Quiet']);
    expect(names(filterRules(RULES, { rule_group: ['b'] }))).toEqual(['b:Quiet']);
    expect(names(filterRules(RULES, { file: ['/r/a.yaml'], rule_name: ['Down'] }))).toEqual(['a:Down']);
    expect(names(filterRules(RULES, { file: ['/r/none.yaml'] }))).toEqual([]);
  });

  it('exclude_alerts=true answers alerts: null on alerting rules only, leaving the input alone', () => {
    const out = filterRules(RULES, { exclude_alerts: 'true' });
    expect(out.groups[0]!.rules.map((r) => r.alerts)).toEqual([undefined, null]);
    expect(RULES.groups[0]!.rules[1]!.alerts).toHaveLength(2);
  });

  it('refuses an unknown type, naming it', () => {
    expect(() => filterRules(RULES, { type: 'alerts' })).toThrow('invalid parameter "type": not supported value "alerts"');
  });
});

describe('the alerter snapshot', () => {
  it('round-trips through the state-topic bytes', () => {
    const snap = buildSnapshot(RULES, { alerts: [alert('x'), alert('y', 'pending')] }, 1_700_000_000_000);
    const back = decodeSnapshot(encodeSnapshot(snap));
    expect(back).toEqual(snap);
    expect(back.rules.note).toBeUndefined();
    expect(back.alerts.note).toBeUndefined();
  });

  it('cuts alerts to the bound in both answers, with a note', () => {
    const many = Array.from({ length: 7 }, (_, i) => alert(`j${i}`));
    const rules: RulesAnswer = { groups: [{ name: 'a', file: 'f', rules: [alerting('A', many.slice(0, 4)), alerting('B', many.slice(4))] }] };
    const snap = buildSnapshot(rules, { alerts: many }, 0, 5);
    expect(snap.alerts.alerts.map((a) => a.labels.job)).toEqual(['j0', 'j1', 'j2', 'j3', 'j4']);
    expect(snap.alerts.note).toBe("alerts cut to 5 of 7 by the alerter snapshot's bound");
    expect(snap.rules.groups[0]!.rules.map((r) => r.alerts?.length)).toEqual([4, 1]);
    expect(snap.rules.note).toBe("alerts cut to 5 of 7 by the alerter snapshot's bound");
    expect(filterRules(snap.rules, { rule_name: ['B'] }).note).toBe(snap.rules.note);
  });

  it('fingerprints what the answers say, not evaluation times or values', () => {
    const base = snapshotFingerprint(buildSnapshot(RULES, { alerts: [alert('x')] }, 1));
    const later = structuredClone(RULES);
    later.groups[0]!.rules[1]!.lastEvaluation = '2026-01-01T00:02:00.000Z';
    later.groups[0]!.rules[1]!.alerts![0]!.value = '2e+00';
    expect(snapshotFingerprint(buildSnapshot(later, { alerts: [{ ...alert('x'), value: '3e+00' }] }, 2))).toBe(base);
    const changed = structuredClone(RULES);
    changed.groups[0]!.rules[1]!.alerts![1]!.state = 'firing';
    expect(snapshotFingerprint(buildSnapshot(changed, { alerts: [alert('x')] }, 1))).not.toBe(base);
    expect(snapshotFingerprint(buildSnapshot(RULES, { alerts: [] }, 1))).not.toBe(base);
  });

  it('refuses bytes that are not a snapshot, saying what is wrong', () => {
    const gz = (v: unknown) => gzipSync(JSON.stringify(v));
    const ok = { publishedAt: 1, rules: { groups: [] }, alerts: { alerts: [] } };
    expect(() => decodeSnapshot(Buffer.from('{}'))).toThrow(/^alerter snapshot \(alerter\.api\.v1\): not gzipped JSON: /);
    expect(() => decodeSnapshot(gz([1]))).toThrow('alerter snapshot (alerter.api.v1): not a JSON object');
    expect(() => decodeSnapshot(gz({ ...ok, publishedAt: 'now' }))).toThrow('"publishedAt" is not a number');
    expect(() => decodeSnapshot(gz({ ...ok, rules: {} }))).toThrow('"rules.groups" is not an array');
    expect(() => decodeSnapshot(gz({ ...ok, alerts: { alerts: {} } }))).toThrow('"alerts.alerts" is not an array');
    expect(() => decodeSnapshot(gz({ ...ok, rules: { groups: [{ name: 'a', rules: [] }] } }))).toThrow('rules.groups[0] lacks name, file or rules');
    expect(() => decodeSnapshot(gz({ ...ok, rules: { groups: [{ name: 'a', file: 'f', rules: [{ name: 'r', health: 'ok', type: 'alert' }] }] } })))
      .toThrow('rules.groups[0].rules[0] lacks a name, a health or a type of alerting/recording');
    const err = (() => {
      try {
        decodeSnapshot(gz([]));
      } catch (e) {
        return e as { code?: string };
      }
      return undefined;
    })();
    expect(err?.code).toBe('BRAID_ERR_ALERTER_SNAPSHOT_INVALID');
  });
});
