/**
 * Mapping Kubernetes API objects to target groups, label for label as Prometheus's
 * discovery/kubernetes pod.go, service.go and endpoints.go do.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Labels, TargetGroup } from './types.js';

type Mapping = Record<string, unknown>;

const META = '__meta_kubernetes_';
const NAMESPACE_LABEL = `${META}namespace`;
const PRESENT = 'true';

// API objects arrive as untrusted JSON: every read goes through these, which give Go's zero
// values for what is missing or mistyped, as client-go's decoding into structs would.
/** `v` as a mapping, or an empty one. */
export const obj = (v: unknown): Mapping => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Mapping) : {});
const arr = (v: unknown): Mapping[] => (Array.isArray(v) ? v.map(obj) : []);
/** `v` as a string, or ''. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown): string => String(typeof v === 'number' && Number.isInteger(v) ? v : 0);
/** The string-valued entries of mapping `v` (labels, annotations). */
export const strings = (v: unknown): [string, string][] => Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === 'string');

/** Prometheus's strutil.SanitizeLabelName: every character outside [a-zA-Z0-9_] becomes "_". */
function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/gu, '_');
}

/** Go's net.JoinHostPort. */
export function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** 4 or 6 as Go's net.ParseIP(ip).To4() would classify `ip`, undefined when Go cannot parse it. */
function ipFamily(ip: string): 4 | 6 | undefined {
  if (isIPv4(ip)) return 4;
  if (!isIPv6(ip) || ip.includes('%')) return undefined;
  return /^\[::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}\]$/.test(canonicalIPv6(ip)) ? 4 : 6;
}

/** RFC 5952 form in brackets, as Go's IP.String() prints it (WHATWG URL serialises IPv6 the same way). */
function canonicalIPv6(ip: string): string {
  return new URL(`http://[${ip}]/`).hostname;
}

/** The key of an object in the stores: `<namespace>/<name>`. */
export function kubernetesObjectKey(object: unknown): string {
  const meta = obj(obj(object).metadata);
  return `${str(meta.namespace)}/${str(meta.name)}`;
}

/** Prometheus's addObjectMetaLabels: `<role>_name`, labels and annotations with their `present` twins. */
function addObjectMetaLabels(ls: Labels, meta: Mapping, role: string): void {
  ls[`${META}${role}_name`] = str(meta.name);
  for (const [k, v] of strings(meta.labels)) {
    const ln = sanitizeLabelName(k);
    ls[`${META}${role}_label_${ln}`] = v;
    ls[`${META}${role}_labelpresent_${ln}`] = PRESENT;
  }
  for (const [k, v] of strings(meta.annotations)) {
    const ln = sanitizeLabelName(k);
    ls[`${META}${role}_annotation_${ln}`] = v;
    ls[`${META}${role}_annotationpresent_${ln}`] = PRESENT;
  }
}

function podReady(status: Mapping): string {
  const ready = arr(status.conditions).find((c) => c.type === 'Ready');
  return ready === undefined ? 'unknown' : str(ready.status).toLowerCase();
}

/** The pod's own labels, shared by the pod role's group and the endpoints role's pod targets. */
function podLabels(pod: Mapping): Labels {
  const meta = obj(pod.metadata);
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const ls: Labels = {
    [`${META}pod_ip`]: str(status.podIP),
    [`${META}pod_ready`]: podReady(status),
    [`${META}pod_phase`]: str(status.phase),
    [`${META}pod_node_name`]: str(spec.nodeName),
    [`${META}pod_host_ip`]: str(status.hostIP),
    [`${META}pod_uid`]: str(meta.uid),
  };
  // The first IPv4 and the first IPv6 of status.podIPs (dual stack).
  for (const { ip } of arr(status.podIPs)) {
    const address = str(ip);
    const family = address === '' ? undefined : ipFamily(address);
    if (family !== undefined) ls[`${META}pod_ipv${family}`] ??= address;
  }
  addObjectMetaLabels(ls, meta, 'pod');
  const controller = arr(meta.ownerReferences).find((ref) => ref.controller === true);
  if (controller !== undefined && str(controller.kind) !== '') ls[`${META}pod_controller_kind`] = str(controller.kind);
  if (controller !== undefined && str(controller.name) !== '') ls[`${META}pod_controller_name`] = str(controller.name);
  return ls;
}

