import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BraidError } from '../../src/errors.js';
import { formatDuration, loadScrapeConfig, parseDuration, parseScrapeConfig } from '../../src/receivers/prometheus/scrape/config.js';

const committed = fileURLToPath(new URL('../../collectors/scrape.yml', import.meta.url));

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'braid-scrape-config-'));
  file = join(dir, 'scrape.yml');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const parse = (yaml: string) => parseScrapeConfig(yaml, file);
const write = (name: string, text: string) => {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
};

/** The message lines after the "scrape config <file>:" header of the error `fn` throws. */
const problems = (fn: () => unknown) => {
  let e: unknown;
  try {
    fn();
  } catch (err) {
    e = err;
  }
  expect(e).toBeInstanceOf(BraidError);
  expect((e as BraidError).code).toBe('BRAID_ERR_CONFIG_INVALID');
  const [header, ...lines] = (e as BraidError).message.split('\n');
  expect(header).toBe(`scrape config ${file}:`);
  return lines;
};

const job = (body: string) => parse(`scrape_configs:\n  - job_name: j\n${body.replace(/^/gm, '    ')}\n`).jobs[0]!;

describe('durations (prometheus/common model.Duration)', () => {
  it.each([
    ['0', 0],
    ['500ms', 500],
    ['15s', 15_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['1h1m1s1ms', 3_661_001],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ms });
  });

  it.each([
    ['', 'empty duration string'],
    ['15', 'not a valid duration string: "15"'],
    ['1m1h', 'not a valid duration string: "1m1h"'],
    ['1s1s', 'not a valid duration string: "1s1s"'],
    ['-1s', 'not a valid duration string: "-1s"'],
    ['1.5s', 'unknown unit "." in duration "1.5s"'],
    ['2notseconds', 'unknown unit "notseconds" in duration "2notseconds"'],
    ['300000y', 'duration out of range'],
  ])('refuses %j', (text, error) => {
    expect(parseDuration(text)).toEqual({ error });
  });

  it.each([
    [0, '0s'],
    [1_000, '1s'],
    [90_000, '1m30s'],
    [500, '500ms'],
    [604_800_000, '1w'],
    [90 * 86_400_000, '90d'],
    [14 * 86_400_000 + 3_600_000, '14d1h'],
    [31_536_000_000, '1y'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('parseScrapeConfig: defaults', () => {
  it('fills a minimal job with Prometheus defaults', () => {
    const cfg = parse(`scrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['a:9100', 'b:9100']\n        labels: {env: prod}\n`);
    expect(cfg.baseDir).toBe(dir);
    expect(cfg.jobs).toHaveLength(1);
    expect(cfg.jobs[0]).toEqual({
      jobName: 'node',
      intervalMs: 60_000,
      timeoutMs: 10_000,
      metricsPath: '/metrics',
      scheme: 'http',
      params: {},
      honorLabels: false,
      honorTimestamps: true,
      sampleLimit: 0,
      targetLimit: 0,
      labelLimit: 0,
      labelNameLengthLimit: 0,
      labelValueLengthLimit: 0,
      bodySizeLimitBytes: 0,
      followRedirects: true,
      enableCompression: true,
      headers: {},
      tls: undefined,
      staticGroups: [{ source: '0', targets: [{ __address__: 'a:9100' }, { __address__: 'b:9100' }], labels: { env: 'prod' } }],
      fileSd: [],
      kubernetesSd: [],
      relabel: [],
      metricRelabel: [],
    });
  });

  it('reads an empty file, or empty sections, as no jobs', () => {
    expect(parse('').jobs).toEqual([]);
    expect(parse('global:\nscrape_configs:\n').jobs).toEqual([]);
  });

  it('takes interval and timeout from global, capping the default timeout at the interval', () => {
    const cfg = parse(`global:\n  scrape_interval: 5s\nscrape_configs:\n  - job_name: a\n  - job_name: b\n    scrape_interval: 1m30s\n`);
    expect(cfg.jobs.map((j) => [j.intervalMs, j.timeoutMs])).toEqual([
      [5_000, 5_000],
      [90_000, 5_000],
    ]);
  });

  it('caps an inherited global timeout at a shorter job interval (Prometheus global_timeout)', () => {
    const cfg = parse(`global:\n  scrape_interval: 1m\n  scrape_timeout: 30s\nscrape_configs:\n  - job_name: fast\n    scrape_interval: 15s\n  - job_name: slow\n`);
    expect(cfg.jobs.map((j) => [j.intervalMs, j.timeoutMs])).toEqual([
      [15_000, 15_000],
      [60_000, 30_000],
    ]);
  });

  it('reads "0" as unset, as Prometheus does', () => {
    const j = parse(`global:\n  scrape_interval: 20s\nscrape_configs:\n  - job_name: a\n    scrape_interval: 0\n    scrape_timeout: 0s\n`).jobs[0]!;
    expect([j.intervalMs, j.timeoutMs]).toEqual([20_000, 10_000]);
  });

  it('keeps the job settings and inherits the global limits', () => {
    const j = parse(
      [
        'global:',
        '  sample_limit: 1000',
        '  external_labels: {region: eu}',
        '  evaluation_interval: 30s',
        'scrape_configs:',
        '  - job_name: blackbox',
        '    metrics_path: /probe',
        '    scheme: https',
        '    params: {module: [http_2xx], target: [a, b]}',
        '    honor_labels: true',
        '    honor_timestamps: false',
        '    label_limit: 30',
        '    body_size_limit: 10MB',
        '    follow_redirects: false',
        '    enable_http2: false',
      ].join('\n'),
    ).jobs[0]!;
    expect(j).toMatchObject({
      metricsPath: '/probe',
      scheme: 'https',
      params: { module: ['http_2xx'], target: ['a', 'b'] },
      honorLabels: true,
      honorTimestamps: false,
      sampleLimit: 1000,
      labelLimit: 30,
      bodySizeLimitBytes: 10 * 1024 * 1024,
      followRedirects: false,
    });
  });

  it('passes kubernetes_sd_configs through for the Kubernetes discoverer', () => {
    const j = job(`kubernetes_sd_configs:\n  - role: pod\n    namespaces: {names: [default]}`);
    expect(j.kubernetesSd).toEqual([{ role: 'pod', namespaces: { names: ['default'] } }]);
  });

  it('resolves file_sd paths against the config directory and defaults the refresh to 5m', () => {
    const j = job(`file_sd_configs:\n  - files: ['targets/*.json', /abs/x.yml]\n  - files: [more.yaml]\n    refresh_interval: 30s`);
    expect(j.fileSd).toEqual([
      { files: [join(dir, 'targets/*.json'), '/abs/x.yml'], refreshIntervalMs: 300_000 },
      { files: [join(dir, 'more.yaml')], refreshIntervalMs: 30_000 },
    ]);
  });

  it('compiles relabel_configs and metric_relabel_configs', () => {
    const j = job(`relabel_configs:\n  - source_labels: [__address__]\n    target_label: host\nmetric_relabel_configs:\n  - source_labels: [__name__]\n    regex: go_.*\n    action: drop`);
    expect(j.relabel).toHaveLength(1);
    expect(j.metricRelabel).toHaveLength(1);
  });
});

describe('parseScrapeConfig: credentials and TLS', () => {
  it('reads password_file relative to the config file and trims it', () => {
    write('secrets/pw', 's3cret\n');
    const j = job(`basic_auth:\n  username: prom\n  password_file: secrets/pw`);
    expect(j.headers).toEqual({ authorization: `Basic ${Buffer.from('prom:s3cret').toString('base64')}` });
  });

  it('builds basic auth from inline values', () => {
    expect(job(`basic_auth: {username: u, password: p}`).headers).toEqual({ authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
  });

  it('uses authorization credentials_file, type Bearer by default', () => {
    write('token', 'abc\n');
    expect(job(`authorization:\n  credentials_file: token`).headers).toEqual({ authorization: 'Bearer abc' });
    expect(job(`authorization:\n  type: Token\n  credentials: xyz`).headers).toEqual({ authorization: 'Token xyz' });
  });

  it('turns the old bearer_token and bearer_token_file into a Bearer authorization', () => {
    write('bt', ' tok \n');
    expect(job(`bearer_token_file: ${join(dir, 'bt')}`).headers).toEqual({ authorization: 'Bearer tok' });
    expect(job(`bearer_token: inline`).headers).toEqual({ authorization: 'Bearer inline' });
  });

  it('reads the TLS files', () => {
    write('tls/ca.pem', 'CA PEM');
    write('tls/cert.pem', 'CERT PEM');
    write('tls/key.pem', 'KEY PEM');
    const j = job(`scheme: https\ntls_config:\n  ca_file: tls/ca.pem\n  cert_file: tls/cert.pem\n  key_file: tls/key.pem\n  server_name: svc.internal\n  insecure_skip_verify: true`);
    expect(j.tls).toEqual({ ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM', serverName: 'svc.internal', insecureSkipVerify: true });
    expect(job(`tls_config: {}`).tls).toEqual({ insecureSkipVerify: false });
  });

  it('names the key of a credentials file it cannot read', () => {
    const lines = problems(() => parse(`scrape_configs:\n  - job_name: j\n    basic_auth: {username: u, password_file: missing}\n`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^  scrape_configs\\[0\\]\\.basic_auth\\.password_file: cannot read ${join(dir, 'missing')}: ENOENT`));
  });

  it.each([
    ['bearer_token: a\nbearer_token_file: b', '  scrape_configs[0]: at most one of bearer_token & bearer_token_file must be configured'],
    ['basic_auth: {username: u}\nbearer_token: a', '  scrape_configs[0]: at most one of basic_auth, bearer_token & bearer_token_file must be configured'],
    ['authorization: {credentials: a}\nbearer_token: a', '  scrape_configs[0]: authorization is not compatible with bearer_token & bearer_token_file'],
    ['authorization: {credentials: a}\nbasic_auth: {username: u}', '  scrape_configs[0]: at most one of basic_auth & authorization must be configured'],
    ['authorization: {type: Basic, credentials: a}', '  scrape_configs[0].authorization.type: authorization type cannot be set to "basic", use "basic_auth" instead'],
    ['authorization: {credentials: a, credentials_file: b}', '  scrape_configs[0].authorization: at most one of credentials & credentials_file must be configured'],
    ['basic_auth: {username: u, password: p, password_file: f}', '  scrape_configs[0].basic_auth: at most one of password & password_file must be configured'],
    ['tls_config: {cert: a}', '  scrape_configs[0].tls_config: a client certificate needs both cert (or cert_file) and key (or key_file)'],
    ['tls_config: {ca: a, ca_file: b}', '  scrape_configs[0].tls_config: at most one of ca and ca_file must be configured'],
  ])('refuses conflicting auth/TLS settings: %s', (body, line) => {
    expect(problems(() => job(body))).toContain(line);
  });
});

describe('parseScrapeConfig: errors name the full key path', () => {
  it('names a mistyped key inside a list (Prometheus: strict YAML)', () => {
    expect(problems(() => job(`static_configs:\n  - targets: [a:1]\n    lables: {x: y}`))).toEqual([
      "  scrape_configs[0].static_configs[0].lables: unknown key (not one of Braid's settings; check its spelling)",
    ]);
  });

  it('names unknown keys at the top level and in global', () => {
    expect(problems(() => parse(`global:\n  scrape_intervall: 1m\nrule_files: []\n`))).toEqual([
      "  global.scrape_intervall: unknown key (not one of Braid's settings; check its spelling)",
      "  rule_files: unknown key (not one of Braid's settings; check its spelling)",
    ]);
  });

  it('refuses Prometheus settings Braid does not support by name, once', () => {
    expect(problems(() => job(`oauth2: {client_id: x}\nconsul_sd_configs: [{server: 'localhost:8500'}]`))).toEqual([
      "  scrape_configs[0].oauth2: a Prometheus setting Braid's scraper does not support",
      '  scrape_configs[0].consul_sd_configs: service discovery Braid does not support (it has static_configs, file_sd_configs, kubernetes_sd_configs)',
    ]);
  });

  it('says what was expected for a wrong type or value', () => {
    expect(problems(() => job(`scheme: ftp\nhonor_labels: yes-please\nsample_limit: -1\nparams: {module: http_2xx}`))).toEqual([
      '  scrape_configs[0].scheme: Invalid option: expected one of "http"|"https"',
      '  scrape_configs[0].params.module: Invalid input: expected array, received string',
      '  scrape_configs[0].honor_labels: Invalid input: expected boolean, received string',
      '  scrape_configs[0].sample_limit: Too small: expected number to be >=0',
    ]);
  });

  it('requires job_name', () => {
    expect(problems(() => parse(`scrape_configs:\n  - static_configs: [{targets: ['a:1']}]\n`))).toEqual(['  scrape_configs[0].job_name: required: the job label of its targets']);
  });

  it('refuses a job name used twice (Prometheus jobname_dup)', () => {
    expect(problems(() => parse(`scrape_configs:\n  - job_name: prometheus\n  - job_name: other\n  - job_name: prometheus\n`))).toEqual([
      '  scrape_configs[2].job_name: found multiple scrape configs with job name "prometheus" (first at scrape_configs[0])',
    ]);
  });

  it('refuses a timeout greater than the interval (Prometheus scrape_interval.bad)', () => {
    expect(problems(() => job(`scrape_interval: 5s\nscrape_timeout: 6s`))).toEqual([
      '  scrape_configs[0].scrape_timeout: scrape timeout (6s) greater than scrape interval (5s) for job "j"',
    ]);
    expect(problems(() => parse(`global:\n  scrape_interval: 10s\n  scrape_timeout: 1m\n`))).toEqual([
      '  global.scrape_timeout: global scrape timeout (1m) greater than scrape interval (10s)',
    ]);
  });

  it('says why a duration is not one', () => {
    expect(problems(() => job(`scrape_interval: 15x\nscrape_timeout: 10`))).toEqual([
      '  scrape_configs[0].scrape_interval: unknown unit "x" in duration "15x"',
      '  scrape_configs[0].scrape_timeout: not a valid duration string: "10"',
    ]);
  });

  it('refuses a URL as a static target unless relabeling may fix it (Prometheus url_in_targetgroup.bad)', () => {
    expect(problems(() => job(`static_configs:\n  - targets: ['http://bad']`))).toEqual([
      '  scrape_configs[0].static_configs[0].targets[0]: "http://bad" is not a valid hostname (write host:port; scheme and path are set by scheme and metrics_path)',
    ]);
    expect(job(`static_configs:\n  - targets: ['http://bad']\nrelabel_configs:\n  - source_labels: [__address__]\n    regex: http://(.*)\n    target_label: __address__`).staticGroups[0]!.targets).toEqual([
      { __address__: 'http://bad' },
    ]);
  });

  it('refuses invalid label names (Prometheus labelname.bad)', () => {
    expect(problems(() => job(`static_configs:\n  - targets: ['a:1']\n    labels: {'not$allowed': x, 'not:allowed': y, ok_1: z}`))).toEqual([
      '  scrape_configs[0].static_configs[0].labels: "not$allowed" is not a valid label name',
      '  scrape_configs[0].static_configs[0].labels: "not:allowed" is not a valid label name',
    ]);
  });

  it('checks file_sd paths as Prometheus does', () => {
    expect(problems(() => job(`file_sd_configs:\n  - files: ['*/x.json', 'targets.txt']\n  - files: []`))).toEqual([
      '  scrape_configs[0].file_sd_configs[0].files[0]: path name "*/x.json" is not valid for file discovery (a .json, .yml or .yaml name; "*" only in the last path element)',
      '  scrape_configs[0].file_sd_configs[0].files[1]: path name "targets.txt" is not valid for file discovery (a .json, .yml or .yaml name; "*" only in the last path element)',
      '  scrape_configs[0].file_sd_configs[1].files: file service discovery config must contain at least one path name',
    ]);
  });

  it('reports relabel errors at the relabel_configs path', () => {
    const lines = problems(() => job(`relabel_configs:\n  - action: replace\n    regex: '('\nmetric_relabel_configs:\n  - action: hashmod\n    source_labels: [a]`));
    expect(lines.some((l) => l.startsWith('  scrape_configs[0].relabel_configs'))).toBe(true);
    expect(lines.some((l) => l.startsWith('  scrape_configs[0].metric_relabel_configs'))).toBe(true);
  });

  it('refuses duplicate keys and broken YAML', () => {
    const lines = problems(() => parse(`scrape_configs:\n  - job_name: a\n    job_name: b\n`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ {2}\(YAML\): Map keys must be unique/);
    expect(problems(() => parse(`- just a list`))).toEqual(['  (top level): expected a mapping with global and scrape_configs']);
  });

  it('refuses a kubernetes_sd_configs entry that is not a mapping', () => {
    expect(problems(() => job(`kubernetes_sd_configs: [pod]`))).toEqual(['  scrape_configs[0].kubernetes_sd_configs[0]: Invalid input: expected record, received string']);
  });

  it('reports a file it cannot read with BRAID_ERR_CONFIG_READ', async () => {
    await expect(loadScrapeConfig(join(dir, 'none.yml'))).rejects.toMatchObject({ code: 'BRAID_ERR_CONFIG_READ' });
  });
});

describe('collectors/scrape.yml', () => {
  it('scrapes Braid itself every 15 s', async () => {
    const cfg = await loadScrapeConfig(committed);
    expect(cfg.jobs.map((j) => j.jobName)).toEqual(['braid']);
    const braid = cfg.jobs[0]!;
    expect([braid.intervalMs, braid.timeoutMs, braid.scheme, braid.metricsPath]).toEqual([15_000, 10_000, 'http', '/metrics']);
    expect(braid.staticGroups).toEqual([{ source: '0', targets: [{ __address__: '127.0.0.1:8888' }], labels: {} }]);
  });

  it('has commented examples that load once uncommented', async () => {
    // After the examples marker, "#" lines are YAML and "##" lines are prose.
    const lines = readFileSync(committed, 'utf8').split('\n');
    const start = lines.findIndex((l) => l.startsWith('  # ---- Examples'));
    expect(start).toBeGreaterThan(0);
    const text = lines.map((l, i) => (i > start && /^ {2}# /.test(l) ? `  ${l.slice(4)}` : l)).join('\n');
    for (const name of ['secrets/node-exporter-password', 'secrets/payments-token', 'tls/ca.pem', 'tls/braid-client.pem', 'tls/braid-client-key.pem']) write(name, `${name}\n`);
    writeFileSync(file, text);
    const cfg = await loadScrapeConfig(file);
    expect(cfg.jobs.map((j) => j.jobName)).toEqual(['braid', 'node', 'kubernetes-pods', 'node-exporter-protected', 'payments']);
    const [, node, pods, protectedJob, payments] = cfg.jobs;
    expect(node!.fileSd).toEqual([{ files: [join(dir, 'targets/node-*.json'), join(dir, 'targets/node-*.yml')], refreshIntervalMs: 300_000 }]);
    expect(pods!.kubernetesSd).toEqual([{ role: 'pod' }]);
    expect(pods!.relabel.length).toBe(8);
    expect(protectedJob!.headers.authorization).toBe(`Basic ${Buffer.from('prometheus:secrets/node-exporter-password').toString('base64')}`);
    expect(protectedJob!.tls).toEqual({ ca: 'tls/ca.pem\n', serverName: 'node-exporter.internal', insecureSkipVerify: false });
    expect(payments!.headers.authorization).toBe('Bearer secrets/payments-token');
    expect(payments!.tls?.cert).toBe('tls/braid-client.pem\n');
  });
});
