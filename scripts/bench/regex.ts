/**
 * Regex throughput where label values that anyone can send meet user regexes:
 *   1. relabel: a Kubernetes pod job's `relabel_configs` (keep, replace with `$1:$2`, labelmap,
 *      drop, labeldrop) over 200 target label sets of 40 labels each, and a typical
 *      `metric_relabel_configs` (drop by name, replace, labeldrop) over 1,000 series label sets;
 *      label sets/s;
 *   2. selectors: `=~` and `!~` matchers of the shapes dashboards use (literal sets, prefixes,
 *      `.*x.*`, classes, `(?i)`) over 10^5 label values; values/s;
 *   3. the pathological `(a+)+` matcher against n `a`s and a `b`, for n = 20, 25, 30: ms per match.
 * Medians of BENCH_REGEX_RUNS runs (default 5). Prints figures; asserts nothing.
 * Run: npx tsx scripts/bench/regex.ts
 */
import { makeMatcher } from '../../src/promql/parse.js';
import { compileRelabelConfigs } from '../../src/receivers/prometheus/scrape/relabel-config.js';
import { relabel, type RelabelConfig } from '../../src/receivers/prometheus/scrape/relabel.js';
import type { Labels } from '../../src/receivers/prometheus/scrape/types.js';
import { measure } from './measure.js';

const RUNS = Number(process.env.BENCH_REGEX_RUNS ?? 5);
const RUN_MS = 1000;
const VALUES = 100_000;
const PATHOLOGICAL = [20, 25, 30];

