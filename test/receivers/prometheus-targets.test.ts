import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseScrapeConfig, type ScrapeJob } from '../../src/receivers/prometheus/scrape/config.js';
import { discoveredLabels, populateTarget, targetsFromGroup, type PopulateResult } from '../../src/receivers/prometheus/scrape/targets.js';
import type { Labels } from '../../src/receivers/prometheus/scrape/types.js';

/** A job as TestPopulateLabels configures it (https, /metrics, "job", 1s interval and timeout), through the real parser. */
function job(overrides: Partial<ScrapeJob> & { relabelConfigs?: unknown[] } = {}): ScrapeJob {
  const { relabelConfigs, ...rest } = overrides;
  const yaml = stringify({ scrape_configs: [{ job_name: 'job', scheme: 'https', scrape_interval: '1s', scrape_timeout: '1s', relabel_configs: relabelConfigs ?? [] }] });
  return { ...parseScrapeConfig(yaml, '/braid/scrape.yml').jobs[0]!, ...rest };
}

function target(r: PopulateResult) {
  if (r.kind !== 'target') throw new Error(`expected a target, got ${JSON.stringify(r)}`);
  return r;
}

const base = { __scheme__: 'https', __metrics_path__: '/metrics', job: 'job', __scrape_interval__: '1s', __scrape_timeout__: '1s' };
const copyToAddress = [{ action: 'replace', regex: '(.*)', source_labels: ['custom'], replacement: '${1}', target_label: '__address__' }];

describe('populateTarget: Prometheus TestPopulateLabels', () => {
  it('regular population of scrape config options', () => {
    const r = target(populateTarget(job(), { __address__: '1.2.3.4:1000', custom: 'value' }));
    expect(r.allLabels).toEqual({ ...base, __address__: '1.2.3.4:1000', instance: '1.2.3.4:1000', custom: 'value' });
    expect(r.target.discoveredLabels).toEqual({ ...base, __address__: '1.2.3.4:1000', custom: 'value' });
    expect(r.target.labels).toEqual({ job: 'job', instance: '1.2.3.4:1000', custom: 'value' });
    expect(r.target.url).toBe('https://1.2.3.4:1000/metrics');
    expect([r.target.job, r.target.intervalMs, r.target.timeoutMs]).toEqual(['job', 1_000, 1_000]);
  });

  it('pre-defined scrape config labels win; no port is added to an address without one', () => {
    const inLabels = { __address__: '1.2.3.4', __scheme__: 'http', __metrics_path__: '/custom', job: 'custom-job', __scrape_interval__: '2s', __scrape_timeout__: '2s' };
    const r = target(populateTarget(job(), inLabels));
    expect(r.allLabels).toEqual({ ...inLabels, instance: '1.2.3.4' });
    expect(r.target.discoveredLabels).toEqual(inLabels);
    expect(r.target.url).toBe('http://1.2.3.4/custom');
    expect([r.target.intervalMs, r.target.timeoutMs]).toEqual([2_000, 2_000]);
  });

  it('keeps a provided instance label; IPv6 address without a port', () => {
    const r = target(populateTarget(job(), { __address__: '[::1]', instance: 'custom-instance' }));
    expect(r.allLabels).toEqual({ ...base, __address__: '[::1]', instance: 'custom-instance' });
    expect(r.target.url).toBe('https://[::1]/metrics');
  });

  it('address label missing', () => {
    expect(populateTarget(job(), { custom: 'value' })).toEqual({ kind: 'invalid', discoveredLabels: { ...base, custom: 'value' }, error: 'no address' });
  });

  it('address label missing, but added in relabelling', () => {
    const r = target(populateTarget(job({ relabelConfigs: copyToAddress }), { custom: 'host:1234' }));
    expect(r.allLabels).toEqual({ ...base, __address__: 'host:1234', instance: 'host:1234', custom: 'host:1234' });
    expect(r.target.discoveredLabels).toEqual({ ...base, custom: 'host:1234' });
  });

  it('invalid UTF-8 (here: a lone surrogate) in a label value', () => {
    const r = populateTarget(job(), { __address__: '1.2.3.4:1000', custom: '\ud800' });
    expect(r).toMatchObject({ kind: 'invalid', error: 'invalid label value for "custom": "\\ud800"' });
  });

  it.each([
    [{ __scrape_interval__: '2notseconds' }, 'error parsing scrape interval: unknown unit "notseconds" in duration "2notseconds"'],
    [{ __scrape_timeout__: '2notseconds' }, 'error parsing scrape timeout: unknown unit "notseconds" in duration "2notseconds"'],
    [{ __scrape_interval__: '0s' }, 'scrape interval cannot be 0'],
    [{ __scrape_timeout__: '0s' }, 'scrape timeout cannot be 0'],
    [{ __scrape_interval__: '1s', __scrape_timeout__: '2s' }, 'scrape timeout cannot be greater than scrape interval ("2s" > "1s")'],
  ])('refuses %j', (labels, error) => {
    expect(populateTarget(job(), { __address__: '1.2.3.4:1000', ...labels })).toMatchObject({ kind: 'invalid', error });
  });

  it.each([
    ['http', '1.2.3.4:80'],
    ['https', '1.2.3.4:443'],
  ])('does not remove the default port (%s)', (scheme, addr) => {
    const r = target(populateTarget(job({ scheme: scheme as 'http' | 'https' }), { __address__: addr }));
    expect(r.allLabels).toEqual({ ...base, __scheme__: scheme, __address__: addr, instance: addr });
    expect(r.target.url).toBe(`${scheme}://${addr}/metrics`);
  });
});