/** Containers then init containers, as Prometheus walks them. */
function containersOf(spec: Mapping): { container: Mapping; init: boolean }[] {
  return [...arr(spec.containers).map((container) => ({ container, init: false })), ...arr(spec.initContainers).map((container) => ({ container, init: true }))];
}

/** The address of a container without ports: the pod IP, an IPv6 one in brackets (RFC 3986). */
function portlessAddress(podIP: string): string {
  return ipFamily(podIP) === 6 ? canonicalIPv6(podIP) : podIP;
}

/** The pod role's group for one Pod: a target per container port, or per container without ports. */
export function podTargetGroup(pod: unknown): TargetGroup {
  const p = obj(pod);
  const meta = obj(p.metadata);
  const status = obj(p.status);
  const group: TargetGroup = { source: `pod/${kubernetesObjectKey(p)}`, targets: [], labels: {} };
  const podIP = str(status.podIP);
  // PodIP can be empty when a pod is starting or has been evicted.
  if (podIP === '') return group;
  group.labels = { ...podLabels(p), [NAMESPACE_LABEL]: str(meta.namespace) };
  for (const { container, init } of containersOf(obj(p.spec))) {
    const statuses = arr(init ? status.initContainerStatuses : status.containerStatuses);
    const containerStatus = statuses.find((s) => str(s.name) === str(container.name));
    const common: Labels = {
      [`${META}pod_container_name`]: str(container.name),
      [`${META}pod_container_id`]: str(containerStatus?.containerID),
      [`${META}pod_container_image`]: str(container.image),
      [`${META}pod_container_init`]: String(init),
    };
    const ports = arr(container.ports);
    if (ports.length === 0) group.targets.push({ __address__: portlessAddress(podIP), ...common });
    for (const port of ports) {
      const number = int(port.containerPort);
      group.targets.push({
        __address__: joinHostPort(podIP, number),
        ...common,
        [`${META}pod_container_port_number`]: number,
        [`${META}pod_container_port_name`]: str(port.name),
        [`${META}pod_container_port_protocol`]: str(port.protocol),
      });
    }
  }
  return group;
}

function serviceLabels(svc: Mapping): Labels {
  const meta = obj(svc.metadata);
  const ls: Labels = { [NAMESPACE_LABEL]: str(meta.namespace) };
  addObjectMetaLabels(ls, meta, 'service');
  return ls;
}

/** The service role's group for one Service: a target per service port, at its cluster DNS name. */
export function serviceTargetGroup(svc: unknown): TargetGroup {
  const s = obj(svc);
  const meta = obj(s.metadata);
  const spec = obj(s.spec);
  const type = str(spec.type);
  const targets = arr(spec.ports).map((port) => {
    const number = int(port.port);
    const target: Labels = {
      __address__: joinHostPort(`${str(meta.name)}.${str(meta.namespace)}.svc`, number),
      [`${META}service_port_name`]: str(port.name),
      [`${META}service_port_number`]: number,
      [`${META}service_port_protocol`]: str(port.protocol),
      [`${META}service_type`]: type,
    };
    if (type === 'ExternalName') target[`${META}service_external_name`] = str(spec.externalName);
    else target[`${META}service_cluster_ip`] = str(spec.clusterIP);
    if (type === 'LoadBalancer') target[`${META}service_loadbalancer_ip`] = str(spec.loadBalancerIP);
    return target;
  });
  return { source: `svc/${kubernetesObjectKey(s)}`, targets, labels: serviceLabels(s) };
}

/**
 * The endpoints role's group for one Endpoints object: a target per address and port, with the
 * labels of the Service of the same name and of the Pod each address refers to, plus a target
 * for every port of those pods' containers that no endpoint port covers. `servicesByKey` and
 * `podsByKey` hold the known objects by `<namespace>/<name>` (see kubernetesObjectKey).
 */
