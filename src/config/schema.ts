/**
 * The user-facing YAML configuration. Every object is strict: an unknown or mistyped key stops
 * start-up with its full path. Defaults here are the embedded all-in-one: in-process queue,
 * memory store, every target in one process.
 */
import { z } from 'zod';
import { parseDurationMs } from '../promql/literals.js';

/** The targets `braid serve --target` accepts. */
export const TARGETS = ['collector', 'ingester', 'query', 'alerter'] as const;
/** One target of the binary. */
export type Target = (typeof TARGETS)[number];

const endpoint = (port: number) =>
  z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/, 'expected host:port, e.g. "127.0.0.1:4318"')
    .default(`127.0.0.1:${port}`);

const positiveInt = z.number().int().positive();

/** A Prometheus duration string ("15s", "1m30s", "2h"), parsed to milliseconds. */
export const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDurationMs(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `not a valid duration: ${JSON.stringify(text)} (expected a Prometheus duration such as 15s, 1m30s, 2h)` });
        return z.NEVER;
      }
      return ms;
    });

const alertmanager = z.strictObject({
  url: z.string().url(),
  timeout: duration('10s'),
  /** HTTP basic auth or a bearer token for Alertmanager, when it is behind a proxy that asks. */
  basic_auth: z.strictObject({ username: z.string(), password_file: z.string().optional(), password: z.string().optional() }).optional(),
  bearer_token_file: z.string().optional(),
});

const webhook = z.strictObject({
  url: z.string().url(),
  name: z.string().min(1).optional(),
  group_by: z.array(z.string().min(1)).default(['alertname']),
  group_wait: duration('30s'),
  group_interval: duration('5m'),
  repeat_interval: duration('4h'),
  send_resolved: z.boolean().default(true),
  hmac_secret_file: z.string().min(1).optional(),
  body_template_file: z.string().min(1).optional(),
  /** An inline body template (instead of body_template_file). */
  body_template: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  timeout: duration('10s'),
  max_alerts: z.number().int().min(0).default(0),
});

const alerting = z.strictObject({
  /** Prometheus rule files (globs, relative to the working directory). */
  rule_files: z.array(z.string().min(1)).default(['alerts/*.yaml']),
  evaluation_interval: duration('15s'),
  /** Prefix of links in alerts (example_trace_url, generatorURL): where users reach Braid's query port. */
  external_url: z.string().url().default('http://127.0.0.1:16686'),
  external_labels: z.record(z.string(), z.string()).default({}),
  /** Prometheus's --rules.alert.for-grace-period, --rules.alert.for-outage-tolerance and --rules.alert.resend-delay. */
  for_grace_period: duration('10m'),
  for_outage_tolerance: duration('1h'),
  resend_delay: duration('1m'),
  alertmanagers: z.array(alertmanager).default([]),
  webhooks: z.array(webhook).default([]),
  /** Rule files of other tenants than the default one (whose are rule_files), by tenant ID. */
  tenant_rule_files: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a tenant ID: 1-63 of a-z, 0-9, _ and -'), z.array(z.string().min(1))).default({}),
});

const otlpGrpc = z.strictObject({
  enabled: z.boolean().default(true),
  endpoint: endpoint(4317),
  max_recv_msg_size_mib: positiveInt.default(4),
});

const otlpHttp = z.strictObject({
  enabled: z.boolean().default(true),
  endpoint: endpoint(4318),
  max_request_body_size_mib: positiveInt.default(20),
});

const zipkin = z.strictObject({
  enabled: z.boolean().default(true),
  endpoint: endpoint(9411),
  max_request_body_size_mib: positiveInt.default(20),
});

const elasticsearchReceiver = z.strictObject({
  enabled: z.boolean().default(true),
  endpoint: endpoint(9200),
  max_request_body_size_mib: positiveInt.default(20),
});

