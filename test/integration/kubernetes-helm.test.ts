/**
 * The Helm chart (helm/braid) with a real Helm v4.3.2 and a real kube-apiserver (both built from
 * the Go module proxy by scripts/infra): `helm lint --strict` and `helm template` for both modes and
 * several value sets, every rendered object accepted by server-side dry-run apply (with strict field
 * validation, prometheus-operator CRDs installed first), each workload's rendered Braid config
 * checked by `braid config check` in a directory laid out as the pod mounts it, what each mode and
 * option renders (and that it is wired: selectors, ports, HPA targets, checksums), lookups at install
 * (`template --dry-run=server`), a real install, upgrades and uninstall, and bad values refused with
 * the schema's message. Warm: ~30 s of CPU.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPrometheusOperatorCrds } from '../../scripts/infra/crds.js';
import { buildHelm } from '../../scripts/infra/helm.js';
import { type KubeApiServer, startKubernetes } from '../../scripts/infra/kubernetes.js';
import { applyEnv } from '../../src/config/load.js';
import { KubeApplier, type KubeObject, parseManifests } from '../helpers/kube-apply.js';
import { matches, podOf, podRuntime, secretData, workloads } from '../helpers/kube-pod.js';

type Obj = Record<string, unknown>;

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CHART = join(REPO, 'helm', 'braid');
const RELEASE = 'obs';
/** <release>-<chart>, the chart's fullname for release `obs`. */
const FULLNAME = 'obs-braid';
const NS = 'braid-helm';
const APP_VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const COMPONENTS = ['collector', 'ingester', 'query', 'alerter'] as const;

/** Secrets a user made before installing (TLS material, credentials), created in the cluster for real. */
const EXISTING_SECRETS: Record<string, Record<string, string>> = {
  'kafka-tls': { 'ca.crt': pem('KAFKA CA'), 'tls.crt': pem('KAFKA CLIENT'), 'tls.key': pem('KAFKA KEY') },
  'es-ca': { 'ca.crt': pem('ES CA') },
  // Only a CA: the chart's lookup at install must leave the client certificate out of the config.
  'kafka-ca-only': { 'ca.crt': pem('KAFKA CA') },
  'braid-creds': { 'kafka-sasl-password': 'from-existing', 'elasticsearch-password': 'es-existing', 'elasticsearch-api-key': 'key-existing' },
};

