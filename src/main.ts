/**
 * The composition root: builds the queue, the store and the targets this process runs from the
 * validated configuration, and stops them in the order that loses nothing. Components never
 * import each other; they are wired here. Each target's modules are imported only when the
 * process runs it: a collector does not pay for the query server, PromQL, the alerter or the
 * Elasticsearch client (docs/adr/0016-ingester-cost.md).
 */
import type { FastifyInstance } from 'fastify';
import { createAdminServer, processReadiness, type Readiness, type ReadinessCheck } from './admin/server.js';
import type { SnapshotReader } from './alerting/snapshot/index.js';
import type { RunningAlerter } from './alerter.js';
import { backoffDelay, sleep } from './backoff.js';
import { parseEndpoint } from './config/load.js';
import type { BraidConfig } from './config/schema.js';
import type { Ingester } from './ingest/ingester.js';
import type { Head } from './promql/head/index.js';
import type { HeadFeed } from './promql/head/feed.js';
import type { TenantHeads } from './promql/head/tenants.js';
import { createMemoryQueue } from './queue/memory/memory-queue.js';
import { createQueueMetrics } from './queue/metrics.js';
import { startLagReader, type LagReader } from './queue/lag.js';
import type { Queue } from './queue/queue.js';
import { registerHttpBody } from './receivers/http-body.js';
import { createReceiverMetrics } from './receivers/metrics.js';
import { registerOtlpHttp } from './receivers/otlp/http.js';
import { startOtlpGrpc, type OtlpGrpcServer } from './receivers/otlp/grpc.js';
import { registerElasticsearchRoutes } from './receivers/elasticsearch/http.js';
import { registerRemoteWrite } from './receivers/prometheus/http.js';
import { remoteWriteToOtlp, type WriteRequest } from './receivers/prometheus/remote-write.js';
import type { Scraper } from './receivers/prometheus/scrape/manager.js';
import { exportMetrics } from './receivers/otlp/export-metrics.js';
import { registerZipkinRoutes } from './receivers/zipkin/http.js';
import { createReceiverTenancy } from './receivers/tenancy.js';
import { BraidError } from './errors.js';
import type { Store } from './storage/store.js';
import { closeHttpServer, createHttpServer } from './telemetry/http-server.js';
import type { Logger } from './telemetry/logger.js';
import { createRegistry, type Registry } from './telemetry/metrics.js';
import { startTracing } from './telemetry/tracing.js';
import { createSecurity } from './security/index.js';

/** Where each server of a running Braid listens (port 0 in config means "any free port"). */
export interface BraidAddresses {
  admin: string;
  otlpHttp?: string;
  otlpGrpc?: string;
  zipkin?: string;
  /** The Elasticsearch-compatible log receiver (`_bulk` for log shippers). */
  elasticsearch?: string;
  query?: string;
}

/** A running Braid process. */
export interface RunningBraid {
  addresses: BraidAddresses;
  registry: Registry;
  /** The default tenant's head of recent samples (query and alerter targets, when a metrics stream reaches this process). */
  head?: Head;
  /** Every tenant's head (the default tenant's is `head`). */
  heads?: TenantHeads;
  /** Resolves once the head holds everything of its window (Kafka: rebuilt from the metrics topic). */
  headReady?: Promise<void>;
  /** Re-reads the alerter's rule files (SIGHUP, POST /-/reload); a bad file keeps the old rules. */
  reload(): Promise<{ ok: boolean; errors: string[] }>;
  /** Drains and stops everything; resolves true when everything accepted reached the store. */
  stop(): Promise<boolean>;
  /** What /readyz answers for this process (a cluster primary asks each worker). */
  readiness(): Promise<Readiness>;
}

/** Options of `startBraid` that are not user configuration. */
export interface StartOptions {
  log: Logger;
  /** Aborting it during start-up stops waiting for Kafka/Elasticsearch. */
  signal?: AbortSignal;
  /** False in a cluster worker: the primary serves the admin port for all workers (src/cluster). */
  admin?: boolean;
}

