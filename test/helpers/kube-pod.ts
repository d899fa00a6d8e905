/**
 * What a pod of a rendered workload would see, without a kubelet: the files its volumeMounts
 * project (ConfigMaps, Secrets, projected volumes, subPath) and its environment (values,
 * secretKeyRef, configMapKeyRef, fieldRef), from the rendered objects and the Secrets a user made
 * beforehand. A reference the kubelet would refuse (a missing non-optional Secret or key) throws,
 * naming the workload and the reference.
 */
import { posix } from 'node:path';
import type { KubeObject } from './kube-apply.js';

type Obj = Record<string, unknown>;

/** A Deployment's, StatefulSet's or DaemonSet's pod template. */
export interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: Obj & { containers: Array<Obj & { name: string }>; volumes?: Array<Obj & { name: string }>; securityContext?: Obj };
}

/** The objects that run pods. */
export const workloads = (objs: KubeObject[]): KubeObject[] => objs.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'DaemonSet');

/** The pod template of a workload. */
export const podOf = (w: KubeObject): PodTemplate => (w.spec as { template: PodTemplate }).template;

/** Whether a matchLabels selector selects these labels. */
export const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** A Secret's keys as text (data is base64, stringData plain). */
export function secretData(s: KubeObject): Record<string, string> {
  const data = Object.fromEntries(Object.entries((s.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  return { ...data, ...((s.stringData ?? {}) as Record<string, string>) };
}

/** ConfigMaps and Secrets by name, as a pod in the namespace finds them. */
interface Sources {
  configMaps: Map<string, Record<string, string>>;
  secrets: Map<string, Record<string, string>>;
  namespace: string;
}

/** One container of a workload's pod as it would run: its mounted files by absolute path, env, command line and working dir. */
export interface PodRuntime {
  container: Obj & { name: string };
  files: Map<string, string>;
  env: Record<string, string>;
  /** command followed by args. */
  argv: string[];
  workingDir: string;
}

/**
 * The runtime view of `container` (default: the first) of a workload, given the rendered objects
 * and Secrets that exist before the install (name -> key -> text).
 */
export function podRuntime(w: KubeObject, objs: KubeObject[], opts: { existingSecrets?: Record<string, Record<string, string>>; namespace: string; container?: string }): PodRuntime {
  const pod = podOf(w);
  const c = opts.container === undefined ? pod.spec.containers[0] : pod.spec.containers.find((x) => x.name === opts.container);
  const where = `${w.kind} ${w.metadata.name}`;
  if (c === undefined) throw new Error(`${where}: no container ${opts.container ?? ''}`);
  const src: Sources = {
    configMaps: new Map(objs.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, (o.data ?? {}) as Record<string, string>])),
    secrets: new Map([...Object.entries(opts.existingSecrets ?? {}), ...objs.filter((o) => o.kind === 'Secret').map((o): [string, Record<string, string>] => [o.metadata.name, secretData(o)])]),
    namespace: opts.namespace,
  };
  return {
    container: c,
    files: podFiles(pod, c, src, where),
    env: podEnv(c, src, where),
    argv: [...((c.command ?? []) as string[]), ...((c.args ?? []) as string[])],
    workingDir: (c.workingDir as string | undefined) ?? '/',
  };
}

type KeyRef = { name: string; key: string; optional?: boolean };

/** The container's environment as the kubelet would set it. */
function podEnv(container: Obj, src: Sources, where: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of (container.env ?? []) as Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef; fieldRef?: { fieldPath: string } } }>) {
    if (e.value !== undefined) env[e.name] = e.value;
    const from = e.valueFrom;
    if (from === undefined) continue;
    const ref = from.secretKeyRef ?? from.configMapKeyRef;
    if (ref !== undefined) {
      const store = from.secretKeyRef ? src.secrets : src.configMaps;
      const v = store.get(ref.name)?.[ref.key];
      if (v === undefined && ref.optional !== true) throw new Error(`${where}: env ${e.name} refers to ${from.secretKeyRef ? 'Secret' : 'ConfigMap'} ${ref.name} key ${ref.key}, which does not exist`);
      if (v !== undefined) env[e.name] = v;
    } else if (from.fieldRef !== undefined) {
      // A StatefulSet pod's index label is its ordinal: the first pod's.
      const path = from.fieldRef.fieldPath;
      env[e.name] = path.includes('pod-index') ? '0' : path === 'metadata.namespace' ? src.namespace : `<${path}>`;
    }
  }
  return env;
}

type ItemList = Array<{ key: string; path: string }> | undefined;

/** The files one volume (or projected source) holds: [relative path, contents]. */
function volumeFiles(v: Obj, src: Sources, where: string): Array<[string, string]> {
  const pick = (kind: string, name: string, data: Record<string, string> | undefined, items: ItemList, optional: boolean | undefined): Array<[string, string]> => {
    if (data === undefined) {
      if (optional === true) return [];
      throw new Error(`${where}: a volume refers to ${kind} ${name}, which is neither rendered nor existing`);
    }
    if (items === undefined) return Object.entries(data);
    return items.flatMap((it): Array<[string, string]> => {
      const text = data[it.key];
      if (text !== undefined) return [[it.path, text]];
      if (optional === true) return [];
      throw new Error(`${where}: ${kind} ${name} has no key ${it.key}`);
    });
  };
  const cm = v.configMap as { name: string; items?: ItemList; optional?: boolean } | undefined;
  if (cm !== undefined) return pick('ConfigMap', cm.name, src.configMaps.get(cm.name), cm.items, cm.optional);
  const secret = v.secret as { secretName?: string; name?: string; items?: ItemList; optional?: boolean } | undefined;
  if (secret !== undefined) {
    const name = secret.secretName ?? secret.name ?? '';
    return pick('Secret', name, src.secrets.get(name), secret.items, secret.optional);
  }
  const projected = v.projected as { sources: Obj[] } | undefined;
  if (projected !== undefined) return projected.sources.flatMap((s) => volumeFiles(s, src, where));
  return [];
}

/** The files the container mounts, by absolute path in the container. */
function podFiles(pod: PodTemplate, c: Obj, src: Sources, where: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of (c.volumeMounts ?? []) as Array<{ name: string; mountPath: string; subPath?: string }>) {
    const volume = (pod.spec.volumes ?? []).find((v) => v.name === m.name);
    if (volume === undefined) throw new Error(`${where}: volumeMount ${m.name} has no volume`);
    for (const [path, text] of volumeFiles(volume, src, where)) {
      if (m.subPath === undefined) files.set(posix.join(m.mountPath, path), text);
      else if (m.subPath === path) files.set(m.mountPath, text);
    }
  }
  return files;
}
