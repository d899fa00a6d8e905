/**
 * The scrape configuration file (`collectors/scrape.yml`), in Prometheus's own `global` +
 * `scrape_configs` format: a strict schema that names every unknown key's path, then the checks
 * and defaults Prometheus's config/config.go applies (timeouts against intervals, unique job names,
 * exclusive auth settings, in `http-options.ts`). Relative paths resolve against the file's
 * directory and credential and TLS files are read here, so the scrape loop gets values and a bad
 * path stops start-up.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { formatIssues } from '../../../config/load.js';
import { BraidError } from '../../../errors.js';
import type { ScrapeTls } from './client.js';
import type { FileSdSettings } from './file-sd.js';
import { FileReader, httpClientFields, joinDir, resolveAuth, resolveTls } from './http-options.js';
import type { CompiledRelabel } from './relabel.js';
import { compileRelabelConfigs } from './relabel-config.js';
import type { TargetGroup } from './types.js';

/** One scrape job with every default applied and every file read. */
export interface ScrapeJob {
  jobName: string;
  intervalMs: number;
  timeoutMs: number;
  metricsPath: string;
  scheme: 'http' | 'https';
  /** Query parameters of every scrape; `__param_<name>` labels override the first value. */
  params: Record<string, string[]>;
  honorLabels: boolean;
  honorTimestamps: boolean;
  /** Limits as Prometheus names them; 0 means none. */
  sampleLimit: number;
  targetLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  bodySizeLimitBytes: number;
  followRedirects: boolean;
  enableCompression: boolean;
  /** Request headers the auth settings resolve to: `authorization`, or none. Secret: never log. */
  headers: Record<string, string>;
  /** TLS settings with the PEM files read; undefined when the job has no tls_config. */
  tls: ScrapeTls | undefined;
  /** static_configs as target groups, sources "0", "1", ... as Prometheus numbers them. */
  staticGroups: TargetGroup[];
  fileSd: FileSdSettings[];
  /** kubernetes_sd_configs as written; the Kubernetes discoverer validates them. */
  kubernetesSd: unknown[];
  relabel: CompiledRelabel[];
  metricRelabel: CompiledRelabel[];
}

/** A loaded scrape configuration file. */
export interface ScrapeConfigFile {
  jobs: ScrapeJob[];
  /** The file's directory, against which relative paths inside kubernetes_sd_configs resolve. */
  baseDir: string;
}

// ---- Prometheus durations (prometheus/common model.ParseDuration and Duration.String) ----

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3_600_000],
  ['w', 7 * 24 * 3_600_000],
  ['d', 24 * 3_600_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];
const MAX_DURATION_MS = Math.floor((2 ** 63 - 1) / 1e6);

/** Parses a Prometheus duration ("1m30s", "500ms", "0") into ms, or says why it is not one. */
export function parseDuration(text: string): { ms: number } | { error: string } {
  if (text === '0') return { ms: 0 };
  if (text === '') return { error: 'empty duration string' };
  const invalid = { error: `not a valid duration string: ${JSON.stringify(text)}` };
  let rest = text;
  let ms = 0;
  let lastUnit = -1;
  while (rest !== '') {
    const m = /^(\d+)([^\d]+)/.exec(rest);
    if (m === null) return invalid;
    const unit = UNITS.findIndex(([name]) => name === m[2]);
    if (unit < 0) return { error: `unknown unit ${JSON.stringify(m[2])} in duration ${JSON.stringify(text)}` };
    // Units must come largest first, each at most once: "1m1d" is an error, not 1 day 1 minute.
    if (unit <= lastUnit) return invalid;
    lastUnit = unit;
    ms += Number(m[1]) * (UNITS[unit]![1]);
    if (ms > MAX_DURATION_MS) return { error: 'duration out of range' };
    rest = rest.slice(m[0].length);
  }
  return { ms };
}