const TARGET_RULES: RelabelConfig[] = [
  { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], action: 'keep', regex: 'true' },
  { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'], action: 'replace', target_label: '__metrics_path__', regex: '(.+)' },
  {
    source_labels: ['__address__', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
    action: 'replace',
    regex: '([^:]+)(?::\\d+)?;(\\d+)',
    replacement: '$1:$2',
    target_label: '__address__',
  },
  { action: 'labelmap', regex: '__meta_kubernetes_pod_label_(.+)' },
  { source_labels: ['__meta_kubernetes_namespace'], action: 'replace', target_label: 'namespace' },
  { source_labels: ['__meta_kubernetes_pod_name'], action: 'replace', target_label: 'pod' },
  { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Pending|Succeeded|Failed|Completed', action: 'drop' },
  { source_labels: ['__meta_kubernetes_pod_container_name'], regex: 'istio-.*|linkerd-.*', action: 'drop' },
  { regex: '__meta_kubernetes_pod_label_(pod_template_hash|controller_revision_hash)', action: 'labeldrop' },
];

const METRIC_RULES: RelabelConfig[] = [
  { source_labels: ['__name__'], regex: 'go_gc_.*|process_(open|max)_fds|apiserver_request_duration_seconds_bucket', action: 'drop' },
  { source_labels: ['instance'], regex: '(.*):\\d+', target_label: 'host', replacement: '${1}' },
  { source_labels: ['__name__', 'le'], regex: 'http_.*_bucket;(0\\.0.*)', action: 'drop' },
  { regex: 'pod_template_hash|id|uid', action: 'labeldrop' },
];

/** Kubernetes pod SD label sets: meta labels of the pod, its node, labels and annotations. */
function targets(n: number): Labels[] {
  const out: Labels[] = [];
  for (let i = 0; i < n; i++) {
    const app = ['checkout', 'payments', 'users', 'orders', 'catalog'][i % 5]!;
    const t: Labels = {
      __address__: `10.42.${i >> 8}.${i & 255}:${8080 + (i % 3)}`,
      __meta_kubernetes_namespace: ['shop', 'platform', 'monitoring'][i % 3]!,
      __meta_kubernetes_pod_name: `${app}-7d9f8b6c4-${(i * 7919).toString(36).slice(0, 5)}`,
      __meta_kubernetes_pod_ip: `10.42.${i >> 8}.${i & 255}`,
      __meta_kubernetes_pod_phase: i % 17 === 0 ? 'Pending' : 'Running',
      __meta_kubernetes_pod_ready: 'true',
      __meta_kubernetes_pod_node_name: `node-${i % 12}`,
      __meta_kubernetes_pod_host_ip: `192.168.1.${i % 12}`,
      __meta_kubernetes_pod_uid: `4b1f2c3d-${i.toString(16).padStart(4, '0')}-4e5f-8a9b-0c1d2e3f4a5b`,
      __meta_kubernetes_pod_controller_kind: 'ReplicaSet',
      __meta_kubernetes_pod_controller_name: `${app}-7d9f8b6c4`,
      __meta_kubernetes_pod_container_name: i % 11 === 0 ? 'istio-proxy' : app,
      __meta_kubernetes_pod_container_port_name: 'metrics',
      __meta_kubernetes_pod_container_port_number: String(8080 + (i % 3)),
      __meta_kubernetes_pod_container_port_protocol: 'TCP',
      __meta_kubernetes_pod_container_image: `registry.example/${app}:1.${i % 9}.0`,
      __meta_kubernetes_pod_container_init: 'false',
      __meta_kubernetes_pod_annotation_prometheus_io_scrape: i % 9 === 0 ? 'false' : 'true',
      __meta_kubernetes_pod_annotationpresent_prometheus_io_scrape: 'true',
      __meta_kubernetes_pod_annotation_prometheus_io_port: '9102',
      __meta_kubernetes_pod_annotationpresent_prometheus_io_port: 'true',
      __meta_kubernetes_pod_annotation_prometheus_io_path: '/metrics',
      __meta_kubernetes_pod_annotationpresent_prometheus_io_path: 'true',
      __meta_kubernetes_pod_annotation_kubectl_kubernetes_io_restartedAt: '2026-11-30T10:00:00Z',
      __meta_kubernetes_pod_label_app: app,
      __meta_kubernetes_pod_labelpresent_app: 'true',
      __meta_kubernetes_pod_label_app_kubernetes_io_name: app,
      __meta_kubernetes_pod_labelpresent_app_kubernetes_io_name: 'true',
      __meta_kubernetes_pod_label_app_kubernetes_io_version: `1.${i % 9}.0`,
      __meta_kubernetes_pod_labelpresent_app_kubernetes_io_version: 'true',
      __meta_kubernetes_pod_label_pod_template_hash: '7d9f8b6c4',
      __meta_kubernetes_pod_labelpresent_pod_template_hash: 'true',
      __meta_kubernetes_pod_label_team: ['red', 'blue'][i % 2]!,
      __meta_kubernetes_pod_labelpresent_team: 'true',
      __meta_kubernetes_node_name: `node-${i % 12}`,
      __meta_kubernetes_node_label_topology_kubernetes_io_zone: `eu-west-1${'abc'[i % 3]}`,
      __metrics_path__: '/metrics',
      __scheme__: 'http',
      __scrape_interval__: '15s',
      __scrape_timeout__: '10s',
      job: 'kubernetes-pods',
    };
    out.push(t);
  }
  return out;
}

/** Series label sets as a scrape produces them before metric relabeling. */
function series(n: number): Labels[] {
  const names = ['http_requests_total', 'http_request_duration_seconds_bucket', 'go_gc_duration_seconds', 'process_open_fds', 'app_queue_depth'];
  const les = ['0.005', '0.05', '0.5', '5', '+Inf'];
  const out: Labels[] = [];
  for (let i = 0; i < n; i++) {
    const name = names[i % names.length]!;
    const l: Labels = { __name__: name, instance: `10.42.0.${i % 200}:9102`, job: 'kubernetes-pods', namespace: 'shop', pod: `checkout-7d9f8b6c4-${i % 50}` };
    if (name.startsWith('http_')) Object.assign(l, { method: ['GET', 'POST'][i % 2]!, code: ['200', '500'][(i >> 1) % 2]!, handler: `/api/v1/h${i % 20}` });
    if (name.endsWith('_bucket')) l.le = les[i % les.length]!;
    if (i % 4 === 0) l.pod_template_hash = '7d9f8b6c4';
    out.push(l);
  }
  return out;
}

/** Label values of the kinds selectors run over: services, pods, routes, hosts, levels. */
function labelValues(n: number): string[] {
  const services = ['api-gateway', 'api-users', 'api-orders', 'checkout', 'payments', 'frontend', 'web-shop', 'web-admin'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    switch (i % 5) {
      case 0: out.push(services[i % services.length]!); break;
      case 1: out.push(`${services[i % services.length]}-7d9f8b6c4-${(i * 7919).toString(36).slice(0, 5)}`); break;
      case 2: out.push(`/api/v1/orders/${i}/items`); break;
      case 3: out.push(`ip-10-0-${i % 256}-${(i >> 8) % 256}.eu-west-1.compute.internal:9100`); break;
      default: out.push(['debug', 'info', 'warn', 'ERROR', 'error', 'fatal'][i % 6]!);
    }
  }
  return out;
}

const SELECTORS: Array<[type: '=~' | '!~', regex: string]> = [
  ['=~', 'api-gateway|api-users|api-orders'],
  ['=~', 'web-.*'],
  ['=~', '.*payments.*'],
  ['!~', '.+'],
  ['=~', '.*'],
  ['=~', '/api/v1/orders/[0-9]+/items'],
  ['=~', '(?i)error|warn'],
  ['!~', 'ip-10-0-.*\\.compute\\.internal:9100'],
  ['=~', '[a-z]+-[a-z]+-[0-9a-f]{9}-.*'],
];

function fail(msg: string): never {
  throw new Error(msg);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function benchRelabel(name: string, rules: RelabelConfig[], sets: Labels[]): void {
  const compiled = compileRelabelConfigs(rules, name);
  let kept = 0;
  for (const s of sets) if (relabel(s, compiled) !== undefined) kept++;
  const rate = measure(() => {
    for (const s of sets) relabel(s, compiled);
  }, sets.length, { runs: RUNS, runMs: RUN_MS, warmup: 20 });
  console.log(`relabel ${name}: ${rules.length} rules over ${sets.length} label sets (${kept} kept): ${fmt(rate)} label sets/s`);
}

function benchSelectors(values: string[]): void {
  let totalNs = 0;
  for (const [type, regex] of SELECTORS) {
    const m = makeMatcher(type, 'x', regex, fail);
    let matched = 0;
    for (const v of values) if (m.matches(v)) matched++;
    const rate = measure(() => {
      for (const v of values) m.matches(v);
    }, values.length, { runs: RUNS, runMs: RUN_MS, warmup: 2 });
    totalNs += (values.length / rate) * 1e9;
    console.log(`selector ${type}"${regex}": ${fmt(rate)} values/s (${matched} of ${values.length} match)`);
  }
  console.log(`selectors, all ${SELECTORS.length} in turn: ${fmt((SELECTORS.length * values.length) / (totalNs / 1e9))} values/s`);
}

function benchPathological(): void {
  const m = makeMatcher('=~', 'x', '(a+)+', fail);
  for (const n of PATHOLOGICAL) {
    const input = 'a'.repeat(n) + 'b';
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const start = process.hrtime.bigint();
      m.matches(input);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      // One slow run is enough to show the exponential case; skip the rest beyond 2 s.
      if (times[0]! > 2000) break;
    }
    console.log(`pathological =~"(a+)+" against ${n} a's and a b: ${median(times).toFixed(3)} ms (median of ${times.length})`);
  }
}

benchRelabel('target relabel_configs', TARGET_RULES, targets(200));
benchRelabel('metric_relabel_configs', METRIC_RULES, series(1000));
benchSelectors(labelValues(VALUES));
benchPathological();
