/**
 * List and watch: client-go's reflector and informer, reduced to what discovery needs. Each
 * reflector LISTs one kind of object in one namespace through the core/v1 REST API (JSON), then
 * WATCHes from the listed version, and lists again when the watch expires.
 */
import { StringDecoder } from 'node:string_decoder';
import { backoffDelay, sleep, type BackoffSettings } from '../../../backoff.js';
import type { Logger } from '../../../telemetry/logger.js';
import type { KubernetesSelectorConfig } from './kubernetes-config.js';
import { ApiError, apiError, apiGet, readBody, type KubernetesConnection } from './kubernetes-connection.js';
import { kubernetesObjectKey, obj, str } from './kubernetes-targets.js';

// Bounds on what one answer may hold, so a misbehaving server cannot exhaust memory.
const MAX_LIST_PAGE_BYTES = 64 * 1024 * 1024;
const MAX_WATCH_LINE_BYTES = 16 * 1024 * 1024;

/** The core/v1 resources the roles read. */
export type Resource = 'pods' | 'services' | 'endpoints';
/** What happened to an object in a reflector's store. */
export type Change = 'add' | 'update' | 'delete';

/** What the reflectors of one discovery share. */
export interface ReflectorContext {
  conn: KubernetesConnection;
  signal: AbortSignal;
  log: Logger;
  backoff: BackoffSettings;
  watchTimeoutSeconds: () => number;
}

/** Keeps a local copy of one kind of object in one namespace: LIST, then WATCH from its version. */
export class Reflector {
  readonly store = new Map<string, unknown>();
  synced = false;
  private resourceVersion: string | undefined;
  private failing = false;

  constructor(
    private readonly ctx: ReflectorContext,
    readonly resource: Resource,
    private readonly namespace: string,
    private readonly selector: KubernetesSelectorConfig | undefined,
    private readonly onChange: (resource: Resource, change: Change, key: string, object: unknown) => void,
    private readonly onSynced: () => void,
  ) {}

  private get path(): string {
    return this.namespace === '' ? `/api/v1/${this.resource}` : `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/${this.resource}`;
  }

  private query(): URLSearchParams {
    const q = new URLSearchParams();
    if (this.selector?.label) q.set('labelSelector', this.selector.label);
    if (this.selector?.field) q.set('fieldSelector', this.selector.field);
    return q;
  }