describe('populateTarget: the rest of PopulateLabels and Target', () => {
  it('drops a target that relabeling drops, keeping its discovered labels', () => {
    const j = job({ relabelConfigs: [{ action: 'drop', source_labels: ['env'], regex: 'dev' }] });
    expect(populateTarget(j, { __address__: 'a:1' }, { env: 'dev' })).toEqual({ kind: 'dropped', discoveredLabels: { ...base, __address__: 'a:1', env: 'dev' } });
    expect(targetsFromGroup(j, { source: 'g', targets: [{ __address__: 'a:1' }, { __address__: 'b:1', env: 'prod' }], labels: { env: 'dev' } }).map((t) => t.url)).toEqual([
      'https://b:1/metrics',
    ]);
  });

  it('lets target labels win over group labels, and reads an empty value as no label', () => {
    expect(discoveredLabels(job(), { __address__: 'a:1', env: 'prod', team: '' }, { env: 'dev', team: 'x', zone: 'z1' })).toEqual({
      ...base,
      __address__: 'a:1',
      env: 'prod',
      zone: 'z1',
    });
    // An empty __scheme__ from discovery is absent, so the job's default applies.
    expect(discoveredLabels(job(), { __address__: 'a:1', __scheme__: '' }, {}).__scheme__).toBe('https');
  });

  it('removes __meta_ labels and keeps other internal labels out of the target labels', () => {
    const r = target(populateTarget(job(), { __address__: 'a:1', __meta_filepath: '/x.json', __tmp_x: 'y' }));
    expect(r.allLabels).toEqual({ ...base, __address__: 'a:1', instance: 'a:1', __tmp_x: 'y' });
    expect(r.target.labels).toEqual({ job: 'job', instance: 'a:1' });
    expect(r.target.discoveredLabels.__meta_filepath).toBe('/x.json');
  });

  it('uses meta labels in relabeling before removing them', () => {
    const j = job({ relabelConfigs: [{ source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' }] });
    const r = target(populateTarget(j, { __address__: '10.0.0.1:8080', __meta_kubernetes_namespace: 'shop' }));
    expect(r.target.labels).toEqual({ job: 'job', instance: '10.0.0.1:8080', namespace: 'shop' });
  });

  it('builds the query from params, __param_ labels replacing the first value, keys sorted and escaped', () => {
    const j = job({ params: { target: ['a b', 'second'], module: ['http_2xx'] } });
    const r = target(populateTarget(j, { __address__: 'blackbox:9115', __param_target: 'https://example.com/?q=1&x=*' }));
    expect(r.allLabels.__param_target).toBe('https://example.com/?q=1&x=*');
    expect(r.allLabels.__param_module).toBe('http_2xx');
    expect(r.target.url).toBe('https://blackbox:9115/metrics?module=http_2xx&target=https%3A%2F%2Fexample.com%2F%3Fq%3D1%26x%3D%2A&target=second');
    expect(r.target.labels).toEqual({ job: 'job', instance: 'blackbox:9115' });
  });

  it('adds a __param_ label that the job has no param for to the query', () => {
    const r = target(populateTarget(job(), { __address__: 'a:1', __param_debug: 'yes please' }));
    expect(r.target.url).toBe('https://a:1/metrics?debug=yes+please');
  });

  it('escapes the metrics path and adds its leading slash', () => {
    expect(target(populateTarget(job({ metricsPath: 'stats/a b?c' }), { __address__: 'a:1' })).target.url).toBe('https://a:1/stats/a%20b%3Fc');
  });

  it('formats the job interval as Prometheus does and takes the interval from the relabeled label', () => {
    const j = job({ intervalMs: 90_000, timeoutMs: 10_000, relabelConfigs: [{ action: 'replace', target_label: '__scrape_interval__', replacement: '30s' }] });
    const r = target(populateTarget(j, { __address__: 'a:1' }));
    expect(r.target.discoveredLabels.__scrape_interval__).toBe('1m30s');
    expect(r.target.discoveredLabels.__scrape_timeout__).toBe('10s');
    expect([r.target.intervalMs, r.target.timeoutMs]).toEqual([30_000, 10_000]);
  });

  it.each([
    ['http://a:1', '"http://a:1" is not a valid hostname'],
    ['a:1/metrics', '"a:1/metrics" is not a valid hostname'],
    ['a b:1', '"a b:1" is not a valid host:port'],
    ['user@a:1', '"user@a:1" is not a valid host:port'],
    ['a:1?x=1', '"a:1?x=1" is not a valid host:port'],
    ['a:port', '"a:port" is not a valid host:port'],
    ['a:99999', '"a:99999" is not a valid host:port'],
  ])('refuses the address %s', (addr, error) => {
    expect(populateTarget(job(), { __address__: addr })).toMatchObject({ kind: 'invalid', error });
  });

  it('refuses a scheme other than http or https set by relabeling', () => {
    const j = job({ relabelConfigs: [{ action: 'replace', target_label: '__scheme__', replacement: 'ftp' }] });
    expect(populateTarget(j, { __address__: 'a:1' })).toMatchObject({ kind: 'invalid', error: 'unsupported scheme "ftp" (expected http or https)' });
  });

  it('reports invalid targets of a group with their index and source, and builds the rest', () => {
    const messages: string[] = [];
    const targets = targetsFromGroup(job(), { source: 'file.json:0', targets: [{ __address__: 'a:1' }, { custom: 'x' }, { __address__: 'b:2' }], labels: { env: 'prod' } }, (m) => messages.push(m));
    expect(targets.map((t) => t.labels)).toEqual([
      { job: 'job', instance: 'a:1', env: 'prod' },
      { job: 'job', instance: 'b:2', env: 'prod' },
    ]);
    expect(messages).toEqual(['instance 1 in group file.json:0: no address']);
  });

  it('keys a target by job and full label set, whatever the label order', () => {
    const key = (labels: Labels, j = job()) => target(populateTarget(j, labels)).target.key;
    expect(key({ __address__: 'a:1', x: '1', y: '2' })).toBe(key({ y: '2', x: '1', __address__: 'a:1' }));
    expect(key({ __address__: 'a:1' })).not.toBe(key({ __address__: 'a:1' }, job({ jobName: 'other' })));
    // Same public labels, another URL: another target.
    expect(key({ __address__: 'a:1', instance: 'a' })).not.toBe(key({ __address__: 'a:1', instance: 'a', __metrics_path__: '/other' }));
  });

  it('does not alter the labels it is given', () => {
    const t = { __address__: 'a:1', __meta_x: 'y' };
    const g = { env: 'prod' };
    populateTarget(job({ relabelConfigs: [{ action: 'labeldrop', regex: 'env' }] }), t, g);
    expect(t).toEqual({ __address__: 'a:1', __meta_x: 'y' });
    expect(g).toEqual({ env: 'prod' });
  });
});
