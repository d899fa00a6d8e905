/**
 * Kubernetes service discovery (Prometheus's kubernetes_sd_config) for the roles pod, service and
 * endpoints. The mapping from API objects to target groups follows Prometheus's
 * discovery/kubernetes package label for label; the client LISTs then WATCHes the core/v1 REST API
 * (JSON) per namespace, as client-go's reflector does, and re-lists when the watch expires.
 *
 * This file wires one discovery together; the parts: kubernetes-config.ts (the entry's validation,
 * with kubernetes-selectors.ts), kubernetes-connection.ts (API server, auth, TLS, requests),
 * kubernetes-reflector.ts (list and watch) and kubernetes-targets.ts (objects to target groups).
 */
import type { BackoffSettings } from '../../../backoff.js';
import type { Logger } from '../../../telemetry/logger.js';
import type { KubernetesRole, KubernetesSdConfig, KubernetesSelectorConfig } from './kubernetes-config.js';
import { resolveKubernetesConnection } from './kubernetes-connection.js';
import { Reflector, type Change, type ReflectorContext, type Resource } from './kubernetes-reflector.js';
import { endpointsTargetGroup, obj, podTargetGroup, referencedPods, serviceTargetGroup, strings } from './kubernetes-targets.js';
import type { Discoverer, TargetGroup } from './types.js';

// The component's entry: the scrape manager validates its entries and starts discovery from here.
export { parseKubernetesSdConfig, type KubernetesSdConfig } from './kubernetes-config.js';

const SELECTOR_ROLE: Record<Resource, KubernetesRole> = { pods: 'pod', services: 'service', endpoints: 'endpoints' };

/** Tuning of the discovery loop; the defaults suit production. */
export interface KubernetesDiscoverySettings {
  /** Retry delays after API errors (client-go: 800 ms up to 30 s). */
  backoff?: BackoffSettings;
  /** Watch timeout asked of the server; default a random 5 to 10 minutes, as client-go. */
  watchTimeoutSeconds?: number;
  /** Environment and service-account folder for in-cluster configuration. */
  env?: NodeJS.ProcessEnv;
  serviceAccountDir?: string;
  /** Stops the discovery like stop(). */
  signal?: AbortSignal;
}

/**
 * Discovery of one role in one namespace (Prometheus runs one per namespace too): its reflectors,
 * and the groups to send when their objects change. Nothing is sent before every reflector has
 * listed once, so the first update holds the whole initial state.
 */
class NamespaceDiscovery {
  readonly reflectors: Reflector[];
  private readonly byResource = new Map<Resource, Reflector>();
  private readonly dirty = new Set<string>();
  /** Endpoints keys by the pod keys they refer to, so a pod update rebuilds its endpoints. */
  private readonly endpointsByPod = new Map<string, Set<string>>();
  /** The reverse, so re-indexing one endpoints object costs its own references only. */
  private readonly podsByEndpoints = new Map<string, string[]>();
  private readonly warnedOverCapacity = new Set<string>();
  private flushScheduled = false;

  constructor(
    private readonly role: KubernetesRole,
    namespace: string,
    selectors: KubernetesSelectorConfig[],
    ctx: ReflectorContext,
    private readonly log: Logger,
    private readonly emit: (groups: TargetGroup[]) => void,
  ) {
    const resources: Resource[] = role === 'pod' ? ['pods'] : role === 'service' ? ['services'] : ['endpoints', 'services', 'pods'];
    this.reflectors = resources.map((resource) => {
      const selector = selectors.find((s) => s.role === SELECTOR_ROLE[resource]);
      const reflector = new Reflector(ctx, resource, namespace, selector, (...a) => this.changed(...a), () => this.schedule());
      this.byResource.set(resource, reflector);
      return reflector;
    });
  }

  private store(resource: Resource): Map<string, unknown> {
    return this.byResource.get(resource)?.store ?? new Map();
  }

  private changed(resource: Resource, change: Change, key: string, object: unknown): void {
    if (this.role !== 'endpoints' || resource === 'endpoints') {
      if (this.role === 'endpoints') this.index(key, change === 'delete' ? [] : referencedPods(object));
      this.dirty.add(key);
    } else if (resource === 'services') {
      // A service's labels are on the endpoints of the same name.
      if (this.store('endpoints').has(key)) this.dirty.add(key);
    } else if (change === 'update') {
      for (const endpointsKey of this.endpointsByPod.get(key) ?? []) this.dirty.add(endpointsKey);
    }
    this.schedule();
  }

