/**
 * Loads configuration: YAML file, then environment overrides, then the strict schema, then
 * cross-field checks. Any failure is one BraidError naming every offending path.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { BraidError } from '../errors.js';
import { BraidConfigSchema, TARGETS, type BraidConfig, type BraidConfigParsed, type Target } from './schema.js';

/** Environment variables Braid reads, and the config path each overrides. */
export const ENV_OVERRIDES = {
  BRAID_TARGET: 'target',
  BRAID_KAFKA_BROKERS: 'queue.kafka.brokers',
  BRAID_ELASTICSEARCH_URL: 'storage.elasticsearch.url',
  BRAID_KAFKA_SASL_USERNAME: 'queue.kafka.sasl.username',
  BRAID_KAFKA_SASL_PASSWORD: 'queue.kafka.sasl.password',
  BRAID_ELASTICSEARCH_USERNAME: 'storage.elasticsearch.username',
  BRAID_ELASTICSEARCH_PASSWORD: 'storage.elasticsearch.password',
  BRAID_ELASTICSEARCH_API_KEY: 'storage.elasticsearch.api_key',
  BRAID_LOG_LEVEL: 'telemetry.log_level',
  BRAID_SCRAPE_SHARD_INDEX: 'receivers.prometheus.shard.index',
  BRAID_SCRAPE_SHARD_COUNT: 'receivers.prometheus.shard.count',
  BRAID_WORKERS: 'cluster.workers',
  // Wins over auth.tokens_file, as every BRAID_* variable wins over its key (a Secret mounted by the chart).
  BRAID_AUTH_TOKENS_FILE: 'auth.tokens_file',
} as const;

/** Reads and validates a config file (or none: all defaults), applying environment overrides. */
export async function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<BraidConfig> {
  let raw: unknown = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      throw new BraidError('BRAID_ERR_CONFIG_READ', `config: cannot read ${file}: ${(cause as Error).message}`, { cause });
    }
    raw = parseYaml(text, file);
  }
  return validateConfig(applyEnv(raw, env), file ?? '(defaults)');
}

function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const msgs = doc.errors.map((e) => e.message.split('\n')[0]).join('; ');
    throw new BraidError('BRAID_ERR_CONFIG_INVALID', `config ${file}: invalid YAML: ${msgs}`);
  }
  let value: unknown;
  try {
    value = doc.toJS() ?? {};
  } catch (cause) {
    // yaml refuses to expand an alias bomb (ReferenceError: Excessive alias count ...).
    throw new BraidError('BRAID_ERR_CONFIG_INVALID', `config ${file}: invalid YAML: ${(cause as Error).message}`, { cause });
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new BraidError('BRAID_ERR_CONFIG_INVALID', `config ${file}: expected a mapping at the top level`);
  }
  return value;
}

/** Sets each present environment override at its config path, so the schema validates it too. */
export function applyEnv(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  const out = structuredClone(raw) as Record<string, unknown>;
  for (const [name, path] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const parsed = name === 'BRAID_KAFKA_BROKERS' ? value.split(',').map((s) => s.trim()).filter(Boolean) : (name.startsWith('BRAID_SCRAPE_SHARD_') || name === 'BRAID_WORKERS') && /^\d+$/.test(value) ? Number(value) : value;
    setPath(out, path.split('.'), parsed);
  }
  return out;
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1] as string] = value;
}

/** Validates already-parsed config: strict schema first, cross-field checks second. */
export function validateConfig(raw: unknown, source: string): BraidConfig {
  const result = BraidConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new BraidError('BRAID_ERR_CONFIG_INVALID', `config ${source}:\n${formatIssues(result.error.issues)}`);
  }
  return crossCheck(result.data, source);
}

/** Turns zod issues into `  path: message` lines, one per problem (unknown keys one per key). */
export function formatIssues(issues: z.core.$ZodIssue[]): string {
  const lines: string[] = [];
  for (const issue of issues) {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        lines.push(`  ${at ? `${at}.` : ''}${key}: unknown key (not one of Braid's settings; check its spelling)`);
      }
    } else {
      lines.push(`  ${at || '(top level)'}: ${issue.message}`);
    }
  }
  return lines.join('\n');
}