export function endpointsTargetGroup(endpoints: unknown, servicesByKey: ReadonlyMap<string, unknown>, podsByKey: ReadonlyMap<string, unknown>): TargetGroup {
  const e = obj(endpoints);
  const meta = obj(e.metadata);
  const key = kubernetesObjectKey(e);
  const labels: Labels = { [NAMESPACE_LABEL]: str(meta.namespace) };
  const svc = servicesByKey.get(key);
  if (svc !== undefined) Object.assign(labels, serviceLabels(obj(svc)));
  addObjectMetaLabels(labels, meta, 'endpoints');
  const group: TargetGroup = { source: `endpoints/${key}`, targets: [], labels };
  const seenPods = new Map<string, { pod: Mapping; ports: string[] }>();
  const add = (address: Mapping, port: Mapping, ready: string) => {
    const number = int(port.port);
    let target: Labels = {
      __address__: joinHostPort(str(address.ip), number),
      [`${META}endpoint_port_name`]: str(port.name),
      [`${META}endpoint_port_protocol`]: str(port.protocol),
      [`${META}endpoint_ready`]: ready,
    };
    const ref = address.targetRef === undefined || address.targetRef === null ? undefined : obj(address.targetRef);
    if (ref !== undefined) {
      target[`${META}endpoint_address_target_kind`] = str(ref.kind);
      target[`${META}endpoint_address_target_name`] = str(ref.name);
    }
    if (typeof address.nodeName === 'string') target[`${META}endpoint_node_name`] = address.nodeName;
    if (str(address.hostname) !== '') target[`${META}endpoint_hostname`] = str(address.hostname);
    const podKey = ref !== undefined && ref.kind === 'Pod' ? `${str(ref.namespace)}/${str(ref.name)}` : undefined;
    const pod = podKey === undefined ? undefined : podsByKey.get(podKey);
    if (podKey === undefined || pod === undefined) {
      group.targets.push(target);
      return;
    }
    const p = obj(pod);
    const seen = seenPods.get(podKey) ?? { pod: p, ports: [] };
    seenPods.set(podKey, seen);
    target = { ...target, ...podLabels(p) };
    // The container port the endpoint port is: the last container declaring it wins, as in Prometheus.
    for (const { container, init } of containersOf(obj(p.spec))) {
      const cport = arr(container.ports).find((c) => int(c.containerPort) === number);
      if (cport === undefined) continue;
      target[`${META}pod_container_name`] = str(container.name);
      target[`${META}pod_container_image`] = str(container.image);
      target[`${META}pod_container_port_name`] = str(cport.name);
      target[`${META}pod_container_port_number`] = number;
      target[`${META}pod_container_port_protocol`] = str(port.protocol);
      target[`${META}pod_container_init`] = String(init);
    }
    seen.ports.push(number);
    group.targets.push(target);
  };
  for (const subset of arr(e.subsets)) {
    for (const port of arr(subset.ports)) {
      for (const address of arr(subset.addresses)) add(address, port, 'true');
      // The same target again, with ready "false", as Prometheus does.
      for (const address of arr(subset.notReadyAddresses)) add(address, port, 'false');
    }
  }
  for (const { pod, ports } of seenPods.values()) group.targets.push(...uncoveredPortTargets(pod, ports));
  return group;
}

/** Targets for the container ports of `pod` that no endpoint port covered. */
function uncoveredPortTargets(pod: Mapping, covered: string[]): Labels[] {
  const podIP = str(obj(pod.status).podIP);
  // PodIP can be empty when a pod is starting or has been evicted.
  if (podIP === '') return [];
  const targets: Labels[] = [];
  for (const { container, init } of containersOf(obj(pod.spec))) {
    for (const cport of arr(container.ports)) {
      const number = int(cport.containerPort);
      if (covered.includes(number)) continue;
      targets.push({
        __address__: joinHostPort(podIP, number),
        [`${META}pod_container_name`]: str(container.name),
        [`${META}pod_container_image`]: str(container.image),
        [`${META}pod_container_port_name`]: str(cport.name),
        [`${META}pod_container_port_number`]: number,
        [`${META}pod_container_port_protocol`]: str(cport.protocol),
        [`${META}pod_container_init`]: String(init),
        ...podLabels(pod),
      });
    }
  }
  return targets;
}

/** The pods an Endpoints object's addresses refer to, by key. */
export function referencedPods(endpoints: unknown): string[] {
  const keys: string[] = [];
  for (const subset of arr(obj(endpoints).subsets)) {
    for (const address of [...arr(subset.addresses), ...arr(subset.notReadyAddresses)]) {
      const ref = obj(address.targetRef);
      if (ref.kind === 'Pod') keys.push(`${str(ref.namespace)}/${str(ref.name)}`);
    }
  }
  return keys;
}