const prometheusScraper = z.strictObject({
  enabled: z.boolean().default(true),
  /** Prometheus `scrape_configs` file; relative paths are against the working directory. */
  config_file: z.string().min(1).default('collectors/scrape.yml'),
  /** With several collectors, each scrapes the targets whose hash modulo `count` is `index`. */
  shard: z.strictObject({ index: z.number().int().min(0).default(0), count: positiveInt.default(1) }).prefault({}),
});

/** TLS to a server Braid connects to (Kafka, Elasticsearch): PEM files, read at start-up. */
const clientTls = z.strictObject({
  /** CA bundle that signed the server's certificate (default: Node's trusted roots). */
  ca_file: z.string().min(1).optional(),
  /** Client certificate and key, for servers that ask for one (mTLS). */
  cert_file: z.string().min(1).optional(),
  key_file: z.string().min(1).optional(),
  /** Name checked against the server certificate, when it differs from the host Braid dials. */
  server_name: z.string().min(1).optional(),
  insecure_skip_verify: z.boolean().default(false),
});

const kafkaSasl = z.strictObject({
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
  username: z.string().min(1),
  /** The password, or the env BRAID_KAFKA_SASL_PASSWORD, or a file (password_file). */
  password: z.string().optional(),
  password_file: z.string().min(1).optional(),
});

const kafka = z.strictObject({
  brokers: z.array(z.string().min(1)).default([]),
  /** TLS to the brokers (`enabled: true` with Node's trusted roots, or a ca_file). */
  tls: clientTls.extend({ enabled: z.boolean().default(false) }).prefault({}),
  sasl: kafkaSasl.optional(),
  client_id: z.string().min(1).default('braid'),
  topic_prefix: z.string().default('braid.'),
  partitions: positiveInt.default(6),
  replication_factor: positiveInt.default(1),
  group_id: z.string().min(1).default('braid-ingester'),
  /** How long a produce may wait for the broker before the receiver answers "retry later". */
  produce_timeout_ms: positiveInt.default(10_000),
  /** How long a produce call waits for concurrent ones to share its produce request (docs/adr/0015); 0: only those of the same event-loop turn. */
  linger_ms: z.number().int().min(0).max(1_000).default(5),
  /** Bytes of one partition's record batch in a produce request (cut lower by the topic's max.message.bytes); waiting bytes past it are sent at once. */
  batch_max_bytes: positiveInt.default(1_048_576),
  /** Bytes the producer holds (waiting or in flight) past which receivers answer 429 / UNAVAILABLE (retryable). */
  max_buffered_bytes: positiveInt.default(64 * 1024 * 1024),
  /** Produce requests in flight past which waiting records wait on after linger_ms, until one is answered: batches grow with the load (Kafka's max.in.flight.requests.per.connection). */
  max_in_flight_requests: positiveInt.default(5),
  /** Compression of produced record batches: none | gzip | snappy (measured in docs/adr/0015). */
  compression: z.enum(['none', 'gzip', 'snappy']).default('none'),
});

const memoryQueue = z.strictObject({
  partitions: positiveInt.default(4),
  max_bytes: positiveInt.default(256 * 1024 * 1024),
});

const elasticsearch = z.strictObject({
  url: z.string().url().optional(),
  index_prefix: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a lowercase index name prefix').default('braid'),
  /** Basic auth: username with password (or env BRAID_ELASTICSEARCH_PASSWORD, or password_file). */
  username: z.string().optional(),
  password: z.string().optional(),
  password_file: z.string().min(1).optional(),
  /** An API key (base64 id:key, as Kibana shows it), or env BRAID_ELASTICSEARCH_API_KEY, or api_key_file. */
  api_key: z.string().optional(),
  api_key_file: z.string().min(1).optional(),
  /** TLS to an https:// url: a private CA, client certificate, or skipping verification. */
  tls: clientTls.omit({ server_name: true }).prefault({}),
  shards: positiveInt.default(1),
  replicas: z.number().int().min(0).default(0),
  bulk_max_docs: positiveInt.default(5_000),
  bulk_max_bytes: positiveInt.default(8 * 1024 * 1024),
  request_timeout_ms: positiveInt.default(30_000),
  retention_days: positiveInt.default(7),
});