/** Formats ms as Prometheus prints a duration: "1m30s"; years and weeks only when exact. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [name, size] of UNITS) {
    if ((name === 'y' || name === 'w') && rest % size !== 0) continue;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${name}`;
      rest -= n * size;
    }
  }
  return out;
}

// ---- the strict schema ----

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const parsed = parseDuration(String(v));
  if ('ms' in parsed) return parsed.ms;
  ctx.issues.push({ code: 'custom', message: parsed.error, input: v });
  return z.NEVER;
});

const BASE2 = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 } as const;
/** Prometheus's body_size_limit (alecthomas/units Base2Bytes): a byte count or "10MB" (1024-based). */
const byteSize = z.union([z.number().int().min(0), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^(\d+)(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/.exec(v);
  if (m !== null) return Number(m[1]) * BASE2[m[2] as keyof typeof BASE2];
  ctx.issues.push({ code: 'custom', message: `not a byte size: ${JSON.stringify(v)} (expected e.g. "10MB")`, input: v });
  return z.NEVER;
});

const limit = z.number().int().min(0);
const labelMap = z.record(z.string(), z.string());

const limits = {
  sample_limit: limit.optional(),
  target_limit: limit.optional(),
  label_limit: limit.optional(),
  label_name_length_limit: limit.optional(),
  label_value_length_limit: limit.optional(),
  body_size_limit: byteSize.optional(),
};

const globalSchema = z.strictObject({
  scrape_interval: duration.optional(),
  scrape_timeout: duration.optional(),
  // Allowed so a prometheus.yml global block can be copied over; Braid has no use for them.
  evaluation_interval: duration.optional(),
  external_labels: labelMap.optional(),
  scrape_protocols: z.array(z.string()).optional(),
  ...limits,
});

const staticConfig = z.strictObject({ targets: z.array(z.string()).default([]), labels: labelMap.optional() });
const fileSdConfig = z.strictObject({ files: z.array(z.string()), refresh_interval: duration.optional() });

const jobSchema = z.strictObject({
  job_name: z.string({ error: (iss) => (iss.input === undefined ? 'required: the job label of its targets' : undefined) }),
  scrape_interval: duration.optional(),
  scrape_timeout: duration.optional(),
  metrics_path: z.string().default('/metrics'),
  scheme: z.enum(['http', 'https']).default('http'),
  params: z.record(z.string(), z.array(z.string())).optional(),
  honor_labels: z.boolean().default(false),
  honor_timestamps: z.boolean().default(true),
  follow_redirects: z.boolean().default(true),
  enable_compression: z.boolean().default(true),
  ...limits,
  ...httpClientFields,
  static_configs: z.array(staticConfig).optional(),
  file_sd_configs: z.array(fileSdConfig).optional(),
  kubernetes_sd_configs: z.array(z.record(z.string(), z.unknown())).optional(),
  // Validated by compileRelabelConfigs, which owns the relabel format.
  relabel_configs: z.unknown().optional(),
  metric_relabel_configs: z.unknown().optional(),
  // Allowed so Prometheus jobs can be copied over; they change nothing in Braid's scraper.
  enable_http2: z.boolean().optional(),
  track_timestamps_staleness: z.boolean().optional(),
  keep_dropped_targets: limit.optional(),
  scrape_protocols: z.array(z.string()).optional(),
  fallback_scrape_protocol: z.string().optional(),
});

const fileSchema = z.strictObject({
  global: globalSchema.nullish(),
  scrape_configs: z.array(jobSchema).nullish(),
});

type JobInput = z.output<typeof jobSchema>;
type GlobalInput = z.output<typeof globalSchema>;

/** Prometheus settings Braid's scraper does not implement: refused by name rather than as typos. */
const UNSUPPORTED = ['oauth2', 'proxy_url', 'no_proxy', 'proxy_from_environment', 'proxy_connect_header', 'http_headers', 'sigv4'];
const SUPPORTED_SD = ['static_configs', 'file_sd_configs', 'kubernetes_sd_configs'];
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** file_sd paths as Prometheus allows them: a `*` only in the last element, a .json/.yml/.yaml name. */
const FILE_SD_NAME = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;

// ---- loading ----

/** Reads and validates a scrape configuration file. */
export async function loadScrapeConfig(file: string): Promise<ScrapeConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new BraidError('BRAID_ERR_CONFIG_READ', `scrape config: cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  return parseScrapeConfig(text, file);
}

/** Validates scrape configuration text; `file` names it in errors and anchors relative paths. */
export function parseScrapeConfig(text: string, file: string): ScrapeConfigFile {
  const fail = (lines: string[]) => new BraidError('BRAID_ERR_CONFIG_INVALID', `scrape config ${file}:\n${lines.join('\n')}`);
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw fail([`  (YAML): ${doc.errors.map((e) => e.message.split('\n')[0]).join('; ')}`]);
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail(['  (top level): expected a mapping with global and scrape_configs']);

  const unsupported = unsupportedKeys(raw);
  const result = fileSchema.safeParse(raw);
  const lines = unsupported.map((u) => `  ${u.at}.${u.key}: ${u.why}`);
  if (!result.success) {
    const skip = new Set(unsupported.map((u) => `${u.at}.${u.key}`));
    const issues = result.error.issues
      .map((issue) => ({ ...issue, path: bracketIndices(issue.path) }))
      .map((issue) => (issue.code === 'unrecognized_keys' ? { ...issue, keys: issue.keys.filter((k) => !skip.has(`${issue.path.join('.')}.${k}`)) } : issue))
      .filter((issue) => issue.code !== 'unrecognized_keys' || issue.keys.length > 0);
    if (issues.length > 0) lines.push(formatIssues(issues));
  }
  if (lines.length > 0 || !result.success) throw fail(lines);

  const baseDir = dirname(file);
  const problems: string[] = [];
  const global = resolveGlobal(result.data.global ?? {}, problems);
  const seen = new Map<string, number>();
  const jobs = (result.data.scrape_configs ?? []).map((job, i) => {
    const at = `scrape_configs[${i}]`;
    const first = seen.get(job.job_name);
    if (job.job_name === '') problems.push(`  ${at}.job_name: job_name is empty`);
    else if (first !== undefined) problems.push(`  ${at}.job_name: found multiple scrape configs with job name ${JSON.stringify(job.job_name)} (first at scrape_configs[${first}])`);
    else seen.set(job.job_name, i);
    return resolveJob(job, at, global, baseDir, problems);
  });
  if (problems.length > 0) throw fail(problems);
  return { jobs, baseDir };
}

/** Rewrites zod paths so array indices read as in YAML tools: `scrape_configs[0].job_name`. */
function bracketIndices(path: readonly PropertyKey[]): string[] {
  const out: string[] = [];
  for (const seg of path) {
    if (typeof seg === 'number' && out.length > 0) out[out.length - 1] += `[${seg}]`;
    else out.push(String(seg));
  }
  return out;
}

function unsupportedKeys(raw: object): { at: string; key: string; why: string }[] {
  const jobs = (raw as Record<string, unknown>).scrape_configs;
  if (!Array.isArray(jobs)) return [];
  const out: { at: string; key: string; why: string }[] = [];
  jobs.forEach((job: unknown, i) => {
    if (typeof job !== 'object' || job === null) return;
    for (const key of Object.keys(job)) {
      if (UNSUPPORTED.includes(key)) out.push({ at: `scrape_configs[${i}]`, key, why: "a Prometheus setting Braid's scraper does not support" });
      else if (key.endsWith('_sd_configs') && !SUPPORTED_SD.includes(key)) {
        out.push({ at: `scrape_configs[${i}]`, key, why: `service discovery Braid does not support (it has ${SUPPORTED_SD.join(', ')})` });
      }
    }
  });
  return out;
}

type Global = { intervalMs: number; timeoutMs: number; limits: Limits };
type Limits = Pick<ScrapeJob, 'sampleLimit' | 'targetLimit' | 'labelLimit' | 'labelNameLengthLimit' | 'labelValueLengthLimit' | 'bodySizeLimitBytes'>;

function resolveGlobal(g: GlobalInput, problems: string[]): Global {
  // As Prometheus: 0 means unset; an unset timeout is the default 10s, capped at the interval.
  const intervalMs = g.scrape_interval || 60_000;
  if ((g.scrape_timeout ?? 0) > intervalMs) {
    problems.push(`  global.scrape_timeout: global scrape timeout (${formatDuration(g.scrape_timeout!)}) greater than scrape interval (${formatDuration(intervalMs)})`);
  }
  const timeoutMs = g.scrape_timeout || Math.min(10_000, intervalMs);
  return { intervalMs, timeoutMs, limits: limitsOf(g, undefined) };
}

function limitsOf(v: GlobalInput | JobInput, inherit: Limits | undefined): Limits {
  // A job's 0 (or absent) limit takes the global one, as Prometheus does.
  return {
    sampleLimit: v.sample_limit || inherit?.sampleLimit || 0,
    targetLimit: v.target_limit || inherit?.targetLimit || 0,
    labelLimit: v.label_limit || inherit?.labelLimit || 0,
    labelNameLengthLimit: v.label_name_length_limit || inherit?.labelNameLengthLimit || 0,
    labelValueLengthLimit: v.label_value_length_limit || inherit?.labelValueLengthLimit || 0,
    bodySizeLimitBytes: v.body_size_limit || inherit?.bodySizeLimitBytes || 0,
  };
}

function resolveJob(job: JobInput, at: string, global: Global, baseDir: string, problems: string[]): ScrapeJob {
  const intervalMs = job.scrape_interval || global.intervalMs;
  if ((job.scrape_timeout ?? 0) > intervalMs) {
    problems.push(
      `  ${at}.scrape_timeout: scrape timeout (${formatDuration(job.scrape_timeout!)}) greater than scrape interval (${formatDuration(intervalMs)}) for job ${JSON.stringify(job.job_name)}`,
    );
  }
  const timeoutMs = job.scrape_timeout || Math.min(global.timeoutMs, intervalMs);
  const files = new FileReader(baseDir, problems);
  const relabel = compile(job.relabel_configs, `${at}.relabel_configs`, problems);
  return {
    jobName: job.job_name,
    intervalMs,
    timeoutMs,
    metricsPath: job.metrics_path,
    scheme: job.scheme,
    params: job.params ?? {},
    honorLabels: job.honor_labels,
    honorTimestamps: job.honor_timestamps,
    ...limitsOf(job, global.limits),
    followRedirects: job.follow_redirects,
    enableCompression: job.enable_compression,
    headers: resolveAuth(job, at, files, problems),
    tls: job.tls_config === undefined ? undefined : resolveTls(job.tls_config, `${at}.tls_config`, files, problems),
    staticGroups: staticGroups(job, at, relabel.length === 0, problems),
    fileSd: (job.file_sd_configs ?? []).map((c, j) => fileSd(c, `${at}.file_sd_configs[${j}]`, baseDir, problems)),
    kubernetesSd: job.kubernetes_sd_configs ?? [],
    relabel,
    metricRelabel: compile(job.metric_relabel_configs, `${at}.metric_relabel_configs`, problems),
  };
}

function compile(rules: unknown, at: string, problems: string[]): CompiledRelabel[] {
  try {
    return compileRelabelConfigs(rules ?? [], at);
  } catch (err) {
    if (!(err instanceof BraidError)) throw err;
    for (const line of err.message.split('\n')) if (line.trim() !== '') problems.push(line.startsWith('  ') ? line : `  ${line}`);
    return [];
  }
}

function staticGroups(job: JobInput, at: string, checkAddresses: boolean, problems: string[]): TargetGroup[] {
  return (job.static_configs ?? []).map((c, i) => {
    const sat = `${at}.static_configs[${i}]`;
    checkLabelNames(c.labels ?? {}, `${sat}.labels`, problems);
    if (checkAddresses) {
      // Prometheus's check for users putting URLs in targets; relabeling may still fix them, so only without it.
      c.targets.forEach((t, j) => {
        if (t.includes('/')) problems.push(`  ${sat}.targets[${j}]: ${JSON.stringify(t)} is not a valid hostname (write host:port; scheme and path are set by scheme and metrics_path)`);
      });
    }
    return { source: String(i), targets: c.targets.map((t) => ({ __address__: t })), labels: { ...(c.labels ?? {}) } };
  });
}

/** Prometheus's legacy label-name rule, which Braid keeps so names stay safe as stored field names. */
function isValidLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}

function checkLabelNames(labels: Record<string, string>, at: string, problems: string[]): void {
  for (const name of Object.keys(labels)) {
    if (!isValidLabelName(name)) problems.push(`  ${at}: ${JSON.stringify(name)} is not a valid label name`);
  }
}

function fileSd(c: z.output<typeof fileSdConfig>, at: string, baseDir: string, problems: string[]): FileSdSettings {
  if (c.files.length === 0) problems.push(`  ${at}.files: file service discovery config must contain at least one path name`);
  c.files.forEach((f, i) => {
    if (!FILE_SD_NAME.test(f)) problems.push(`  ${at}.files[${i}]: path name ${JSON.stringify(f)} is not valid for file discovery (a .json, .yml or .yaml name; "*" only in the last path element)`);
  });
  return { files: c.files.map((f) => joinDir(baseDir, f)), refreshIntervalMs: c.refresh_interval || 5 * 60_000 };
}