function crossCheck(cfg: BraidConfigParsed, source: string): BraidConfig {
  const problems: string[] = [];
  const targets = resolveTargets(cfg.target, problems);
  const queueKind = cfg.queue.kafka.brokers.length > 0 ? 'kafka' : 'memory';
  const storeKind = cfg.storage.elasticsearch.url !== undefined ? 'elasticsearch' : 'memory';
  const split = targets.length < TARGETS.length;
  if (queueKind === 'memory' && split && targets.some((t) => t === 'collector' || t === 'ingester')) {
    if (!(targets.includes('collector') && targets.includes('ingester'))) {
      problems.push(
        `  target: "${targets.join(',')}" splits collector and ingester across processes, which needs Kafka; set queue.kafka.brokers (BRAID_KAFKA_BROKERS)`,
      );
    }
  }
  if (storeKind === 'memory' && split && targets.includes('query') !== targets.includes('ingester')) {
    problems.push(
      `  target: "${targets.join(',')}" separates query from ingester, which needs a shared store; set storage.elasticsearch.url (BRAID_ELASTICSEARCH_URL)`,
    );
  }
  const es = cfg.storage.elasticsearch;
  const esPassword = es.password !== undefined || es.password_file !== undefined;
  if (es.api_key !== undefined && es.api_key_file !== undefined) problems.push('  storage.elasticsearch: set api_key or api_key_file, not both');
  if (es.password !== undefined && es.password_file !== undefined) problems.push('  storage.elasticsearch: set password or password_file, not both');
  if ((es.api_key !== undefined || es.api_key_file !== undefined) && (es.username !== undefined || esPassword)) {
    problems.push('  storage.elasticsearch: set either api_key or username/password, not both');
  }
  if ((es.username === undefined) !== !esPassword) {
    problems.push('  storage.elasticsearch: username and password (or password_file, or BRAID_ELASTICSEARCH_PASSWORD) go together');
  }
  const sasl = cfg.queue.kafka.sasl;
  if (sasl !== undefined && (sasl.password === undefined) === (sasl.password_file === undefined)) {
    problems.push('  queue.kafka.sasl: set one of password, password_file or the env BRAID_KAFKA_SASL_PASSWORD');
  }
  for (const [at, tls] of [['queue.kafka.tls', cfg.queue.kafka.tls], ['storage.elasticsearch.tls', es.tls]] as const) {
    if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) problems.push(`  ${at}: cert_file and key_file go together`);
  }
  problems.push(...clusterProblems(cfg.cluster.workers, targets, queueKind, storeKind));
  const shard = cfg.receivers.prometheus.shard;
  if (shard.index >= shard.count) {
    problems.push(`  receivers.prometheus.shard.index: ${shard.index} must be below shard.count (${shard.count})`);
  }
  if (problems.length > 0) throw new BraidError('BRAID_ERR_CONFIG_INVALID', `config ${source}:\n${problems.join('\n')}`);
  const { target: _target, ...rest } = cfg;
  return { ...rest, targets, queueKind, storeKind };
}

/** Several workers share nothing in-process: each target they run must keep its state in Kafka or Elasticsearch. */
function clusterProblems(workers: number | 'auto', targets: Target[], queueKind: string, storeKind: string): string[] {
  if (workers === 0 || workers === 1) return [];
  const at = `  cluster.workers: ${workers}`;
  const out: string[] = [];
  if (targets.includes('alerter')) {
    out.push(`${at} cannot run the alerter target: rules need one evaluator (each worker would evaluate and notify on its own); run the alerter in a process of its own and list the other targets, e.g. --target collector,ingester,query`);
  }
  if (queueKind === 'memory' && targets.some((t) => t === 'collector' || t === 'ingester')) {
    out.push(`${at} needs Kafka: the in-process queue lives inside one process, where other workers cannot reach it; set queue.kafka.brokers (BRAID_KAFKA_BROKERS) or cluster.workers: 0`);
  }
  if (storeKind === 'memory' && targets.some((t) => t === 'ingester' || t === 'query')) {
    out.push(`${at} needs Elasticsearch: the memory store lives inside one process, where other workers cannot reach it; set storage.elasticsearch.url (BRAID_ELASTICSEARCH_URL) or cluster.workers: 0`);
  }
  return out;
}

function resolveTargets(target: string | string[], problems: string[]): Target[] {
  const names = (Array.isArray(target) ? target : target.split(',')).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0 || (names.length === 1 && names[0] === 'all')) return [...TARGETS];
  const out: Target[] = [];
  for (const name of names) {
    if ((TARGETS as readonly string[]).includes(name)) {
      if (!out.includes(name as Target)) out.push(name as Target);
    } else {
      problems.push(`  target: unknown target "${name}" (expected "all" or a list of ${TARGETS.join(', ')})`);
    }
  }
  return out;
}

/** Splits "host:port" into its parts; "[::1]:80" keeps the brackets off the host. */
export function parseEndpoint(endpoint: string): { host: string; port: number } {
  const i = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, i).replace(/^\[(.*)\]$/, '$1') || '0.0.0.0';
  return { host, port: Number(endpoint.slice(i + 1)) };
}