const memoryStore = z.strictObject({
  max_spans: positiveInt.default(1_000_000),
  max_logs: positiveInt.default(1_000_000),
  max_samples: positiveInt.default(5_000_000),
});

/** spanmetrics' default buckets (2 ms ... 15 s), in seconds. */
export const DEFAULT_SPAN_BUCKETS = [0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15];

/** Span- and log-derived series (src/ingest/derived, ADR 0007). */
const ingest = z.strictObject({
  span_metrics: z
    .strictObject({
      enabled: z.boolean().default(true),
      dimensions: z.array(z.strictObject({ name: z.string().min(1), default: z.string().optional() })).default([]),
      histogram_buckets: z
        .array(z.number().positive())
        .min(1)
        .default(DEFAULT_SPAN_BUCKETS)
        .refine((b) => b.every((v, i) => i === 0 || v > (b[i - 1] as number)), 'histogram buckets must rise strictly, e.g. [0.005, 0.01, 0.1]'),
      exemplars: z.boolean().default(true),
    })
    .prefault({}),
  log_metrics: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
  max_series: positiveInt.default(10_000),
  flush_interval: duration('15s').refine((ms) => ms >= 1_000, 'flush_interval must be at least 1s'),
});

/** The in-memory head of recent samples, kept by processes running query or alerter (src/promql/head). */
const head = z.strictObject({
  /** How far back it holds samples; queries inside it never read Elasticsearch. */
  window: duration('2h'),
  /** Bytes past which new series are refused (braid_head_series_refused_total); existing ones keep appending. */
  max_bytes: positiveInt.default(512 * 1024 * 1024),
});

const telemetry = z.strictObject({
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  tracing: z
    .strictObject({
      enabled: z.boolean().default(false),
      endpoint: z.string().url().default('http://127.0.0.1:4317'),
      sample_ratio: z.number().min(0).max(1).default(1),
    })
    .prefault({}),
});

/** Who may call Braid's listeners (src/security; docs/adr/0018). */
const auth = z.strictObject({
  /** `tenant:token` per line (# comments), re-read when it changes; or env BRAID_AUTH_TOKENS_FILE. Absent: Braid runs open. */
  tokens_file: z.string().min(1).optional(),
  /** Addresses or CIDRs (e.g. 10.0.0.0/8, ::1) of proxies whose `X-Scope-OrgID` header names the tenant without a token. */
  trusted_proxies: z.array(z.string().min(1)).default([]),
});

/** TLS on every listener Braid serves (OTLP gRPC/HTTP, Zipkin, the bulk receiver, query, admin). Files re-read when they change. */
const serverTls = z.strictObject({
  cert_file: z.string().min(1),
  key_file: z.string().min(1),
  /** CA bundle that signs client certificates: with it, clients are asked for one (mTLS). */
  client_ca_file: z.string().min(1).optional(),
  /** Prometheus web config's names: with client_ca_file the default is RequireAndVerifyClientCert. */
  client_auth_type: z.enum(['NoClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert']).optional(),
  min_version: z.enum(['TLS12', 'TLS13']).default('TLS12'),
});