function pem(what: string): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(what).toString('base64')}\n-----END CERTIFICATE-----\n`;
}

const EXTERNAL = { kafka: { brokers: ['kafka-0.kafka.data:9092', 'kafka-1.kafka.data:9092'] }, elasticsearch: { url: 'http://es.data:9200' } };

/** The value sets rendered, linted, applied and config-checked. */
const SETS: Record<string, Obj> = {
  'all-in-one embedded': {},
  'all-in-one external Kafka/ES with SASL and an ES API key': {
    kafka: { ...EXTERNAL.kafka, sasl: { enabled: true, mechanism: 'scram-sha-256', username: 'braid' } },
    elasticsearch: { ...EXTERNAL.elasticsearch, auth: { type: 'apiKey' } },
    credentials: { kafkaSaslPassword: 's3cret', elasticsearchApiKey: 'ZXM6a2V5' },
  },
  distributed: { mode: 'distributed', ...EXTERNAL },
  'distributed with TLS from existing secrets': {
    mode: 'distributed',
    kafka: { ...EXTERNAL.kafka, tls: { enabled: true, existingSecret: 'kafka-tls', serverName: 'kafka.data.svc' } },
    elasticsearch: { url: 'https://es.data:9200', tls: { existingSecret: 'es-ca' } },
  },
  'credentials.existingSecret': {
    kafka: { ...EXTERNAL.kafka, sasl: { enabled: true, username: 'braid' } },
    elasticsearch: { ...EXTERNAL.elasticsearch, auth: { type: 'basic', username: 'braid' } },
    credentials: { existingSecret: 'braid-creds' },
  },
  'serviceMonitor and prometheusRule': { serviceMonitor: { enabled: true, labels: { release: 'prom' } }, prometheusRule: { enabled: true, labels: { release: 'prom' } } },
  'distributed with autoscaling': {
    mode: 'distributed',
    ...EXTERNAL,
    collector: { autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 12 } },
    ingester: { autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6, targetMemoryUtilizationPercentage: 80 } },
  },
  networkPolicy: { networkPolicy: { enabled: true, ingressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] } },
};

let kube: KubeApiServer;
let applier: KubeApplier;
let helmBin: string;
let work: string;
/** The braid CLI of the current source, bundled once (a run costs a third of tsx's CPU). */
let braidCli: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'braid-helm-'));
  braidCli = join(work, 'braid-cli.mjs');
  // The bundle leaves packages external: they resolve through this link, as from the repository.
  symlinkSync(join(REPO, 'node_modules'), join(work, 'node_modules'));
  const bundle = build({ entryPoints: [join(REPO, 'src', 'cli', 'index.ts')], outfile: braidCli, bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', logLevel: 'error' });
  // The first run builds kube-apiserver, etcd and helm from the Go module proxy (minutes); later runs start in seconds.
  const [k, h, crds] = await Promise.all([startKubernetes({ log: (line) => process.stderr.write(`${line}\n`) }), buildHelm(), fetchPrometheusOperatorCrds(), bundle]);
  kube = k;
  helmBin = h.helm;
  applier = new KubeApplier(kube, 'braid-helm-test');
  await applier.installCrds([crds.servicemonitors, crds.prometheusrules].flatMap((f) => parseManifests(readFileSync(f, 'utf8'), f)));
  await applier.ensureNamespace(NS);
  // Helm talks to the API server (install, upgrade, template --dry-run=server) as the admin.
  writeFileSync(join(work, 'kubeconfig'), JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: kube.url, 'certificate-authority': kube.caFile } }],
    users: [{ name: 'admin', user: { token: kube.token } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin', namespace: NS } }],
    'current-context': 'test',
  }), { mode: 0o600 });
  for (const [name, data] of Object.entries(EXISTING_SECRETS)) {
    await applier.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS }, stringData: data });
  }
}, 30 * 60_000);

afterAll(async () => {
  await kube?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Helm
// ---------------------------------------------------------------------------------------------

interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with its own config, cache and data dirs (no user plugins or repositories leak in). */
function helm(args: string[]): Promise<HelmResult> {
  const home = join(work, 'helm-home');
  const env = { PATH: process.env.PATH ?? '', HOME: home, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data'), KUBECONFIG: join(work, 'kubeconfig') };
  return new Promise((resolve) => {
    execFile(helmBin, args, { env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

let valuesFiles = 0;
function valuesFile(values: Obj): string {
  const f = join(work, `values-${++valuesFiles}.json`);
  writeFileSync(f, JSON.stringify(values));
  return f;
}

/** Template args: the capabilities of a cluster that runs prometheus-operator. */
const templateArgs = (values: Obj) => ['template', RELEASE, CHART, '--namespace', NS, '--api-versions', 'monitoring.coreos.com/v1', '-f', valuesFile(values)];

const rendered = new Map<string, Promise<KubeObject[]>>();
/** `helm template` of a value set, parsed (memoised per value set). */
function render(values: Obj): Promise<KubeObject[]> {
  const key = JSON.stringify(values);
  let p = rendered.get(key);
  if (p === undefined) {
    p = helm(templateArgs(values)).then((r) => {
      if (r.code !== 0) throw new Error(`helm template failed (${r.code}):\n${r.stderr}`);
      return parseManifests(r.stdout, 'helm template');
    });
    rendered.set(key, p);
  }
  return p;
}

const ofKind = (objs: KubeObject[], kind: string) => objs.filter((o) => o.kind === kind);
function named(objs: KubeObject[], kind: string, name: string): KubeObject {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (o === undefined) throw new Error(`no ${kind} ${name} among ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}

// ---------------------------------------------------------------------------------------------
// Lint, template, and the API server's word on every object
// ---------------------------------------------------------------------------------------------

