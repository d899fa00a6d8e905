/**
 * Kubernetes service discovery against a real kube-apiserver and etcd (scripts/infra/kubernetes.ts).
 * The objects are made through the REST API the way the absent controllers and kubelet would make
 * them (pod status through the /status subresource, Endpoints by hand), then each role's target
 * groups are compared, label for label, with what Prometheus's discovery/kubernetes derives from
 * them, and changes are followed through the watch.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type KubeApiServer, startKubernetes } from '../../scripts/infra/kubernetes.js';
import { parseKubernetesSdConfig, startKubernetesDiscovery } from '../../src/receivers/prometheus/scrape/kubernetes.js';
import type { Labels, TargetGroup } from '../../src/receivers/prometheus/scrape/types.js';
import { captureLog } from '../helpers/log.js';

type Obj = Record<string, unknown>;

let kube: KubeApiServer;

beforeAll(async () => {
  // The first run builds kube-apiserver and etcd from the Go module proxy (minutes); later runs start in seconds.
  kube = await startKubernetes({ log: (line) => process.stderr.write(`${line}\n`) });
}, 30 * 60_000);

afterAll(async () => {
  await kube?.stop();
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// ---------------------------------------------------------------------------------------------
// The objects, as a Deployment's pods, their Service and the Endpoints controller's output would be.
// ---------------------------------------------------------------------------------------------

const MERGE_PATCH = 'application/merge-patch+json';

async function createNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kube.request('POST', '/api/v1/namespaces', { metadata: { name } });
  return name;
}

const podsPath = (ns: string) => `/api/v1/namespaces/${ns}/pods`;

/** Creates a pod, then sets its status as the kubelet would; returns the pod's uid. */
async function createPod(ns: string, pod: Obj, status?: Obj): Promise<string> {
  const created = await kube.request('POST', podsPath(ns), pod);
  const name = (pod.metadata as Obj).name as string;
  if (status !== undefined) await kube.request('PATCH', `${podsPath(ns)}/${name}/status`, { status }, MERGE_PATCH);
  return (created.metadata as Obj).uid as string;
}

/** Deletes at once: a bound pod otherwise waits for its (absent) kubelet to confirm. */
async function forceDelete(path: string): Promise<void> {
  await kube.request('DELETE', `${path}?gracePeriodSeconds=0`);
}

const running = (podIP: string, hostIP: string, ready: boolean, containerIDs: Record<string, string>, initIDs: Record<string, string> = {}): Obj => {
  const statuses = (ids: Record<string, string>, state: Obj) =>
    Object.entries(ids).map(([name, containerID]) => ({ name, containerID, image: `registry.example/${name}:1.0`, imageID: '', ready, restartCount: 0, state }));
  return {
    phase: 'Running',
    podIP,
    hostIP,
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: ready ? 'True' : 'False' },
    ],
    containerStatuses: statuses(containerIDs, { running: { startedAt: '2026-01-01T00:00:00Z' } }),
    initContainerStatuses: statuses(initIDs, { terminated: { exitCode: 0, reason: 'Completed' } }),
  };
};

const appContainer = { name: 'app', image: 'registry.example/web:1.0', ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9102, protocol: 'TCP' }] };

/** A bound pod with one container port. */
const simplePod = (name: string): Obj => ({ metadata: { name }, spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'registry.example/app:1', ports: [{ containerPort: 8080 }] }] } });

interface Seeded {
  ns: string;
  uids: Record<'web-0' | 'web-1' | 'web-2', string>;
  owner: string;
  clusterIP: string;
}

/**
 * web-0 running and ready with two containers and an init container, web-1 pending (no IP yet),
 * web-2 running but not ready; Service `web` (ClusterIP) over their metrics port and its
 * Endpoints; Service `ext` (ExternalName).
 */
