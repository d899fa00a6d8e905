/**
 * Dashboard-level rules of the Grafana emulation: variable selection after a refresh (scenes'
 * MultiValueVariable), the variable regex (stringToJsRegex) and sort options, relative time, what
 * Grafana's Jaeger data source refuses or never sends, and the failure report.
 */
import { describe, expect, it } from 'vitest';
import { alertListProblem, describeResult, emulateDashboard, filterOptions, parseRelativeTime, selectCurrent, sortOptions, type DashboardJson, type Exchange } from '../helpers/grafana.js';
import type { ProvisionedDatasource } from '../helpers/grafana-datasources.js';
import type { HttpRequestSpec } from '../helpers/grafana-queries.js';

const JAEGER: ProvisionedDatasource = { name: 'J', type: 'jaeger', uid: 'j', url: 'http://q', access: 'proxy', isDefault: false, jsonData: {} };

describe('variables', () => {
  it('keeps a saved value that is still an option, else All when included, else the first option', () => {
    expect(selectCurrent({ current: { value: ['b', 'gone'] } }, { multi: true, includeAll: true }, ['a', 'b'])).toEqual(['b']);
    expect(selectCurrent({ current: { value: 'gone' } }, { multi: false, includeAll: true }, ['a', 'b'])).toEqual(['$__all']);
    expect(selectCurrent({}, { multi: false, includeAll: false }, ['a', 'b'])).toEqual(['a']);
    expect(selectCurrent({ current: { value: '$__all' } }, { multi: true, includeAll: true }, [])).toEqual(['$__all']);
  });

  it('applies the regex as Grafana parses it, capture group first', () => {
    expect(filterOptions(['svc-a', 'svc-b', 'other'], '/svc-(.*)/', 'v')).toEqual(['a', 'b']);
    expect(filterOptions(['svc-a', 'xsvc-b'], 'svc-.*', 'v')).toEqual(['svc-a']);
    expect(() => filterOptions(['a'], '/broken', 'dashboard d: variable v')).toThrow('dashboard d: variable v: regex "/broken" is not a valid /pattern/flags');
  });

  it('sorts as asked and names a sort it does not handle', () => {
    expect(sortOptions(['b', 'C', 'a'], 1, 'v')).toEqual(['C', 'a', 'b']);
    expect(sortOptions(['b', 'C', 'a'], 6, 'v')).toEqual(['C', 'b', 'a']);
    expect(() => sortOptions(['a'], 3, 'variable v')).toThrow('variable v: variable sort 3 is not handled by the emulation (0, 1, 2, 5, 6 are)');
  });
});

describe('time and panels', () => {
  it('reads relative times and refuses others by name', () => {
    expect(parseRelativeTime('now-6h', 100_000_000)).toBe(100_000_000 - 6 * 3_600_000);
    expect(() => parseRelativeTime('now/d', 0)).toThrow('unsupported time "now/d"');
  });

  it('runs only the first Jaeger target of a panel, refuses a search without service, and reports both', async () => {
    const sent: HttpRequestSpec[] = [];
    const send = async (r: HttpRequestSpec): Promise<Exchange> => (sent.push(r), { request: r, status: 200, body: { data: [] } });
    const dash: DashboardJson = {
      uid: 'd', time: { from: 'now-5m', to: 'now' },
      panels: [{ type: 'table', title: 'Traces', datasource: { uid: 'j' }, targets: [{ refId: 'A', queryType: 'search', service: '' }, { refId: 'B', queryType: 'search', service: 'x' }] }],
    };
    const { targets } = await emulateDashboard(dash, { datasources: [JAEGER], nowMs: 1_000_000, send });
    expect(sent).toEqual([]);
    expect(targets.map((t) => [t.refId, t.problem])).toEqual([
      ['A', 'You must select a service.'],
      ['B', "Grafana 11.6's Jaeger data source runs only the first target of a panel; this one is never sent"],
    ]);
    expect(describeResult(targets[0]!)).toBe('d / "Traces" (table) target A on j [jaeger]: You must select a service.');
  });

  it('reports the request and the answer of an empty panel', async () => {
    const send = async (r: HttpRequestSpec): Promise<Exchange> => ({ request: r, status: 200, body: { data: [], total: 0 } });
    const dash: DashboardJson = { uid: 'd', time: { from: 'now-5m', to: 'now' }, panels: [{ type: 'table', title: 'Traces', datasource: { uid: 'j' }, targets: [{ refId: 'A', queryType: 'dependencyGraph' }] }] };
    const [t] = (await emulateDashboard(dash, { datasources: [JAEGER], nowMs: 1_000_000, send })).targets;
    expect(describeResult(t!)).toBe([
      'd / "Traces" (table) target A on j [jaeger]: no traces / no dependencies',
      '  request: GET http://q/api/dependencies?endTs=1000000&lookback=300000',
      '  response 200: {"data":[],"total":0}',
    ].join('\n'));
  });
});

describe('alert list', () => {
  const body = (alerts: Array<{ state: string }>) => ({ status: 'success', data: { groups: [{ rules: [{ type: 'alerting', name: 'A', state: alerts.length ? alerts[0]!.state : 'inactive', health: 'ok', alerts }, { type: 'recording', name: 'r' }] }] } });

  it('shows only rules with an alert in a listed state', () => {
    const options = { stateFilter: { firing: true, pending: true, normal: false } };
    expect(alertListProblem(body([{ state: 'firing' }]), options)).toBeUndefined();
    expect(alertListProblem(body([]), options)).toBe('no alerting rule in state firing/pending (1 alerting rules)');
    expect(alertListProblem(body([]), { stateFilter: { normal: true } })).toBeUndefined();
    expect(alertListProblem(body([{ state: 'firing' }]), { alertName: 'zzz' })).toBe('no alerting rule in state any named like "zzz" (0 alerting rules)');
  });
});
