import { describe, expect, it } from 'vitest';
import type { AlertView, RuleGroup } from '../../../web/src/api.js';
import { countStates, formatAlertValue, formatFor, formatSince, otherLabels, ruleRows, sortAlerts, textAnnotations } from '../../../web/src/views/alerts-model.js';

const alert = (name: string, state: 'firing' | 'pending', activeAt: string, extra: Partial<AlertView> = {}): AlertView => ({
  labels: { alertname: name, service_name: 'payment' }, annotations: {}, state, activeAt, value: '1e+00', ...extra,
});

describe('alerts view model', () => {
  it('lists firing before pending, then by name and age', () => {
    const alerts = [alert('B', 'pending', '2026-01-01T00:00:00Z'), alert('Z', 'firing', '2026-01-01T00:05:00Z'), alert('A', 'firing', '2026-01-01T00:09:00Z'), alert('A', 'firing', '2026-01-01T00:01:00Z')];
    expect(sortAlerts(alerts).map((a) => `${a.state} ${a.labels.alertname} ${a.activeAt.slice(14, 16)}`)).toEqual(['firing A 01', 'firing A 09', 'firing Z 05', 'pending B 00']);
    expect(countStates(alerts)).toEqual({ firing: 3, pending: 1 });
  });

  it('shows the example-trace annotations as links, not text, and alertname as the title', () => {
    const a = alert('BraidServiceErrorRatioHigh', 'firing', '2026-01-01T00:00:00Z', {
      labels: { alertname: 'BraidServiceErrorRatioHigh', severity: 'page', service_name: 'payment' },
      annotations: { summary: 'payment fails', example_trace_ids: 'aa,bb', example_trace_url: 'http://braid:16686/trace/aa' },
    });
    expect(textAnnotations(a)).toEqual({ summary: 'payment fails' });
    expect(otherLabels(a)).toEqual([['service_name', 'payment'], ['severity', 'page']]);
  });

  it('flattens rule groups, alerting rules that fire first within a group', () => {
    const base = { query: 'up == 0', health: 'ok', lastEvaluation: '', evaluationTime: 0 };
    const groups: RuleGroup[] = [
      { name: 'g1', file: 'a.yaml', interval: 60, rules: [{ ...base, type: 'recording', name: 'r' }, { ...base, type: 'alerting', name: 'quiet', state: 'inactive' }, { ...base, type: 'alerting', name: 'loud', state: 'firing' }] },
      { name: 'g2', file: 'b.yaml', interval: 60, rules: [{ ...base, type: 'alerting', name: 'wait', state: 'pending' }] },
    ];
    expect(ruleRows(groups).map((r) => `${r.file}/${r.group}/${r.name}`)).toEqual(['a.yaml/g1/loud', 'a.yaml/g1/quiet', 'a.yaml/g1/r', 'b.yaml/g2/wait']);
  });

  it.each([['1e+00', '1'], ['2.5e-01', '0.25'], ['1.23456789e+02', '123.5'], ['3.5e+07', '3.5e+7'], ['1e-05', '1e-5'], ['0e+00', '0'], ['+Inf', '+Inf'], ['NaN', 'NaN']])('shows the value %s as %s', (v, text) => {
    expect(formatAlertValue(v)).toBe(text);
  });

  it('says how long an alert has been active', () => {
    const now = Date.parse('2026-01-02T03:04:05Z');
    expect(formatSince('2026-01-02T03:03:20Z', now)).toBe('45s');
    expect(formatSince('2026-01-02T02:52:05Z', now)).toBe('12m');
    expect(formatSince('2026-01-01T23:59:05Z', now)).toBe('3h 5m');
    expect(formatSince('2025-12-30T23:04:05Z', now)).toBe('2d 4h');
  });

  it.each([[undefined, '–'], [0, '–'], [30, '30s'], [300, '5m'], [3600, '1h'], [5400, '1h30m'], [3661, '1h1m1s'], [0.5, '0.5s']])('writes a rule\'s for of %s s as %s', (s, text) => {
    expect(formatFor(s)).toBe(text);
  });
});