async function seed(prefix: string): Promise<Seeded> {
  const ns = await createNamespace(prefix);
  const owner = `web-${randomBytes(4).toString('hex')}`;
  const ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: randomUUID(), controller: true }];
  const labels = { app: 'web', 'app.kubernetes.io/version': '1.0' };
  const web0 = await createPod(
    ns,
    {
      metadata: { name: 'web-0', labels, annotations: { 'prometheus.io/scrape': 'true' }, ownerReferences },
      spec: {
        nodeName: 'node-a',
        initContainers: [{ name: 'migrate', image: 'registry.example/migrate:1.0' }],
        containers: [appContainer, { name: 'log-shipper', image: 'registry.example/log-shipper:2.1' }],
      },
    },
    // Dual stack: podIPs lists an IPv6 address after podIP.
    { ...running('10.244.1.5', '192.168.10.11', true, { app: 'containerd://app0', 'log-shipper': 'containerd://ship0' }, { migrate: 'containerd://migrate0' }), podIPs: [{ ip: '10.244.1.5' }, { ip: 'fd00:10:244:1::5' }] },
  );
  const web1 = await createPod(ns, { metadata: { name: 'web-1', labels, ownerReferences }, spec: { containers: [appContainer] } });
  const web2 = await createPod(
    ns,
    { metadata: { name: 'web-2', labels, ownerReferences }, spec: { nodeName: 'node-b', containers: [appContainer] } },
    running('10.244.2.7', '192.168.10.12', false, { app: 'containerd://app2' }),
  );
  const svc = await kube.request('POST', `/api/v1/namespaces/${ns}/services`, {
    metadata: { name: 'web', labels: { app: 'web', tier: 'frontend' }, annotations: { 'prometheus.io/port': '9102' } },
    spec: { selector: { app: 'web' }, ports: [{ name: 'metrics', port: 9102, targetPort: 'metrics' }] },
  });
  await kube.request('POST', `/api/v1/namespaces/${ns}/services`, {
    metadata: { name: 'ext' },
    spec: { type: 'ExternalName', externalName: 'db.example.com', ports: [{ name: 'pg', port: 5432 }] },
  });
  await kube.request('POST', `/api/v1/namespaces/${ns}/endpoints`, {
    metadata: { name: 'web', labels: { app: 'web', tier: 'frontend' } },
    subsets: [
      {
        addresses: [{ ip: '10.244.1.5', nodeName: 'node-a', hostname: 'web-0', targetRef: { kind: 'Pod', namespace: ns, name: 'web-0', uid: web0 } }],
        notReadyAddresses: [{ ip: '10.244.2.7', nodeName: 'node-b', targetRef: { kind: 'Pod', namespace: ns, name: 'web-2', uid: web2 } }],
        ports: [{ name: 'metrics', port: 9102, protocol: 'TCP' }],
      },
    ],
  });
  return { ns, uids: { 'web-0': web0, 'web-1': web1, 'web-2': web2 }, owner, clusterIP: (svc.spec as Obj).clusterIP as string };
}

// ---------------------------------------------------------------------------------------------
// What Prometheus makes of them (discovery/kubernetes pod.go, service.go, endpoints.go)
// ---------------------------------------------------------------------------------------------

const M = '__meta_kubernetes_';

/** The labels every target of a pod carries (podLabels in pod.go). */
function podLabels(s: Seeded, name: 'web-0' | 'web-2'): Labels {
  const [ip, host, node, ready] = name === 'web-0' ? ['10.244.1.5', '192.168.10.11', 'node-a', 'true'] : ['10.244.2.7', '192.168.10.12', 'node-b', 'false'];
  return {
    [`${M}pod_name`]: name,
    [`${M}pod_ip`]: ip,
    [`${M}pod_ipv4`]: ip,
    ...(name === 'web-0' ? { [`${M}pod_ipv6`]: 'fd00:10:244:1::5' } : {}),
    [`${M}pod_ready`]: ready,
    [`${M}pod_phase`]: 'Running',
    [`${M}pod_node_name`]: node,
    [`${M}pod_host_ip`]: host,
    [`${M}pod_uid`]: s.uids[name],
    [`${M}pod_label_app`]: 'web',
    [`${M}pod_labelpresent_app`]: 'true',
    [`${M}pod_label_app_kubernetes_io_version`]: '1.0',
    [`${M}pod_labelpresent_app_kubernetes_io_version`]: 'true',
    ...(name === 'web-0' ? { [`${M}pod_annotation_prometheus_io_scrape`]: 'true', [`${M}pod_annotationpresent_prometheus_io_scrape`]: 'true' } : {}),
    [`${M}pod_controller_kind`]: 'ReplicaSet',
    [`${M}pod_controller_name`]: s.owner,
  };
}

const container = (name: string, image: string, init: boolean, port?: [string, string, string]): Labels => ({
  [`${M}pod_container_name`]: name,
  [`${M}pod_container_image`]: image,
  [`${M}pod_container_init`]: String(init),
  ...(port === undefined ? {} : { [`${M}pod_container_port_name`]: port[0], [`${M}pod_container_port_number`]: port[1], [`${M}pod_container_port_protocol`]: port[2] }),
});

