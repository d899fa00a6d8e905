/**
 * The two systems the peers bench compares, behind one shape: how to start each one's collector and
 * ingester (with its query API) for a round, where its OTLP/gRPC port and query API are, which
 * metrics count accepted spans, and which Elasticsearch indices hold its spans.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProc, waitReady, type Proc } from './procs.js';

/** What a round needs to know about the shared servers and where to put things. */
export interface RoundEnv {
  kafkaBrokers: string;
  elasticsearchUrl: string;
  /** Working folder of the round (configs, logs). */
  dir: string;
  /** Lowercase, unique per round and system: topic, group and index names derive from it. */
  prefix: string;
  /** First of 10 free ports on 127.0.0.1 for this round. */
  portBase: number;
}

/** A started collector or ingester. */
export interface Running {
  proc: Proc;
  /** OTLP/gRPC host:port (collector). */
  otlpGrpc: string;
  /** Prometheus text metrics URL. */
  metricsUrl: string;
  /** Base URL of the Jaeger-style query API (ingester). */
  queryUrl: string;
}

/** One system under comparison. */
export interface PeerSystem {
  name: 'Braid' | 'Jaeger';
  /** Metric names (summed over labels) of spans the collector accepted, and refused. */
  acceptedMetric: string;
  refusedMetric: string;
  /** Metric of spans the collector has in Kafka (acknowledged): Braid answers only after that, Jaeger's batch processor before. */
  inKafkaMetric: string;
  /** Topics the bench creates before the collector starts (Braid creates its own). */
  topicsToCreate(prefix: string): string[];
  /** The Elasticsearch index pattern of span documents. */
  spanIndices(prefix: string): string;
  startCollector(env: RoundEnv): Promise<Running>;
  startIngester(env: RoundEnv): Promise<Running>;
}

const PEERS_DIR = fileURLToPath(new URL('./', import.meta.url));
/** Partitions of every topic of the bench, for both systems; replication 1 (one broker). */
export const PARTITIONS = 6;

const ok = (url: string) => async () => (await fetch(url)).status === 200;

/** Braid as built JavaScript: `node <root>/dist/cli/index.js serve --config F`, one process per target group. */
export function braid(root: string): PeerSystem {
  const start = async (env: RoundEnv, role: 'collector' | 'ingester'): Promise<Running> => {
    const p = env.portBase + (role === 'collector' ? 0 : 5);
    const file = join(env.dir, `braid-${role}.yaml`);
    writeFileSync(
      file,
      [
        `target: ${role === 'collector' ? 'collector' : 'ingester,query'}`,
        `receivers: { otlp: { grpc: { endpoint: "127.0.0.1:${p}" }, http: { endpoint: "127.0.0.1:${p + 1}" } }, zipkin: { enabled: false }, elasticsearch: { enabled: false }, prometheus: { enabled: false } }`,
        `query: { endpoint: "127.0.0.1:${p + 2}" }`,
        `admin: { endpoint: "127.0.0.1:${p + 3}" }`,
        'telemetry: { log_level: warn }',
        `queue: { kafka: { brokers: ["${env.kafkaBrokers}"], topic_prefix: "${env.prefix}.", group_id: "${env.prefix}-ingester", partitions: ${PARTITIONS}, replication_factor: 1 } }`,
        `storage: { elasticsearch: { url: "${env.elasticsearchUrl}", index_prefix: "${env.prefix}" } }`,
      ].join('\n'),
    );
    const cli = join(root, 'dist', 'cli', 'index.js');
    const proc = startProc(`braid ${role}`, process.execPath, [cli, 'serve', '--config', file], {}, join(env.dir, `braid-${role}.log`));
    const admin = `http://127.0.0.1:${p + 3}`;
    await waitReady(proc, ok(`${admin}/readyz`));
    return { proc, otlpGrpc: `127.0.0.1:${p}`, metricsUrl: `${admin}/metrics`, queryUrl: `http://127.0.0.1:${p + 2}` };
  };
  return {
    name: 'Braid',
    acceptedMetric: 'braid_receiver_accepted_spans_total',
    refusedMetric: 'braid_receiver_refused_requests_total',
    inKafkaMetric: 'braid_receiver_accepted_spans_total',
    topicsToCreate: () => [],
    spanIndices: (prefix) => `${prefix}-spans-*`,
    startCollector: (env) => start(env, 'collector'),
    startIngester: (env) => start(env, 'ingester'),
  };
}

/** The JAEGER_* variables the configs in this folder read: ports from env.portBase (+5 for the ingester), names from env.prefix. */
export function jaegerVars(env: Pick<RoundEnv, 'kafkaBrokers' | 'elasticsearchUrl' | 'prefix' | 'portBase'>, role: 'collector' | 'ingester'): Record<string, string> {
  const p = env.portBase + (role === 'collector' ? 0 : 5);
  return {
    JAEGER_OTLP_GRPC_PORT: String(p),
    JAEGER_OTLP_HTTP_PORT: String(p + 1),
    JAEGER_QUERY_HTTP_PORT: String(p + 2),
    JAEGER_METRICS_PORT: String(p + 3),
    JAEGER_HEALTH_PORT: String(p + 4),
    // The collector does not serve queries; the ingester has no OTLP receiver: the two never clash.
    JAEGER_QUERY_GRPC_PORT: String(p + 1),
    JAEGER_KAFKA_BROKERS: env.kafkaBrokers,
    JAEGER_KAFKA_TOPIC: `${env.prefix}.spans`,
    JAEGER_KAFKA_GROUP: `${env.prefix}-ingester`,
    JAEGER_ES_URL: env.elasticsearchUrl,
    JAEGER_INDEX_PREFIX: env.prefix,
  };
}

/** Jaeger's config file for a role. */
export const jaegerConfig = (role: 'collector' | 'ingester') => join(PEERS_DIR, `jaeger-${role}.yaml`);

/** Jaeger v2's binary with the configs in this folder; ports, topic, group and indices through JAEGER_* variables. */
export function jaeger(binary: string): PeerSystem {
  const start = async (env: RoundEnv, role: 'collector' | 'ingester'): Promise<Running> => {
    const p = env.portBase + (role === 'collector' ? 0 : 5);
    const vars = jaegerVars(env, role);
    const proc = startProc(`jaeger ${role}`, binary, ['--config', jaegerConfig(role)], vars, join(env.dir, `jaeger-${role}.log`));
    await waitReady(proc, ok(`http://127.0.0.1:${p + 4}/status`));
    return { proc, otlpGrpc: `127.0.0.1:${p}`, metricsUrl: `http://127.0.0.1:${p + 3}/metrics`, queryUrl: `http://127.0.0.1:${p + 2}` };
  };
  return {
    name: 'Jaeger',
    acceptedMetric: 'otelcol_receiver_accepted_spans',
    refusedMetric: 'otelcol_receiver_refused_spans',
    inKafkaMetric: 'otelcol_exporter_sent_spans',
    topicsToCreate: (prefix) => [`${prefix}.spans`],
    spanIndices: (prefix) => `${prefix}-jaeger-span-*`,
    startCollector: (env) => start(env, 'collector'),
    startIngester: (env) => start(env, 'ingester'),
  };
}

/** Sums every sample of `name` (or `name_total`) in a Prometheus text exposition. */
export async function scrapeSum(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{.*\})? (\S+)/.exec(line);
    if (m && (m[1] === name || m[1] === `${name}_total`)) sum += Number(m[3]);
  }
  return sum;
}