describe.each(Object.entries(SETS))('value set: %s', (_name, values) => {
  it('passes helm lint --strict', async () => {
    const r = await helm(['lint', '--strict', CHART, '--namespace', NS, '-f', valuesFile(values)]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  it('renders objects that kube-apiserver accepts (server-side apply, dry run, strict fields)', async () => {
    const objs = await render(values);
    expect(objs.length).toBeGreaterThan(5);
    const stored = await applier.applyAll(objs, { dryRun: true, namespace: NS });
    expect(stored.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(objs.map((o) => `${o.kind}/${o.metadata.name}`));
  });

  it('runs pods that pass braid config check where they mount their files', async () => {
    const objs = await render(values);
    const external = (values.kafka as { brokers?: string[] } | undefined)?.brokers !== undefined;
    await Promise.all(
      workloads(objs).map(async (w) => {
        const out = await configCheck(w, objs);
        const target = targetOf(podOf(w).spec.containers[0]!.args as string[], {});
        const targets = target === undefined || target === 'all' ? 'collector,ingester,query,alerter' : target;
        expect(out, w.metadata.name).toContain(`: valid (targets: ${targets}; queue: ${external ? 'kafka' : 'memory'}; store: ${external ? 'elasticsearch' : 'memory'}`);
        // The rule files reached the pod where rule_files looks (a glob matching nothing would pass).
        if (targets.includes('alerter')) expect(out, w.metadata.name).toContain(`rules: ${shippedRuleFiles().length} files`);
      }),
    );
  });

  it('gives every pod probes on /healthz and /readyz, a non-root read-only securityContext and checksums', async () => {
    const objs = await render(values);
    for (const w of workloads(objs)) {
      const pod = podOf(w);
      const where = `${w.kind} ${w.metadata.name}`;
      expect(pod.spec.securityContext, where).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      for (const key of ['checksum/config', 'checksum/alerts', 'checksum/collectors', 'checksum/credentials']) {
        expect(pod.metadata.annotations[key], `${where} ${key}`).toMatch(/^[0-9a-f]{64}$/);
      }
      const c = pod.spec.containers.find((x) => x.name === 'braid') ?? pod.spec.containers[0]!;
      expect(c.image, where).toBe(`ghcr.io/braid-observability/braid:${APP_VERSION}`);
      expect(c.workingDir, where).toBe('/etc/braid');
      expect(c.securityContext, where).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      const ports = (c.ports ?? []) as Array<{ name?: string; containerPort: number }>;
      const admin = ports.find((p) => p.containerPort === 8888);
      expect(admin, `${where}: admin port 8888`).toBeDefined();
      for (const [probe, path] of [['livenessProbe', '/healthz'], ['readinessProbe', '/readyz']] as const) {
        const get = (c[probe] as { httpGet?: { path: string; port: string | number } } | undefined)?.httpGet;
        expect(get?.path, `${where} ${probe}`).toBe(path);
        expect([admin?.name, 8888], `${where} ${probe} port`).toContain(get?.port);
      }
    }
  });

  it('has Services whose selectors pick pods that expose the target ports', async () => {
    const objs = await render(values);
    for (const svc of ofKind(objs, 'Service')) {
      const spec = svc.spec as { selector: Record<string, string>; ports: Array<{ port: number; targetPort?: string | number }> };
      const picked = workloads(objs).filter((w) => matches(spec.selector, podOf(w).metadata.labels));
      expect(picked.length, `Service ${svc.metadata.name} selects no workload's pods`).toBeGreaterThan(0);
      for (const w of picked) {
        const ports = podOf(w).spec.containers.flatMap((c) => (c.ports ?? []) as Array<{ name?: string; containerPort: number }>);
        for (const p of spec.ports) {
          const target = p.targetPort ?? p.port;
          expect(ports.some((cp) => cp.name === target || cp.containerPort === target), `Service ${svc.metadata.name} port ${p.port} -> ${target} on ${w.metadata.name}`).toBe(true);
        }
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// What each mode and option renders
// ---------------------------------------------------------------------------------------------

describe('objects per mode and option', () => {
  it('all-in-one: one Deployment <fullname> running every target, one Service with the six ports, no StatefulSet', async () => {
    const objs = await render({});
    expect(ofKind(objs, 'Deployment').map((d) => d.metadata.name)).toEqual([FULLNAME]);
    expect(ofKind(objs, 'StatefulSet')).toEqual([]);
    const args = podOf(named(objs, 'Deployment', FULLNAME)).spec.containers[0]!.args as string[];
    expect(targetOf(args, {})).toMatch(/^(all|collector,ingester,query,alerter)$/);
    const ports = ofKind(objs, 'Service').flatMap((s) => (s.spec as { ports: Array<{ port: number }> }).ports.map((p) => p.port));
    expect([...new Set(ports)].sort()).toEqual([4317, 4318, 8888, 9200, 9411, 16686].sort());
  });

  it('distributed: the four component Deployments and the scraper StatefulSet, no all-in-one Deployment', async () => {
    const objs = await render(SETS.distributed!);
    expect(ofKind(objs, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(COMPONENTS.map((c) => `${FULLNAME}-${c}`).sort());
    for (const c of COMPONENTS) {
      const d = named(objs, 'Deployment', `${FULLNAME}-${c}`);
      expect(targetOf(podOf(d).spec.containers[0]!.args as string[], {}), d.metadata.name).toBe(c);
    }
    expect(ofKind(objs, 'StatefulSet').map((s) => s.metadata.name)).toEqual([`${FULLNAME}-scraper`]);
    // The scraper pods scrape (their shard, their index from the pod-index label) and take no pushes;
    // the collector Deployment does not scrape, or every target would be scraped twice.
    const scraper = named(objs, 'StatefulSet', `${FULLNAME}-scraper`);
    const receivers = (w: KubeObject) => podView(w, objs).config.receivers as Record<string, Obj & { grpc?: Obj; http?: Obj }>;
    expect(receivers(scraper).prometheus).toMatchObject({ enabled: true, shard: { count: 1, index: 0 } });
    for (const r of [receivers(scraper).otlp!.grpc, receivers(scraper).otlp!.http, receivers(scraper).zipkin, receivers(scraper).elasticsearch]) expect(r).toMatchObject({ enabled: false });
    expect(receivers(named(objs, 'Deployment', `${FULLNAME}-collector`)).prometheus?.enabled).toBe(false);
    const sharded = await render({ ...SETS.distributed, scraper: { shards: 3 } });
    expect((named(sharded, 'StatefulSet', `${FULLNAME}-scraper`).spec as Obj).replicas).toBe(3);
    expect(receivers(named(sharded, 'StatefulSet', `${FULLNAME}-scraper`)).prometheus).toMatchObject({ shard: { count: 3 } });
    // A StatefulSet's serviceName must be a headless Service (the pods' DNS names).
    const headless = named(objs, 'Service', (scraper.spec as { serviceName: string }).serviceName);
    expect((headless.spec as Obj).clusterIP).toBe('None');
    // OTLP, Zipkin and bulk reach the collectors; the query port reaches the query pods, nothing else.
    const reaches = (port: number) =>
      ofKind(objs, 'Service')
        .filter((s) => (s.spec as { ports: Array<{ port: number }> }).ports.some((p) => p.port === port))
        .flatMap((s) => workloads(objs).filter((w) => matches((s.spec as { selector: Record<string, string> }).selector, podOf(w).metadata.labels)))
        .map((w) => w.metadata.name);
    for (const port of [4317, 4318, 9411, 9200]) expect([...new Set(reaches(port))], `port ${port}`).toEqual([`${FULLNAME}-collector`]);
    expect([...new Set(reaches(16686))]).toEqual([`${FULLNAME}-query`]);
    expect(reaches(8888).length).toBeGreaterThanOrEqual(5);
  });

  it('HPAs (autoscaling/v2) target the collector and ingester Deployments, which leave replicas to them', async () => {
    const objs = await render(SETS['distributed with autoscaling']!);
    const hpas = ofKind(objs, 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.apiVersion)).toEqual(['autoscaling/v2', 'autoscaling/v2']);
    const byTarget = new Map(hpas.map((h) => [(h.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name, h.spec as Obj]));
    expect([...byTarget.keys()].sort()).toEqual([`${FULLNAME}-collector`, `${FULLNAME}-ingester`]);
    expect(byTarget.get(`${FULLNAME}-collector`)).toMatchObject({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment' }, minReplicas: 3, maxReplicas: 12 });
    const metricsOf = (target: string) =>
      ((byTarget.get(target)!.metrics ?? []) as Array<{ resource: { name: string; target: { averageUtilization: number } } }>).map((m) => `${m.resource.name}=${m.resource.target.averageUtilization}`).sort();
    expect(metricsOf(`${FULLNAME}-collector`)).toEqual(['cpu=70']);
    expect(metricsOf(`${FULLNAME}-ingester`)).toEqual(['cpu=70', 'memory=80']);
    // A replicas field would fight the HPA at each upgrade.
    for (const c of ['collector', 'ingester']) expect((named(objs, 'Deployment', `${FULLNAME}-${c}`).spec as Obj).replicas, c).toBeUndefined();
    expect((named(objs, 'Deployment', `${FULLNAME}-query`).spec as Obj).replicas).toBe(2);
    // Without autoscaling: no HPA.
    expect(ofKind(await render(SETS.distributed!), 'HorizontalPodAutoscaler')).toEqual([]);
  });

  it('PodDisruptionBudgets (policy/v1) each select exactly one component\'s pods', async () => {
    const objs = await render(SETS.distributed!);
    const pdbs = ofKind(objs, 'PodDisruptionBudget');
    expect(pdbs.length).toBeGreaterThanOrEqual(3);
    for (const pdb of pdbs) {
      expect(pdb.apiVersion).toBe('policy/v1');
      const sel = (pdb.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      const picked = workloads(objs).filter((w) => matches(sel, podOf(w).metadata.labels));
      expect(picked.length, `PodDisruptionBudget ${pdb.metadata.name}`).toBe(1);
    }
  });

  it('checksum annotations change with their ConfigMap or Secret, and only then', async () => {
    const base = SETS['all-in-one external Kafka/ES with SASL and an ES API key']!;
    const sums = async (values: Obj) => podOf(named(await render(values), 'Deployment', FULLNAME)).metadata.annotations;
    const before = await sums(base);
    const config = await sums({ ...base, alerting: { evaluationInterval: '30s' } });
    const creds = await sums({ ...base, credentials: { kafkaSaslPassword: 'other', elasticsearchApiKey: 'ZXM6a2V5' } });
    const scrape = await sums({ ...base, scrape: { extraScrapeConfigs: [{ job_name: 'node', static_configs: [{ targets: ['node:9100'] }] }] } });
    const changed = (a: Record<string, string>) => ['config', 'alerts', 'collectors', 'credentials'].filter((k) => a[`checksum/${k}`] !== before[`checksum/${k}`]);
    expect(changed(config)).toEqual(['config']);
    expect(changed(creds)).toEqual(['credentials']);
    expect(changed(scrape)).toEqual(['collectors']);
    expect(changed(await sums(base))).toEqual([]);
  });

  it('dashboards and datasources ConfigMaps carry the sidecar labels; datasources point at the query Service and Elasticsearch', async () => {
    for (const [values, queryService] of [[SETS['all-in-one external Kafka/ES with SASL and an ES API key']!, FULLNAME], [SETS.distributed!, `${FULLNAME}-query`]] as const) {
      const objs = await render(values);
      const dashboards = named(objs, 'ConfigMap', `${FULLNAME}-dashboards`);
      expect(dashboards.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
      const data = dashboards.data as Record<string, string>;
      expect(Object.keys(data).length).toBeGreaterThan(0);
      for (const [key, text] of Object.entries(data)) {
        expect(key).toMatch(/\.json$/);
        expect((JSON.parse(text) as { panels?: unknown[] }).panels?.length, key).toBeGreaterThan(0);
      }
      const ds = named(objs, 'ConfigMap', `${FULLNAME}-datasources`);
      expect(ds.metadata.labels).toMatchObject({ grafana_datasource: '1' });
      const sources = Object.values(ds.data as Record<string, string>).flatMap((t) => (parseYaml(t) as { datasources: Array<{ type: string; url: string }> }).datasources);
      const url = (type: string) => sources.find((s) => s.type === type)?.url ?? '';
      expect(new URL(url('jaeger')).hostname.split('.')[0]).toBe(queryService);
      expect(new URL(url('jaeger')).port).toBe('16686');
      expect(url('prometheus')).toMatch(new RegExp(`^http://${queryService}[.:].*16686/prometheus/?$`));
      expect(url('elasticsearch')).toBe('http://es.data:9200');
    }
  });

  it('ServiceMonitor scrapes an admin port of a Service it selects; PrometheusRule carries the shipped rule groups', async () => {
    const objs = await render(SETS['serviceMonitor and prometheusRule']!);
    const [sm] = ofKind(objs, 'ServiceMonitor');
    expect(sm?.metadata.labels).toMatchObject({ release: 'prom' });
    const spec = sm!.spec as { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path?: string; interval?: string }> };
    const services = ofKind(objs, 'Service').filter((s) => matches(spec.selector.matchLabels, s.metadata.labels ?? {}));
    expect(services.length).toBeGreaterThan(0);
    for (const ep of spec.endpoints) {
      expect(ep.interval).toBe('30s');
      expect(ep.path ?? '/metrics').toBe('/metrics');
      for (const s of services) expect((s.spec as { ports: Array<{ name?: string; port: number }> }).ports.find((p) => p.name === ep.port)?.port, s.metadata.name).toBe(8888);
    }
    const [rule] = ofKind(objs, 'PrometheusRule');
    expect(rule?.metadata.labels).toMatchObject({ release: 'prom' });
    const groups = (rule!.spec as { groups: Array<{ name: string; rules: unknown[] }> }).groups;
    expect(groups.map((g) => g.name).sort()).toEqual(shippedRuleGroups().sort());
    expect(ofKind(await render({}), 'ServiceMonitor')).toEqual([]);
  });

  it('NetworkPolicy selects every Braid pod and admits the configured peers', async () => {
    const objs = await render(SETS.networkPolicy!);
    const policies = ofKind(objs, 'NetworkPolicy');
    expect(policies.length).toBeGreaterThan(0);
    for (const w of workloads(objs)) {
      const covering = policies.filter((p) => matches((p.spec as { podSelector: { matchLabels?: Record<string, string> } }).podSelector.matchLabels ?? {}, podOf(w).metadata.labels));
      expect(covering.length, w.metadata.name).toBeGreaterThan(0);
    }
    const peers = policies.flatMap((p) => ((p.spec as { ingress?: Array<{ from?: Obj[] }> }).ingress ?? []).flatMap((i) => i.from ?? []));
    expect(peers).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } });
  });

  it('credentials: the chart makes <fullname>-credentials, or none and refers to credentials.existingSecret', async () => {
    const own = await render(SETS['all-in-one external Kafka/ES with SASL and an ES API key']!);
    const secret = named(own, 'Secret', `${FULLNAME}-credentials`);
    expect(secretData(secret)).toMatchObject({ 'kafka-sasl-password': 's3cret', 'elasticsearch-api-key': 'ZXM6a2V5' });
    const existing = await render(SETS['credentials.existingSecret']!);
    expect(ofKind(existing, 'Secret').map((s) => s.metadata.name)).not.toContain(`${FULLNAME}-credentials`);
    const env = podOf(named(existing, 'Deployment', FULLNAME)).spec.containers[0]!.env as Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
    const refs = Object.fromEntries(env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, e.valueFrom!.secretKeyRef]));
    expect(refs).toEqual({
      BRAID_KAFKA_SASL_PASSWORD: { name: 'braid-creds', key: 'kafka-sasl-password' },
      BRAID_ELASTICSEARCH_PASSWORD: { name: 'braid-creds', key: 'elasticsearch-password' },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// With the API server: lookups at install, and upgrades that roll the pods only when something changed
// ---------------------------------------------------------------------------------------------

describe('helm against the API server', () => {
  it('template --dry-run=server: lookup sees the Kafka TLS Secret holds only ca.crt, and the config names only it', async () => {
    const values = { kafka: { ...EXTERNAL.kafka, tls: { enabled: true, existingSecret: 'kafka-ca-only' } }, elasticsearch: EXTERNAL.elasticsearch };
    const r = await helm([...templateArgs(values), '--dry-run=server']);
    expect(r.code, r.stderr).toBe(0);
    const objs = parseManifests(r.stdout, 'helm template --dry-run=server');
    const aio = named(objs, 'Deployment', FULLNAME);
    const tls = (podView(aio, objs).config.queue as { kafka: { tls: Obj } }).kafka.tls;
    expect(tls).toMatchObject({ enabled: true, ca_file: 'tls/kafka/ca.crt' });
    expect(tls.cert_file).toBeUndefined();
    expect(await configCheck(aio, objs)).toContain('valid (targets: collector,ingester,query,alerter; queue: kafka');
    // Without a cluster, template cannot look: it names all three files (the contract's fallback).
    const offline = await render(values);
    expect((podView(named(offline, 'Deployment', FULLNAME), offline).config.queue as { kafka: { tls: Obj } }).kafka.tls).toMatchObject({ cert_file: 'tls/kafka/tls.crt', key_file: 'tls/kafka/tls.key' });
  });

  it('install (NOTES, RBAC), upgrade with a changed value (the pod template changes), upgrade with the same values (nothing changes), uninstall', async () => {
    const ns = 'braid-release';
    const deployment = `/apis/apps/v1/namespaces/${ns}/deployments/${FULLNAME}`;
    const state = async () => {
      const d = await kube.request('GET', deployment);
      return { generation: (d.metadata as { generation: number }).generation, annotations: podOf(d as unknown as KubeObject).metadata.annotations };
    };
    const base = ['--namespace', ns, '-f', valuesFile({})];
    const install = await helm(['install', RELEASE, CHART, '--create-namespace', ...base]);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toMatch(/STATUS: deployed/);
    // The NOTES send users to Services that exist, on ports they serve.
    const notes = install.stdout.slice(install.stdout.indexOf('NOTES:'));
    const endpoints = [...notes.matchAll(/http:\/\/([a-z0-9-]+)\.braid-release\.svc:(\d+)/g)].map((m) => [m[1]!, Number(m[2])] as const);
    const forward = /port-forward svc\/([a-z0-9-]+) (\d+):/.exec(notes);
    expect(forward).not.toBeNull();
    expect(endpoints.map(([, port]) => port)).toEqual(expect.arrayContaining([4317, 4318, 16686]));
    for (const [name, port] of [...endpoints, [forward![1]!, Number(forward![2])] as const]) {
      const svc = await kube.request('GET', `/api/v1/namespaces/${ns}/services/${name}`);
      expect((svc.spec as { ports: Array<{ port: number }> }).ports.map((p) => p.port), `${name}:${port} in NOTES`).toContain(port);
    }
    const first = await state();
    // RBAC, as the real authorizer decides it: the pods' service account may discover scrape
    // targets (kubernetes_sd_configs) and may not read Secrets.
    const sa = (podOf((await kube.request('GET', deployment)) as unknown as KubeObject).spec.serviceAccountName as string | undefined) ?? 'default';
    const may = async (verb: string, group: string, resource: string) => {
      const review = await kube.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user: `system:serviceaccount:${ns}:${sa}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`], resourceAttributes: { verb, group, resource, namespace: ns } },
      });
      return (review.status as { allowed: boolean }).allowed;
    };
    for (const [group, resource] of [['', 'pods'], ['', 'services'], ['', 'endpoints'], ['discovery.k8s.io', 'endpointslices'], ['', 'nodes'], ['', 'namespaces']]) {
      for (const verb of ['list', 'watch']) expect(await may(verb, group!, resource!), `${sa} ${verb} ${resource}`).toBe(true);
    }
    expect(await may('list', '', 'secrets')).toBe(false);
    const changed = await helm(['upgrade', RELEASE, CHART, ...base, '--set', 'alerting.evaluationInterval=30s']);
    expect(changed.code, changed.stderr).toBe(0);
    const second = await state();
    expect(second.generation).toBe(first.generation + 1);
    expect(second.annotations['checksum/config']).not.toBe(first.annotations['checksum/config']);
    expect(second.annotations['checksum/alerts']).toBe(first.annotations['checksum/alerts']);
    // Nothing random or time-based in the pod template: an upgrade without changes rolls nothing.
    const same = await helm(['upgrade', RELEASE, CHART, ...base, '--set', 'alerting.evaluationInterval=30s']);
    expect(same.code, same.stderr).toBe(0);
    expect(await state()).toEqual(second);
    const uninstall = await helm(['uninstall', RELEASE, '--namespace', ns]);
    expect(uninstall.code, uninstall.stderr).toBe(0);
    await expect(kube.request('GET', deployment)).rejects.toThrow(/404/);
  });
});

// ---------------------------------------------------------------------------------------------
// Bad values: refused by values.schema.json, naming the value
// ---------------------------------------------------------------------------------------------

describe('bad values fail helm template and helm lint with the schema\'s message', () => {
  const BAD: Array<[string, Obj, RegExp]> = [
    ['negative replicas', { allInOne: { replicas: -1 } }, /\/allInOne\/replicas'?: minimum/],
    ['an unknown mode', { mode: 'monolith' }, /\/mode'?: value must be one of 'all-in-one', 'distributed'/],
    ['distributed without kafka.brokers', { mode: 'distributed', elasticsearch: EXTERNAL.elasticsearch }, /\/kafka(\/brokers)?'?: (minItems|missing)/],
    ['an unknown key', { collector: { replicaz: 3 } }, /\/collector'?: additional properties? 'replicaz' not allowed/],
    ['distributed without elasticsearch.url', { mode: 'distributed', kafka: EXTERNAL.kafka }, /\/elasticsearch\/url'?: minLength/],
    ['two alerters (one evaluator per release)', { alerter: { replicas: 2 } }, /\/alerter\/replicas'?: maximum: got 2, want 1/],
    ['all-in-one replicas sharing no queue or store', { allInOne: { replicas: 2 } }, /\/kafka\/brokers'?: minItems/],
  ];
  it.each(BAD)('%s', async (_what, values, message) => {
    const t = await helm(templateArgs(values));
    expect(t.code).not.toBe(0);
    expect(t.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(t.stderr).toMatch(message);
    const l = await helm(['lint', '--strict', CHART, '-f', valuesFile(values)]);
    expect(l.code).not.toBe(0);
    expect(l.stdout + l.stderr).toMatch(message);
  });
});

// ---------------------------------------------------------------------------------------------
// A pod's view (test/helpers/kube-pod.ts) and `braid config check` in a temp dir laid out as it mounts
// ---------------------------------------------------------------------------------------------

/** The repository's rule files, alerts/*.yaml (what the chart ships). */
const shippedRuleFiles = () => readdirSync(join(REPO, 'alerts')).filter((f) => f.endsWith('.yaml')).map((f) => join(REPO, 'alerts', f));

/** The rule group names of the shipped rule files. */
function shippedRuleGroups(): string[] {
  return shippedRuleFiles().flatMap((f) => (parseYaml(readFileSync(f, 'utf8')) as { groups: Array<{ name: string }> }).groups.map((g) => g.name));
}

/** `--target X` (or `--target=X`) of the container args, else its BRAID_TARGET. */
function targetOf(args: string[], env: Record<string, string>): string | undefined {
  const i = args.findIndex((a) => a === '--target' || a.startsWith('--target='));
  if (i < 0) return env.BRAID_TARGET;
  return args[i]!.includes('=') ? args[i]!.slice('--target='.length) : args[i + 1];
}

/** What a workload's pod would run on: its mounted files, working dir, and the config `serve` would load (the file with the pod's env applied). */
interface PodView {
  files: Map<string, string>;
  workingDir: string;
  /** The effective config, as Braid's own applyEnv makes it from the file and the pod's environment. */
  config: Obj;
  what: string;
}

function podView(w: KubeObject, objs: KubeObject[]): PodView {
  const where = `${w.kind} ${w.metadata.name}`;
  const { files, env, argv, workingDir } = podRuntime(w, objs, { existingSecrets: EXISTING_SECRETS, namespace: NS, container: 'braid' });
  const at = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  const file = at < 0 ? env.BRAID_CONFIG : argv[at]!.includes('=') ? argv[at]!.slice('--config='.length) : argv[at + 1];
  if (file === undefined) throw new Error(`${where}: the container names no config file (--config or BRAID_CONFIG)`);
  const configText = files.get(posix.resolve(workingDir, file));
  if (configText === undefined) throw new Error(`${where}: --config ${file} is not among the files the pod mounts: ${[...files.keys()].join(', ')}`);
  const target = targetOf(argv, env);
  const config = applyEnv(parseYaml(configText), { ...env, ...(target === undefined ? {} : { BRAID_TARGET: target }) }) as Obj;
  return { files, workingDir, config, what: `${where}: braid config check of ${file} with the pod's env (target ${target ?? 'default'})` };
}

const checked = new Map<string, Promise<string>>();

/**
 * Lays out the files the workload's pod mounts in a temp dir (container path /x -> <dir>/x), then
 * runs `braid config check` in its working directory on the config `serve` would load there
 * (config check reads the file alone, and the chart passes secrets and the target through env and
 * args). Identical pods (same files, env and args) are checked once.
 */
function configCheck(w: KubeObject, objs: KubeObject[]): Promise<string> {
  const view = podView(w, objs);
  const files = new Map([...view.files, ['/braid-check/pod.yaml', stringifyYaml(view.config)]]);
  const key = JSON.stringify([[...files].sort(), view.workingDir]);
  let run = checked.get(key);
  if (run === undefined) {
    run = runConfigCheck(files, view.workingDir, view.what);
    checked.set(key, run);
  }
  return run;
}

function runConfigCheck(files: Map<string, string>, workingDir: string, what: string): Promise<string> {
  const root = mkdtempSync(join(work, 'pod-'));
  for (const [path, text] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const cwd = join(root, workingDir);
  mkdirSync(cwd, { recursive: true });
  const configPath = relative(cwd, join(root, '/braid-check/pod.yaml'));
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH ?? '', HOME: root };
    execFile(process.execPath, [braidCli, 'config', 'check', configPath], { cwd, env }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${what} failed:\n${stderr}${stdout}`));
      else resolve(stdout);
    });
  });
}