function expectedPodGroup(s: Seeded): TargetGroup {
  const id = (v: string) => ({ [`${M}pod_container_id`]: v });
  return {
    source: `pod/${s.ns}/web-0`,
    labels: { [`${M}namespace`]: s.ns, ...podLabels(s, 'web-0') },
    targets: [
      { __address__: '10.244.1.5:8080', ...container('app', 'registry.example/web:1.0', false, ['http', '8080', 'TCP']), ...id('containerd://app0') },
      { __address__: '10.244.1.5:9102', ...container('app', 'registry.example/web:1.0', false, ['metrics', '9102', 'TCP']), ...id('containerd://app0') },
      { __address__: '10.244.1.5', ...container('log-shipper', 'registry.example/log-shipper:2.1', false), ...id('containerd://ship0') },
      { __address__: '10.244.1.5', ...container('migrate', 'registry.example/migrate:1.0', true), ...id('containerd://migrate0') },
    ],
  };
}

const serviceLabels = (ns: string): Labels => ({
  [`${M}namespace`]: ns,
  [`${M}service_name`]: 'web',
  [`${M}service_label_app`]: 'web',
  [`${M}service_labelpresent_app`]: 'true',
  [`${M}service_label_tier`]: 'frontend',
  [`${M}service_labelpresent_tier`]: 'true',
  [`${M}service_annotation_prometheus_io_port`]: '9102',
  [`${M}service_annotationpresent_prometheus_io_port`]: 'true',
});

