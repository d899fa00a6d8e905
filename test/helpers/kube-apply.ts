/**
 * Server-side apply of YAML manifests to a real kube-apiserver (scripts/infra/kubernetes.ts), as
 * `kubectl apply --server-side [--dry-run=server]` does: PATCH with application/apply-patch+yaml,
 * resource paths found through API discovery, strict field validation so a misspelt field is an
 * error rather than silently dropped.
 */
import { parseAllDocuments } from 'yaml';
import type { KubeApiServer } from '../../scripts/infra/kubernetes.js';

/** One Kubernetes object as a manifest holds it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Options of one apply. */
export interface ApplyOptions {
  /** Validate and admit but persist nothing (`?dryRun=All`). */
  dryRun?: boolean;
  /** Namespace of namespaced objects that name none (default `default`). */
  namespace?: string;
  /** Take over fields another manager owns (default true, as a test owns its cluster). */
  force?: boolean;
}

/** What discovery says about a kind: its plural resource name and whether it lives in a namespace. */
interface ResourceInfo {
  name: string;
  namespaced: boolean;
}

/** An apply the server refused: names the object and carries the server's message. */
export class KubeApplyError extends Error {
  override name = 'KubeApplyError';
}

/** Parses a multi-document YAML text into objects, skipping empty documents; a YAML error names the document. */
export function parseManifests(text: string, source = 'manifest'): KubeObject[] {
  const out: KubeObject[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) throw new KubeApplyError(`${source}: document ${i + 1}: ${doc.errors[0]!.message}`);
    const obj = doc.toJS() as unknown;
    if (obj === null || obj === undefined) return;
    if (typeof obj !== 'object' || Array.isArray(obj)) throw new KubeApplyError(`${source}: document ${i + 1} is not an object`);
    const o = obj as Partial<KubeObject>;
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
      throw new KubeApplyError(`${source}: document ${i + 1} lacks apiVersion, kind or metadata.name`);
    }
    out.push(o as KubeObject);
  });
  return out;
}

/** `Kind namespace/name` (or `Kind name` when cluster-scoped), as errors name an object. */
export function describeObject(o: KubeObject): string {
  return `${o.kind} ${o.metadata.namespace === undefined ? '' : `${o.metadata.namespace}/`}${o.metadata.name}`;
}

/** Applies objects to one API server as one field manager. */
export class KubeApplier {
  private readonly discovered = new Map<string, Promise<Map<string, ResourceInfo>>>();

  constructor(
    private readonly kube: KubeApiServer,
    private readonly fieldManager = 'braid-test',
  ) {}

  /** The plural resource and scope of `kind` in `apiVersion`, from /api/v1 or /apis/<group>/<version>. */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const found = (await this.discover(apiVersion)).get(kind);
    if (found !== undefined) return found;
    // A CRD created since the last look: discovery is read again once.
    this.discovered.delete(apiVersion);
    const again = (await this.discover(apiVersion)).get(kind);
    if (again === undefined) throw new KubeApplyError(`${kind} (${apiVersion}): the API server serves no such kind`);
    return again;
  }

  private discover(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    let p = this.discovered.get(apiVersion);
    if (p === undefined) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      p = this.kube.request('GET', path).then(
        (list) => {
          const m = new Map<string, ResourceInfo>();
          // Subresources (deployments/scale, pods/status) share their parent's kind: skip them.
          for (const r of (list.resources ?? []) as Array<{ name: string; kind: string; namespaced: boolean }>) {
            if (!r.name.includes('/')) m.set(r.kind, { name: r.name, namespaced: r.namespaced });
          }
          return m;
        },
        // An unknown group/version (a CRD not installed yet) is no kind at all, not a failure.
        () => new Map<string, ResourceInfo>(),
      );
      this.discovered.set(apiVersion, p);
    }
    return p;
  }

  /** The REST path of the object itself. */
  async pathOf(o: KubeObject, defaultNamespace = 'default'): Promise<string> {
    const r = await this.resource(o.apiVersion, o.kind);
    const base = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
    const name = encodeURIComponent(o.metadata.name);
    if (!r.namespaced) {
      if (o.metadata.namespace !== undefined) throw new KubeApplyError(`${describeObject(o)}: ${o.kind} is cluster-scoped but the object names namespace ${o.metadata.namespace}`);
      return `${base}/${r.name}/${name}`;
    }
    return `${base}/namespaces/${encodeURIComponent(o.metadata.namespace ?? defaultNamespace)}/${r.name}/${name}`;
  }

  /** Server-side apply of one object; resolves with the object as the server (would have) stored it. */
  async apply(o: KubeObject, opts: ApplyOptions = {}): Promise<KubeObject> {
    const path = await this.pathOf(o, opts.namespace);
    const q = new URLSearchParams({ fieldManager: this.fieldManager, fieldValidation: 'Strict' });
    if (opts.force ?? true) q.set('force', 'true');
    if (opts.dryRun === true) q.set('dryRun', 'All');
    try {
      // JSON is YAML: the body goes as the apply patch it is.
      return (await this.kube.request('PATCH', `${path}?${q.toString()}`, o, 'application/apply-patch+yaml')) as unknown as KubeObject;
    } catch (e) {
      // The request's query string says nothing the reader needs: cut it from the message.
      const message = (e instanceof Error ? e.message : String(e)).replace(/\?\S*?: /, ': ');
      throw new KubeApplyError(`${describeObject(o)}${opts.dryRun === true ? ' (dry run)' : ''}: ${message}`, { cause: e });
    }
  }

  /** Applies objects in order; every refusal is collected, and one error lists them all. */
  async applyAll(objects: KubeObject[], opts: ApplyOptions = {}): Promise<KubeObject[]> {
    const stored: KubeObject[] = [];
    const errors: string[] = [];
    for (const o of objects) {
      try {
        stored.push(await this.apply(o, opts));
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    if (errors.length > 0) throw new KubeApplyError(`${errors.length} of ${objects.length} object(s) refused:\n${errors.join('\n')}`);
    return stored;
  }

  /** Creates the namespace unless it exists. */
  async ensureNamespace(name: string): Promise<void> {
    await this.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  /** Applies CustomResourceDefinitions and waits until each is Established and its kind is discoverable. */
  async installCrds(crds: KubeObject[], timeoutMs = 30_000): Promise<void> {
    for (const crd of crds) {
      if (crd.kind !== 'CustomResourceDefinition') throw new KubeApplyError(`${describeObject(crd)}: not a CustomResourceDefinition`);
      await this.apply(crd);
    }
    for (const crd of crds) {
      const spec = crd.spec as { group: string; names: { kind: string }; versions: Array<{ name: string; served: boolean }> };
      await poll(`CRD ${crd.metadata.name} Established and served`, timeoutMs, async () => {
        const got = await this.kube.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
        const conditions = ((got.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []);
        if (!conditions.some((c) => c.type === 'Established' && c.status === 'True')) throw new KubeApplyError(`CRD ${crd.metadata.name} is not Established`);
        for (const v of spec.versions.filter((x) => x.served)) await this.resource(`${spec.group}/${v.name}`, spec.names.kind);
      });
    }
  }
}

/** Retries `fn` every 100 ms until it resolves; past the deadline, rejects with its last error. */
async function poll(what: string, timeoutMs: number, fn: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw new KubeApplyError(`timed out after ${timeoutMs} ms waiting for ${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