const url = (host: string, port: number, secure: boolean) => `${secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

async function listen(app: FastifyInstance, endpoint: string, secure: boolean): Promise<string> {
  const { host, port } = parseEndpoint(endpoint);
  await app.listen({ host, port });
  const addr = app.server.address();
  return url(host, typeof addr === 'object' && addr ? addr.port : port, secure);
}

/** Retries a dependency's start with backoff until it succeeds or `signal` aborts. */
async function startDependency(name: string, start: () => Promise<void>, log: Logger, signal?: AbortSignal): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await start();
      if (attempt > 0) log.info({ dependency: name }, 'dependency reachable');
      return;
    } catch (err) {
      // Unreachable is worth waiting for; refused (a template Elasticsearch rejects, say) is not.
      if (signal?.aborted || (err instanceof BraidError && !err.transient)) throw err;
      if (attempt === 0) log.warn({ dependency: name, err: (err as Error).message }, 'dependency unreachable; retrying with backoff');
      await sleep(backoffDelay(attempt, { initialMs: 500, maxMs: 10_000 }), signal);
    }
  }
}

/** Starts the targets of `config`. */
export async function startBraid(config: BraidConfig, options: StartOptions): Promise<RunningBraid> {
  const { log } = options;
  const registry = createRegistry();
  // Auth and TLS of every listener; a bad tokens file or certificate stops start-up here, naming its setting.
  const security = createSecurity(config, { log, registry });
  const secure = config.tls !== undefined;
  const stopTracing = await startTracing(config.telemetry.tracing);
  const has = (t: string) => config.targets.includes(t as never);
  // The head of query and alerter reads the metrics stream: Kafka, or the in-process queue of a collector here.
  const wantsHead = has('query') || has('alerter');
  const needsQueue = has('collector') || has('ingester') || (wantsHead && config.queueKind === 'kafka');
  // The alerter reads Elasticsearch for ranges older than the head and for example traces.
  const needsStore = has('ingester') || has('query') || (has('alerter') && config.storeKind === 'elasticsearch');

  const queueMetrics = createQueueMetrics(registry);
  const queue: Queue | undefined = !needsQueue
    ? undefined
    : config.queueKind === 'kafka'
      ? (await import('./queue/kafka/kafka-queue.js')).createKafkaQueue({ ...config.queue.kafka }, queueMetrics, log.child({ component: 'kafka' }))
      : createMemoryQueue({ ...config.queue.memory, topicPrefix: config.queue.kafka.topic_prefix }, queueMetrics, log.child({ component: 'memory-queue' }));
  const es = config.storage.elasticsearch;
  const store: Store | undefined = !needsStore
    ? undefined
    : config.storeKind === 'elasticsearch' && es.url !== undefined
      ? (await import('./storage/elasticsearch/es-store.js')).createElasticsearchStore({ ...es, url: es.url }, log.child({ component: 'elasticsearch' }))
      : (await import('./storage/memory/memory-store.js')).createMemoryStore(config.storage.memory);

  let stopping = false;
  let started = false;
  const checks: ReadinessCheck[] = [];
  if (queue) checks.push({ name: `queue (${queue.kind})`, check: () => queue.ping() });
  if (store) checks.push({ name: `store (${store.kind})`, check: () => store.ping() });
  let alerter: RunningAlerter | undefined;
  const reload = async (): Promise<{ ok: boolean; errors: string[] }> => (alerter ? alerter.reload() : { ok: false, errors: ['this process runs no alerter target'] });
  const phase = () => (stopping ? 'stopping' : started ? 'running' : 'starting');
  const admin = options.admin === false ? undefined : createAdminServer(registry, checks, phase, log, reload, security);
  const addresses: BraidAddresses = { admin: admin ? await listen(admin, config.admin.endpoint, secure) : '' };

  if (queue) await startDependency(`queue (${queue.kind})`, () => queue.start(), log, options.signal);
  if (store) await startDependency(`store (${store.kind})`, () => store.start(), log, options.signal);

  let ingester: Ingester | undefined;
  if (has('ingester') && queue && store) {
    const [{ startIngester }, { createIngestMetrics }, { derivedSettings }, tenantLimits] = await Promise.all([import('./ingest/ingester.js'), import('./ingest/metrics.js'), import('./ingest/derived/settings.js'), import('./tenancy/limits.js')]);
    ingester = await startIngester(
      { groupId: config.queue.kafka.group_id, derived: derivedSettings(config.ingest), limits: (tenant) => tenantLimits.limitsFor(config, tenant) },
      { queue, store, metrics: createIngestMetrics(registry), log: log.child({ component: 'ingester' }) },
    );
  }

  let head: Head | undefined;
  let heads: TenantHeads | undefined;
  let headFeed: HeadFeed | undefined;
  if (wantsHead && queue && (queue.kind === 'kafka' || has('collector'))) {
    const [{ createTenantHeads }, { startHeadFeed }, { decodeMetricsRequest }, { limitsFor }] = await Promise.all([import('./promql/head/tenants.js'), import('./promql/head/feed.js'), import('./model/otlp/metrics-proto.js'), import('./tenancy/limits.js')]);
    // A head per tenant, each bounded by its tenant's series limit (src/promql/head/tenants.ts).
    heads = createTenantHeads({
      headSettings: (tenant) => ({ windowMs: config.head.window, maxBytes: config.head.max_bytes, maxSeries: limitsFor(config, tenant).max_series_per_tenant }),
      onCreate: (tenant) => log.info({ tenant }, 'head created for a tenant'),
    }, registry);
    head = heads.defaultHead;
    // Kafka holds the window: rebuild from it. The in-process queue holds nothing older than this process.
    const fromMs = queue.kind === 'kafka' ? Date.now() - config.head.window : Date.now();
    headFeed = await startHeadFeed(heads, (from, handler) => queue.read(['metrics'], from, handler, new AbortController().signal), decodeMetricsRequest, fromMs);
    void headFeed.ready.then(() => log.info({ fromMs, series: head?.stats().series }, 'head ready'));
  }

  // The ingesters' lag as a gauge, from every process that writes or reads the data topics (Kafka's view of the group).
  const lagReader: LagReader | undefined =
    queue && (has('ingester') || has('collector')) ? startLagReader(queue, { group: config.queue.kafka.group_id, topicPrefix: config.queue.kafka.topic_prefix }, queueMetrics, log.child({ component: 'lag' })) : undefined;

  // Retention is Braid's own job (no ILM, no cron): the ingesters sweep at start and hourly.
  const retention = new AbortController();
  const retentionLoop = ingester && store ? sweepRetentionLoop(store, es.retention_days, log, retention.signal) : Promise.resolve();

  let otlpHttp: FastifyInstance | undefined;
  let otlpGrpc: OtlpGrpcServer | undefined;
  let zipkin: FastifyInstance | undefined;
  let esReceiver: FastifyInstance | undefined;
  let scraper: Scraper | undefined;
  if (has('collector') && queue) {
    const metrics = createReceiverMetrics(registry);
    // Per-tenant ingest rates, shared by every receiver of this process.
    const tenancy = createReceiverTenancy(config);
    const h = config.receivers.otlp.http;
    const z = config.receivers.zipkin;
    if (h.enabled) {
      otlpHttp = createHttpServer(log, 'otlp-http', { bodyLimit: h.max_request_body_size_mib * 1024 * 1024, security });
      registerHttpBody(otlpHttp);
      registerOtlpHttp(otlpHttp, { queue, metrics, tenancy });
      registerRemoteWrite(otlpHttp, { queue, metrics, tenancy, maxBodyBytes: h.max_request_body_size_mib * 1024 * 1024 });
      // Zipkin's path on the OTLP port too, so one endpoint takes both formats.
      if (z.enabled) registerZipkinRoutes(otlpHttp, { queue, metrics, tenancy });
      addresses.otlpHttp = await listen(otlpHttp, h.endpoint, secure);
    }
    if (z.enabled) {
      zipkin = createHttpServer(log, 'zipkin', { bodyLimit: z.max_request_body_size_mib * 1024 * 1024, security });
      registerHttpBody(zipkin);
      registerZipkinRoutes(zipkin, { queue, metrics, tenancy });
      addresses.zipkin = await listen(zipkin, z.endpoint, secure);
    }
    const e = config.receivers.elasticsearch;
    if (e.enabled) {
      esReceiver = createHttpServer(log, 'elasticsearch-receiver', { bodyLimit: e.max_request_body_size_mib * 1024 * 1024, security });
      registerHttpBody(esReceiver);
      registerElasticsearchRoutes(esReceiver, { queue, metrics, tenancy });
      addresses.elasticsearch = await listen(esReceiver, e.endpoint, secure);
    }
    const p = config.receivers.prometheus;
    if (p.enabled) {
      // Scraped series travel as remote write does: translated to OTLP metrics, then queued.
      const sink = async (req: WriteRequest) => void (await exportMetrics({ data: remoteWriteToOtlp(req), rejected: 0, errors: [] }, 'scrape', queue, metrics));
      const { startScraper } = await import('./receivers/prometheus/scrape/manager.js');
      scraper = await startScraper({ configFile: p.config_file, shard: p.shard }, sink, log.child({ component: 'scraper' }));
    }
    const g = config.receivers.otlp.grpc;
    if (g.enabled) {
      const { host, port } = parseEndpoint(g.endpoint);
      otlpGrpc = await startOtlpGrpc({ host, port, maxRecvMsgSizeMiB: g.max_recv_msg_size_mib, security }, { queue, metrics, tenancy, log: log.child({ component: 'otlp-grpc' }) });
      addresses.otlpGrpc = `${host}:${otlpGrpc.port}`;
    }
  }

  const maxSamples = config.query.prometheus.max_samples;
  if (has('alerter') && heads && queue) {
    const [{ startAlerter }, { recentSeriesSource }] = await Promise.all([import('./alerter.js'), import('./query/prometheus/recent.js')]);
    alerter = await startAlerter({
      config, heads, headReady: headFeed?.ready ?? Promise.resolve(), queue, registry, log,
      sourceFor: (tenant, h) => (store ? recentSeriesSource(store.forTenant(tenant), maxSamples, h) : h),
      ...(store ? { store } : {}),
    });
  } else if (has('alerter')) {
    log.warn('the alerter target needs the metrics stream (Kafka, or a collector in this process); it runs idle');
  }

  let query: FastifyInstance | undefined;
  let snapshotReader: SnapshotReader | undefined;
  if (has('query') && store) {
    const a = config.alerting;
    const [{ createTenantRuleFilesProvider, tenantRuleFiles }, { startSnapshotReader }, { createQueryServer }] = await Promise.all([import('./alerting/evaluator/index.js'), import('./alerting/snapshot/index.js'), import('./query/server.js')]);
    const ruleFiles = tenantRuleFiles(a);
    const files = createTenantRuleFilesProvider(ruleFiles, { evaluationIntervalMs: a.evaluation_interval }, log);
    // Distributed: the alerter runs elsewhere and publishes each tenant's answers on the state topic.
    if (!alerter && queue?.kind === 'kafka') snapshotReader = startSnapshotReader({ intervalMs: a.evaluation_interval, tenants: [...ruleFiles.keys()] }, { load: (keys) => queue.loadStates(keys), fallback: files.of, registry, log: log.child({ component: 'alerter-snapshot' }) });
    // Each request reads its tenant's rules and alerts, and its tenant's head.
    const rules = alerter ? alerter.answers : (snapshotReader ?? files);
    const tenantHead = heads ? (tenant: string) => heads?.get(tenant) : undefined;
    // limits.max_query_length and limits.query_timeout of each request's tenant (src/promql/limits.ts).
    const { limitsFor } = await import('./tenancy/limits.js');
    const limits = (tenant: string) => {
      const l = limitsFor(config, tenant);
      return { maxQueryLengthMs: l.max_query_length, timeoutMs: l.query_timeout };
    };
    query = createQueryServer(store, log, { maxSamples, rules, limits }, tenantHead, {}, security);
    addresses.query = await listen(query, config.query.endpoint, secure);
  }
  started = true;
  log.info({ targets: config.targets, queue: queue?.kind, store: store?.kind, addresses }, 'braid started');

  async function stop(): Promise<boolean> {
    stopping = true;
    const deadline = Date.now() + Math.max(1_000, config.shutdown_timeout_seconds * 1000 - 3_000);
    log.info('stopping: receivers close first, then the ingester drains what they accepted');
    await scraper?.stop();
    await Promise.all([(otlpHttp ? closeHttpServer(otlpHttp) : Promise.resolve()).then(() => log.debug('otlp http closed')), otlpGrpc?.close().then(() => log.debug('otlp grpc closed')), zipkin ? closeHttpServer(zipkin).then(() => log.debug('zipkin closed')) : undefined, esReceiver ? closeHttpServer(esReceiver) : undefined]);
    let drained = true;
    if (ingester && queue) {
      log.info('receivers closed; waiting for the ingester to catch up');
      drained = await waitDrained(queue, config.queue.kafka.group_id, deadline, log);
      await ingester.stop();
      retention.abort();
      await retentionLoop;
    }
    await alerter?.stop();
    await lagReader?.stop();
    await Promise.all([query ? closeHttpServer(query, 1_000) : undefined, admin ? closeHttpServer(admin, 1_000) : undefined]);
    await snapshotReader?.stop();
    await headFeed?.stop();
    heads?.close();
    await Promise.allSettled([queue?.close(), store?.close(), stopTracing()]);
    security.close();
    log.info({ drained }, 'stopped');
    return drained;
  }
  return { addresses, registry, stop, reload, readiness: () => processReadiness(checks, phase()), ...(head ? { head } : {}), ...(heads ? { heads } : {}), ...(headFeed ? { headReady: headFeed.ready } : {}) };
}

/** Deletes indices past retention now and every hour until `signal` aborts. */
async function sweepRetentionLoop(store: Store, retentionDays: number, log: Logger, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      await store.sweepRetention(retentionDays, Date.now());
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'retention sweep failed; next try in an hour');
    }
    await sleep(3_600_000, signal);
  }
}

/** Waits until the ingester has committed everything in the queue, or the deadline passes. */
async function waitDrained(queue: Queue, group: string, deadline: number, log: Logger): Promise<boolean> {
  for (;;) {
    let lag: number;
    try {
      lag = await queue.lag(group, ['spans']);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot read the ingester lag while draining');
      lag = -1;
    }
    if (lag === 0) return true;
    log.debug({ lag }, 'draining');
    if (Date.now() >= deadline) {
      log.error({ lag }, 'shutdown deadline reached before the ingester caught up; the rest stays in the queue');
      return false;
    }
    await sleep(100);
  }
}