function expectedEndpointsGroup(s: Seeded): TargetGroup {
  const endpoint = (ready: string, pod: string, node: string): Labels => ({
    [`${M}endpoint_port_name`]: 'metrics',
    [`${M}endpoint_port_protocol`]: 'TCP',
    [`${M}endpoint_ready`]: ready,
    [`${M}endpoint_address_target_kind`]: 'Pod',
    [`${M}endpoint_address_target_name`]: pod,
    [`${M}endpoint_node_name`]: node,
  });
  const metrics = container('app', 'registry.example/web:1.0', false, ['metrics', '9102', 'TCP']);
  const http = container('app', 'registry.example/web:1.0', false, ['http', '8080', 'TCP']);
  return {
    source: `endpoints/${s.ns}/web`,
    labels: {
      ...serviceLabels(s.ns),
      [`${M}endpoints_name`]: 'web',
      [`${M}endpoints_label_app`]: 'web',
      [`${M}endpoints_labelpresent_app`]: 'true',
      [`${M}endpoints_label_tier`]: 'frontend',
      [`${M}endpoints_labelpresent_tier`]: 'true',
    },
    targets: [
      { __address__: '10.244.1.5:9102', ...endpoint('true', 'web-0', 'node-a'), [`${M}endpoint_hostname`]: 'web-0', ...podLabels(s, 'web-0'), ...metrics },
      { __address__: '10.244.2.7:9102', ...endpoint('false', 'web-2', 'node-b'), ...podLabels(s, 'web-2'), ...metrics },
      // The container ports no endpoint port covers, one target each.
      { __address__: '10.244.1.5:8080', ...http, ...podLabels(s, 'web-0') },
      { __address__: '10.244.2.7:8080', ...http, ...podLabels(s, 'web-2') },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Running discovery against the server
// ---------------------------------------------------------------------------------------------


/** Starts discovery of `raw` against the real server (its URL, CA and admin token unless `raw` says otherwise). */
function discover(raw: Obj, opts: { watchTimeoutSeconds?: number } = {}) {
  const updates: TargetGroup[][] = [];
  const current = new Map<string, TargetGroup>();
  const { log, lines } = captureLog();
  const config = parseKubernetesSdConfig(
    { api_server: kube.url, authorization: { credentials: kube.token }, tls_config: { ca_file: kube.caFile }, ...raw },
    'scrape_configs[0].kubernetes_sd_configs[0]',
  );
  const discoverer = startKubernetesDiscovery(
    config,
    (groups) => {
      updates.push(groups);
      for (const g of groups) current.set(g.source, g);
    },
    log,
    { backoff: { initialMs: 50, maxMs: 500 }, watchTimeoutSeconds: opts.watchTimeoutSeconds ?? 60 },
  );
  cleanups.push(() => discoverer.stop());
  return {
    updates,
    lines,
    /** The latest group of `source`, as Prometheus's target manager would hold it. */
    group: (source: string) => current.get(source),
    /** Waits until the latest group of `source` equals `expected`. */
    until: (source: string, expected: TargetGroup) => vi.waitFor(() => expect(current.get(source)).toEqual(expected), { timeout: 15_000, interval: 20 }),
  };
}

const empty = (source: string): TargetGroup => ({ source, targets: [], labels: {} });

/** A group with one label changed (or removed, for undefined) everywhere it occurs. */
function withLabel(group: TargetGroup, name: string, value: string | undefined): TargetGroup {
  const set = (ls: Labels): Labels => {
    if (!(name in ls)) return ls;
    const { [name]: _old, ...rest } = ls;
    return value === undefined ? rest : { ...ls, [name]: value };
  };
  return { ...group, labels: set(group.labels), targets: group.targets.map(set) };
}

describe('kubernetes_sd against a real API server', () => {
  it('role pod: one group per pod, following label changes, new pod IPs and deletions', async () => {
    const s = await seed('sd-pod');
    const d = discover({ role: 'pod' });
    await vi.waitFor(() => expect(d.updates.length).toBeGreaterThan(0), { timeout: 15_000 });
    // The first update holds every pod of the cluster at once.
    const first = d.updates[0]!.filter((g) => g.source.startsWith(`pod/${s.ns}/`));
    expect(first.sort((a, b) => a.source.localeCompare(b.source))).toEqual([expectedPodGroup(s), empty(`pod/${s.ns}/web-1`), expect.objectContaining({ source: `pod/${s.ns}/web-2` })]);

    await kube.request('PATCH', `${podsPath(s.ns)}/web-0`, { metadata: { labels: { app: 'web-v2' } } }, MERGE_PATCH);
    await d.until(`pod/${s.ns}/web-0`, withLabel(expectedPodGroup(s), `${M}pod_label_app`, 'web-v2'));

    // web-1 is scheduled (a Binding, as the scheduler posts it) and started: from no targets to one per container port.
    await kube.request('POST', `${podsPath(s.ns)}/web-1/binding`, { metadata: { name: 'web-1' }, target: { kind: 'Node', name: 'node-c' } });
    await kube.request('PATCH', `${podsPath(s.ns)}/web-1/status`, { status: running('10.244.3.9', '192.168.10.13', true, { app: 'containerd://app1' }) }, MERGE_PATCH);
    await vi.waitFor(() => expect(d.group(`pod/${s.ns}/web-1`)?.targets.map((t) => t.__address__)).toEqual(['10.244.3.9:8080', '10.244.3.9:9102']), { timeout: 15_000 });
    expect(d.group(`pod/${s.ns}/web-1`)?.labels[`${M}pod_node_name`]).toBe('node-c');

    await forceDelete(`${podsPath(s.ns)}/web-2`);
    await d.until(`pod/${s.ns}/web-2`, empty(`pod/${s.ns}/web-2`));
    expect(d.lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
  });

  it('role service: one target per port, ClusterIP and ExternalName, following changes and deletions', async () => {
    const s = await seed('sd-svc');
    const d = discover({ role: 'service' });
    const web: TargetGroup = {
      source: `svc/${s.ns}/web`,
      labels: serviceLabels(s.ns),
      targets: [
        {
          __address__: `web.${s.ns}.svc:9102`,
          [`${M}service_port_name`]: 'metrics',
          [`${M}service_port_number`]: '9102',
          [`${M}service_port_protocol`]: 'TCP',
          [`${M}service_type`]: 'ClusterIP',
          [`${M}service_cluster_ip`]: s.clusterIP,
        },
      ],
    };
    const ext: TargetGroup = {
      source: `svc/${s.ns}/ext`,
      labels: { [`${M}namespace`]: s.ns, [`${M}service_name`]: 'ext' },
      targets: [
        {
          __address__: `ext.${s.ns}.svc:5432`,
          [`${M}service_port_name`]: 'pg',
          [`${M}service_port_number`]: '5432',
          [`${M}service_port_protocol`]: 'TCP',
          [`${M}service_type`]: 'ExternalName',
          [`${M}service_external_name`]: 'db.example.com',
        },
      ],
    };
    await d.until(web.source, web);
    await d.until(ext.source, ext);
    // Cluster-wide: the `kubernetes` service the API server makes for itself is there too.
    expect(d.group('svc/default/kubernetes')?.targets.map((t) => t.__address__)).toEqual(['kubernetes.default.svc:443']);
    expect(s.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);

    await kube.request('PATCH', `/api/v1/namespaces/${s.ns}/services/web`, { metadata: { labels: { tier: 'backend' } } }, MERGE_PATCH);
    await d.until(web.source, withLabel(web, `${M}service_label_tier`, 'backend'));

    await kube.request('DELETE', `/api/v1/namespaces/${s.ns}/services/ext`);
    await d.until(ext.source, empty(ext.source));
  });

  it('role endpoints: joins Endpoints with their Service and Pods, and rebuilds when any of them changes', async () => {
    const s = await seed('sd-ep');
    const d = discover({ role: 'endpoints' });
    const source = `endpoints/${s.ns}/web`;
    let expected = expectedEndpointsGroup(s);
    await d.until(source, expected);

    // A pod change alone rebuilds the endpoints that refer to it.
    await kube.request('PATCH', `${podsPath(s.ns)}/web-2/status`, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'application/strategic-merge-patch+json');
    expected = { ...expected, targets: expected.targets.map((t) => (t[`${M}pod_name`] === 'web-2' ? { ...t, [`${M}pod_ready`]: 'true' } : t)) };
    await d.until(source, expected);

    // The address of web-0 leaves the Endpoints: its targets go, web-2's stay.
    await kube.request('PATCH', `/api/v1/namespaces/${s.ns}/endpoints/web`, {
      subsets: [{ addresses: [{ ip: '10.244.2.7', nodeName: 'node-b', targetRef: { kind: 'Pod', namespace: s.ns, name: 'web-2', uid: s.uids['web-2'] } }], ports: [{ name: 'metrics', port: 9102, protocol: 'TCP' }] }],
    }, MERGE_PATCH);
    const web2 = expected.targets.filter((t) => t[`${M}pod_name`] === 'web-2').map((t) => (t[`${M}endpoint_ready`] === undefined ? t : { ...t, [`${M}endpoint_ready`]: 'true' }));
    expected = { ...expected, targets: web2 };
    await d.until(source, expected);

    // A Service change alone rebuilds the Endpoints of the same name.
    await kube.request('PATCH', `/api/v1/namespaces/${s.ns}/services/web`, { metadata: { labels: { tier: 'backend' } } }, MERGE_PATCH);
    expected = { ...expected, labels: { ...expected.labels, [`${M}service_label_tier`]: 'backend' } };
    await d.until(source, expected);

    // Deleting a Service makes the API server delete the Endpoints of the same name: the group goes.
    await kube.request('DELETE', `/api/v1/namespaces/${s.ns}/services/web`);
    await d.until(source, empty(source));
    await expect(kube.request('GET', `/api/v1/namespaces/${s.ns}/endpoints/web`)).rejects.toThrow(`GET /api/v1/namespaces/${s.ns}/endpoints/web: 404 endpoints "web" not found`);
    expect(d.lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
  });

  it('selectors: the server applies the label and field selectors', async () => {
    const s = await seed('sd-sel');
    const d = discover({ role: 'pod', namespaces: { names: [s.ns] }, selectors: [{ role: 'pod', label: 'app=web,app.kubernetes.io/version in (1.0)', field: 'spec.nodeName=node-a' }] });
    await vi.waitFor(() => expect(d.updates.length).toBe(1), { timeout: 15_000 });
    expect(d.updates[0]).toEqual([expectedPodGroup(s)]);
    // Moved out of the label selector: the watch reports it as deleted.
    await kube.request('PATCH', `${podsPath(s.ns)}/web-0`, { metadata: { labels: { app: 'other' } } }, MERGE_PATCH);
    await d.until(`pod/${s.ns}/web-0`, empty(`pod/${s.ns}/web-0`));
  });

  it('lists in pages of 500: every pod of a namespace larger than a page', async () => {
    const ns = await createNamespace('sd-page');
    const names = Array.from({ length: 1100 }, (_, i) => `p-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 20) {
      await Promise.all(names.slice(i, i + 20).map((name) => kube.request('POST', podsPath(ns), { metadata: { name }, spec: { containers: [{ name: 'c', image: 'registry.example/c:1' }] } })));
    }
    const page = await kube.request('GET', `${podsPath(ns)}?limit=500`);
    expect([(page.items as unknown[]).length, typeof (page.metadata as Obj).continue]).toEqual([500, 'string']);
    const d = discover({ role: 'pod', namespaces: { names: [ns] } });
    await vi.waitFor(() => expect(d.updates.length).toBe(1), { timeout: 30_000 });
    expect(d.updates[0]!.map((g) => g.source).sort()).toEqual(names.map((n) => `pod/${ns}/${n}`));
  }, 300_000);

  it('survives an API server restart: reconnects, then follows the changes made since', async () => {
    const ns = await createNamespace('sd-restart');
    await createPod(ns, simplePod('a'), running('10.244.6.1', '192.168.10.11', true, { app: 'containerd://a' }));
    const d = discover({ role: 'pod', namespaces: { names: [ns] } });
    await vi.waitFor(() => expect(d.updates.length).toBe(1), { timeout: 15_000 });

    await kube.restartApiServer();
    await createPod(ns, simplePod('b'), running('10.244.6.2', '192.168.10.11', true, { app: 'containerd://b' }));
    await forceDelete(`${podsPath(ns)}/a`);
    await vi.waitFor(() => expect(d.group(`pod/${ns}/b`)?.targets.map((t) => t.__address__)).toEqual(['10.244.6.2:8080']), { timeout: 30_000 });
    await d.until(`pod/${ns}/a`, empty(`pod/${ns}/a`));
    // The outage is logged once as a warning, and its end as soon as a watch is back (not when that watch ends).
    const messages = d.lines.map((l) => l.msg).filter((m) => m !== 'kubernetes API request failed again');
    expect(messages).toEqual(['kubernetes_sd started', 'kubernetes API request failed; retrying with backoff', 'kubernetes API reachable again']);
  });

  it('namespaces.names: lists and watches only the named namespace, with a token RBAC limits to it', async () => {
    const other = await createNamespace('sd-other');
    const mine = await createNamespace('sd-mine');
    // A service account allowed to list and watch pods in `mine` only, and a token for it (TokenRequest).
    await kube.request('POST', `/api/v1/namespaces/${mine}/serviceaccounts`, { metadata: { name: 'braid' } });
    await kube.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${mine}/roles`, {
      metadata: { name: 'braid-sd' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] }],
    });
    await kube.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${mine}/rolebindings`, {
      metadata: { name: 'braid-sd' },
      subjects: [{ kind: 'ServiceAccount', name: 'braid', namespace: mine }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'braid-sd' },
    });
    const tokenRequest = await kube.request('POST', `/api/v1/namespaces/${mine}/serviceaccounts/braid/token`, { spec: { expirationSeconds: 3600 } });
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'braid-k8s-')), 'token');
    writeFileSync(tokenFile, `${(tokenRequest.status as Obj).token as string}\n`);

    await createPod(other, simplePod('a'), running('10.244.4.1', '192.168.10.11', true, { app: 'containerd://a' }));
    await createPod(mine, simplePod('b'), running('10.244.5.1', '192.168.10.11', true, { app: 'containerd://b' }));

    // A short watch timeout: the server ends each watch and discovery resumes from the version it saw.
    const d = discover({ role: 'pod', namespaces: { names: [mine] }, authorization: undefined, bearer_token_file: tokenFile }, { watchTimeoutSeconds: 1 });
    await vi.waitFor(() => expect(d.updates.length).toBe(1), { timeout: 15_000 });
    expect(d.updates[0]!.map((g) => [g.source, g.targets.map((t) => t.__address__)])).toEqual([[`pod/${mine}/b`, ['10.244.5.1:8080']]]);
    await new Promise((r) => setTimeout(r, 2500));

    await createPod(other, simplePod('c'), running('10.244.4.2', '192.168.10.11', true, { app: 'containerd://c' }));
    await createPod(mine, simplePod('d'), running('10.244.5.2', '192.168.10.11', true, { app: 'containerd://d' }));
    await vi.waitFor(() => expect(d.group(`pod/${mine}/d`)?.targets.map((t) => t.__address__)).toEqual(['10.244.5.2:8080']), { timeout: 15_000 });
    expect(d.updates.flat().filter((g) => !g.source.startsWith(`pod/${mine}/`))).toEqual([]);
    expect(d.lines.filter((l) => (l.level as number) >= 40)).toEqual([]);

    // The same token across the cluster: the API server refuses, discovery logs it and keeps retrying.
    const all = discover({ role: 'pod', authorization: undefined, bearer_token_file: tokenFile });
    const warning = await vi.waitFor(() => {
      const w = all.lines.find((l) => l.msg === 'kubernetes API request failed; retrying with backoff');
      expect(w).toBeDefined();
      return w!;
    }, { timeout: 15_000 });
    expect(warning.err).toBe(`list /api/v1/pods: 403 Forbidden: pods is forbidden: User "system:serviceaccount:${mine}:braid" cannot list resource "pods" in API group "" at the cluster scope`);
    expect(all.updates).toEqual([]);
  });
});