/** A Prometheus duration string parsed to milliseconds, without a default. */
const durationValue = z.string().transform((text, ctx) => {
  const ms = parseDurationMs(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a valid duration: ${JSON.stringify(text)} (expected a Prometheus duration such as 15s, 1m30s, 2h)` });
    return z.NEVER;
  }
  return ms;
});

/** Limits against abuse (docs/adr/0018), each with its default; `optional` gives a tenant's overrides, any subset. */
const limitFields = <O extends boolean>(optional: O) => {
  const f = <T extends z.ZodType>(type: T, fallback: z.input<T>) => (optional ? type.optional() : type.prefault(fallback as never)) as O extends true ? z.ZodOptional<T> : z.ZodPrefault<T>;
  return {
    /** Records (spans + log records + samples) per second one tenant may send; 0: unlimited. */
    ingestion_rate: f(z.number().min(0), 0),
    /** Records one tenant may send at once above the rate (token bucket size); 0: the rate itself. */
    ingestion_burst_size: f(z.number().int().min(0), 0),
    /** Attributes of one span, span event, link, log record or resource. */
    max_attributes_per_record: f(positiveInt, 128),
    /** Characters of one attribute value (string) or key. */
    max_attribute_value_length: f(positiveInt, 16_384),
    /** Spans of one trace the ingester stores; later ones are discarded and counted. */
    max_spans_per_trace: f(positiveInt, 50_000),
    /** Labels of one series (Mimir's max_label_names_per_series). */
    max_label_names_per_series: f(positiveInt, 30),
    max_label_name_length: f(positiveInt, 1_024),
    max_label_value_length: f(positiveInt, 2_048),
    /** Series one tenant may hold in the head; new ones past it are refused and counted. */
    max_series_per_tenant: f(positiveInt, 150_000),
    /** The longest time range one query may cover ("0s": unlimited). */
    max_query_length: f(durationValue, '32d'),
    /** How long one PromQL evaluation may run (Prometheus's query.timeout). */
    query_timeout: f(durationValue, '2m'),
  };
};
const limits = z.strictObject(limitFields(false));
const tenantLimits = z.strictObject(limitFields(true));

/** Several worker processes sharing the ports of one `braid serve` (src/cluster). */
const cluster = z.strictObject({
  /** 0 or 1: one process, as without this key; N: N workers under a primary; auto: os.availableParallelism(). */
  workers: z
    .union([z.literal('auto'), z.number().int().min(0).max(64)], { error: 'expected 0-64 or "auto"' })
    .default(0),
});

/** The whole configuration file. */
export const BraidConfigSchema = z.strictObject({
  target: z
    .union([z.string(), z.array(z.string())])
    .default('all'),
  receivers: z
    .strictObject({
      otlp: z.strictObject({ grpc: otlpGrpc.prefault({}), http: otlpHttp.prefault({}) }).prefault({}),
      zipkin: zipkin.prefault({}),
      elasticsearch: elasticsearchReceiver.prefault({}),
      prometheus: prometheusScraper.prefault({}),
    })
    .prefault({}),
  query: z
    .strictObject({
      endpoint: endpoint(16686),
      /** The Prometheus API (/prometheus/api/v1): samples one query may read, Prometheus's query.max-samples. */
      prometheus: z.strictObject({ max_samples: positiveInt.default(1_000_000) }).prefault({}),
    })
    .prefault({}),
  admin: z.strictObject({ endpoint: endpoint(8888) }).prefault({}),
  queue: z.strictObject({ kafka: kafka.prefault({}), memory: memoryQueue.prefault({}) }).prefault({}),
  storage: z
    .strictObject({ elasticsearch: elasticsearch.prefault({}), memory: memoryStore.prefault({}) })
    .prefault({}),
  ingest: ingest.prefault({}),
  alerting: alerting.prefault({}),
  head: head.prefault({}),
  telemetry: telemetry.prefault({}),
  cluster: cluster.prefault({}),
  auth: auth.prefault({}),
  tls: serverTls.optional(),
  limits: limits.prefault({}),
  tenant_limits: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a tenant ID: 1-63 of a-z, 0-9, _ and -'), tenantLimits).default({}),
  shutdown_timeout_seconds: positiveInt.max(300).default(10),
});

/** The configuration as written in YAML, before defaults. */
export type BraidConfigInput = z.input<typeof BraidConfigSchema>;
/** The configuration after defaults, before the cross-field checks resolve the targets. */
export type BraidConfigParsed = z.output<typeof BraidConfigSchema>;

/** The validated configuration the composition root works from. */
export type BraidConfig = Omit<BraidConfigParsed, 'target'> & {
  /** The resolved set of targets this process runs. */
  targets: Target[];
  /** Which queue implementation runs: Kafka when brokers are set. */
  queueKind: 'kafka' | 'memory';
  /** Which store implementation runs: Elasticsearch when a URL is set. */
  storeKind: 'elasticsearch' | 'memory';
};