  /** Lists and watches until the discovery stops; API and network errors are logged and retried. */
  async run(): Promise<void> {
    const { signal, backoff } = this.ctx;
    let attempt = 0;
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.list();
        const started = Date.now();
        const events = await this.watch();
        this.recovered();
        // A watch that ends at once without news is retried with backoff, not in a hot loop.
        if (events > 0 || Date.now() - started >= 1000) attempt = 0;
        else await sleep(backoffDelay(attempt++, backoff), signal);
      } catch (err) {
        if (signal.aborted) break;
        this.failed(err as Error);
        await sleep(backoffDelay(attempt++, backoff), signal);
      }
    }
  }

  private failed(err: Error): void {
    const fields = { resource: this.resource, namespace: this.namespace || '(all)', err: err.message };
    if (this.failing) this.ctx.log.debug(fields, 'kubernetes API request failed again');
    else this.ctx.log.warn(fields, 'kubernetes API request failed; retrying with backoff');
    this.failing = true;
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.ctx.log.info({ resource: this.resource, namespace: this.namespace || '(all)' }, 'kubernetes API reachable again');
  }

  /** Lists every page, then replaces the store: absent objects are deleted, others added or updated. */
  private async list(): Promise<void> {
    const items: unknown[] = [];
    let resourceVersion = '';
    let next: string | undefined;
    do {
      const q = this.query();
      q.set('limit', '500');
      if (next !== undefined) q.set('continue', next);
      const res = await apiGet(this.ctx.conn, this.path, q, this.ctx.signal, 60_000);
      if (res.statusCode !== 200) throw await apiError(res, `list ${this.path}`);
      const page = obj(JSON.parse(await readBody(res, MAX_LIST_PAGE_BYTES)));
      items.push(...(Array.isArray(page.items) ? page.items : []));
      resourceVersion = str(obj(page.metadata).resourceVersion);
      next = str(obj(page.metadata).continue) || undefined;
    } while (next !== undefined);
    const listed = new Set<string>();
    for (const item of items) {
      const key = kubernetesObjectKey(item);
      listed.add(key);
      const change: Change = this.store.has(key) ? 'update' : 'add';
      this.store.set(key, item);
      this.onChange(this.resource, change, key, item);
    }
    for (const [key, item] of this.store) {
      if (listed.has(key)) continue;
      this.store.delete(key);
      this.onChange(this.resource, 'delete', key, item);
    }
    this.resourceVersion = resourceVersion;
    this.recovered();
    if (!this.synced) {
      this.synced = true;
      this.onSynced();
    }
  }

  /** Watches from the current version until the server ends the watch; returns the events applied. */
  private async watch(): Promise<number> {
    const timeoutSeconds = this.ctx.watchTimeoutSeconds();
    const q = this.query();
    q.set('watch', '1');
    q.set('resourceVersion', this.resourceVersion ?? '');
    q.set('allowWatchBookmarks', 'true');
    q.set('timeoutSeconds', String(timeoutSeconds));
    const res = await apiGet(this.ctx.conn, this.path, q, this.ctx.signal, (timeoutSeconds + 60) * 1000);
    if (res.statusCode === 410) {
      res.resume();
      this.expired();
      return 0;
    }
    if (res.statusCode !== 200) throw await apiError(res, `watch ${this.path}`);
    // Reachable again now, not when this watch ends minutes later (until then a new failure would log at debug only).
    this.recovered();
    return new Promise<number>((resolve, reject) => {
      const decoder = new StringDecoder('utf8');
      let buffered = '';
      let events = 0;
      const fail = (err: Error) => {
        res.destroy();
        reject(err);
      };
      res.on('data', (chunk: Buffer) => {
        buffered += decoder.write(chunk);
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line === '') continue;
          try {
            events++;
            if (this.apply(line) === 'expired') {
              res.destroy();
              resolve(events);
              return;
            }
          } catch (err) {
            fail(err as Error);
            return;
          }
        }
        if (buffered.length > MAX_WATCH_LINE_BYTES) fail(new Error(`watch event longer than ${MAX_WATCH_LINE_BYTES} bytes`));
      });
      res.on('end', () => resolve(events));
      res.on('error', reject);
      res.on('close', () => resolve(events));
    });
  }

  /** The resource version is too old: the next round lists again (410 Gone). */
  private expired(): void {
    this.resourceVersion = undefined;
    this.ctx.log.info({ resource: this.resource, namespace: this.namespace || '(all)' }, 'kubernetes watch expired; listing again');
  }

  /** Applies one watch event line. */
  private apply(line: string): 'expired' | undefined {
    const event = obj(JSON.parse(line));
    const type = str(event.type);
    const object = event.object;
    if (type === 'ERROR') {
      const status = obj(object);
      if (status.code === 410) {
        this.expired();
        return 'expired';
      }
      throw new ApiError(typeof status.code === 'number' ? status.code : 0, `watch ${this.path}: ${str(status.message) || line.slice(0, 300)}`);
    }
    const resourceVersion = str(obj(obj(object).metadata).resourceVersion);
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED' && type !== 'BOOKMARK') throw new Error(`watch ${this.path}: unexpected event type "${type}"`);
    if (resourceVersion !== '') this.resourceVersion = resourceVersion;
    if (type === 'BOOKMARK') return undefined;
    const key = kubernetesObjectKey(object);
    if (type === 'DELETED') {
      this.store.delete(key);
      this.onChange(this.resource, 'delete', key, object);
      return undefined;
    }
    const change: Change = this.store.has(key) ? 'update' : 'add';
    this.store.set(key, object);
    this.onChange(this.resource, change, key, object);
    return undefined;
  }
}