  private index(endpointsKey: string, podKeys: string[]): void {
    for (const podKey of this.podsByEndpoints.get(endpointsKey) ?? []) {
      const set = this.endpointsByPod.get(podKey);
      if (set?.delete(endpointsKey) && set.size === 0) this.endpointsByPod.delete(podKey);
    }
    if (podKeys.length === 0) this.podsByEndpoints.delete(endpointsKey);
    else this.podsByEndpoints.set(endpointsKey, podKeys);
    for (const podKey of podKeys) {
      const set = this.endpointsByPod.get(podKey) ?? new Set();
      set.add(endpointsKey);
      this.endpointsByPod.set(podKey, set);
    }
  }

  /** Sends the changed groups after the current batch of events, once every reflector has synced. */
  private schedule(): void {
    if (this.flushScheduled || this.dirty.size === 0 || !this.reflectors.every((r) => r.synced)) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      const keys = [...this.dirty];
      this.dirty.clear();
      this.emit(keys.flatMap((key) => this.buildSafely(key)));
    });
  }

  /** A malformed object costs its own group, never the process (this runs outside any caller). */
  private buildSafely(key: string): TargetGroup[] {
    try {
      return [this.build(key)];
    } catch (err) {
      this.log.error({ key, err: (err as Error).message }, 'kubernetes_sd could not build a target group');
      return [];
    }
  }

  /** The group of `key` now; an empty one when its object is gone. */
  private build(key: string): TargetGroup {
    if (this.role === 'pod') {
      const pod = this.store('pods').get(key);
      return pod === undefined ? { source: `pod/${key}`, targets: [], labels: {} } : podTargetGroup(pod);
    }
    if (this.role === 'service') {
      const svc = this.store('services').get(key);
      return svc === undefined ? { source: `svc/${key}`, targets: [], labels: {} } : serviceTargetGroup(svc);
    }
    const endpoints = this.store('endpoints').get(key);
    if (endpoints === undefined) return { source: `endpoints/${key}`, targets: [], labels: {} };
    this.warnOverCapacity(key, endpoints);
    return endpointsTargetGroup(endpoints, this.store('services'), this.store('pods'));
  }

  private warnOverCapacity(key: string, endpoints: unknown): void {
    const v = Object.fromEntries(strings(obj(obj(endpoints).metadata).labels))['endpoints.kubernetes.io/over-capacity'];
    if ((v !== 'truncated' && v !== 'warning') || this.warnedOverCapacity.has(key)) return;
    this.warnedOverCapacity.add(key);
    const more = v === 'truncated' ? ' and has been truncated' : '';
    this.log.warn({ endpoints: key }, `number of endpoints in one Endpoints object exceeds 1000${more}, please use "role: endpointslice" instead`);
  }
}

/**
 * Starts discovering targets for `config`: lists the objects of its role in each namespace (or
 * all), calls `onUpdate` with every group once all lists are in, then with the groups that change
 * as the watches report; a deleted object's group comes back empty. API errors are logged and
 * retried with backoff; they never stop the process. Throws BRAID_ERR_CONFIG_INVALID at once when
 * the in-cluster configuration cannot be loaded.
 */
export function startKubernetesDiscovery(config: KubernetesSdConfig, onUpdate: (groups: TargetGroup[]) => void, log: Logger, settings: KubernetesDiscoverySettings = {}): Discoverer {
  const conn = resolveKubernetesConnection(config, settings.env, settings.serviceAccountDir);
  const controller = new AbortController();
  const stopOnSignal = () => controller.abort();
  settings.signal?.addEventListener('abort', stopOnSignal, { once: true });
  if (settings.signal?.aborted) controller.abort();
  const klog = log.child({ component: 'kubernetes_sd', role: config.role });
  const ctx: ReflectorContext = {
    conn,
    signal: controller.signal,
    log: klog,
    backoff: settings.backoff ?? { initialMs: 800, maxMs: 30_000 },
    watchTimeoutSeconds: () => settings.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random())),
  };
  const emit = (groups: TargetGroup[]) => {
    if (controller.signal.aborted || groups.length === 0) return;
    try {
      onUpdate(groups);
    } catch (err) {
      klog.error({ err: (err as Error).message }, 'kubernetes_sd update handler failed');
    }
  };
  const units = conn.namespaces.map((ns) => new NamespaceDiscovery(config.role, ns, config.selectors, ctx, klog, emit));
  const runs = units.flatMap((u) => u.reflectors.map((r) => r.run()));
  klog.info({ api_server: conn.apiServer, namespaces: conn.namespaces.map((n) => n || '(all)') }, 'kubernetes_sd started');
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        controller.abort();
        settings.signal?.removeEventListener('abort', stopOnSignal);
        await Promise.allSettled(runs);
        klog.info('kubernetes_sd stopped');
      })();
      return stopped;
    },
  };
}
