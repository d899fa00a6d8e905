#!/usr/bin/env node
/**
 * The `braid` command: serve, config check, trace. The only place that exits the process.
 */
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { isBraidError } from '../errors.js';
import { startBraid } from '../main.js';
import { createLogger } from '../telemetry/logger.js';
import { fetchTrace, renderTrace } from './trace.js';

const USAGE = `usage:
  braid serve [--config FILE] [--target all|collector,ingester,query,alerter]
  braid config check FILE [--target T]   validate as serve would load it (environment applied)
  braid trace <traceId> [--url http://127.0.0.1:16686] [--token-file F]   (or env BRAID_TOKEN)
  braid rules check FILES...   validate rule files (as promtool check rules)
  braid rules test FILES...    run rule unit tests (promtool test rules format)

environment: BRAID_CONFIG, BRAID_TARGET, BRAID_KAFKA_BROKERS, BRAID_ELASTICSEARCH_URL, BRAID_LOG_LEVEL,
  BRAID_KAFKA_SASL_USERNAME, BRAID_KAFKA_SASL_PASSWORD, BRAID_ELASTICSEARCH_USERNAME, BRAID_ELASTICSEARCH_PASSWORD,
  BRAID_ELASTICSEARCH_API_KEY, BRAID_SCRAPE_SHARD_INDEX, BRAID_SCRAPE_SHARD_COUNT, BRAID_WORKERS,
  BRAID_AUTH_TOKENS_FILE (serve), BRAID_TOKEN (trace: the bearer token it sends)`;

function fail(message: string, code = 2): never {
  process.stderr.write(`braid: ${message}\n`);
  process.exit(code);
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, target: { type: 'string', short: 't' } }, strict: true });
  const env = { ...process.env };
  if (values.target) env.BRAID_TARGET = values.target;
  // A cluster worker takes its config from the primary (src/cluster), not from the file again.
  if (cluster.isWorker) process.exit(await (await import('../cluster/worker.js')).serveWorker());
  const config = await loadConfig(values.config ?? (env.BRAID_CONFIG || undefined), env);
  const log = createLogger(config.telemetry.log_level);
  const { resolveWorkers } = await import('../cluster/plan.js');
  const workers = resolveWorkers(config.cluster.workers);
  if (workers > 0) process.exit(await (await import('../cluster/primary.js')).servePrimary(config, workers, log));
  const starting = new AbortController();
  let stopRequested = false;
  const onSignal = (signal: string) => {
    if (stopRequested) return;
    stopRequested = true;
    log.info({ signal }, 'signal received');
    starting.abort();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  let running;
  try {
    running = await startBraid(config, { log, signal: starting.signal });
  } catch (err) {
    if (stopRequested) process.exit(0);
    throw err;
  }
  // SIGHUP re-reads the rule files, as it does for Prometheus; a bad file keeps the old rules.
  process.on('SIGHUP', () => {
    log.info('SIGHUP: reloading rule files');
    void running?.reload().then((r) => (r.ok ? log.info('rules reloaded') : log.error({ errors: r.errors }, 'reload failed; the previous rules stay')));
  });
  if (!stopRequested) await new Promise<void>((resolve) => starting.signal.addEventListener('abort', () => resolve(), { once: true }));
  const hardStop = setTimeout(() => {
    log.error('shutdown took too long; exiting');
    process.exit(1);
  }, config.shutdown_timeout_seconds * 1000);
  const drained = await running.stop();
  clearTimeout(hardStop);
  log.flush();
  process.exit(drained ? 0 : 1);
}

async function configCheck(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { target: { type: 'string', short: 't' } }, allowPositionals: true, strict: true });
  const file = positionals[0];
  if (!file) fail('config check needs a FILE');
  // With the environment and --target serve would see: a Kubernetes pod passes its secrets as
  // BRAID_* variables and its target on the command line.
  const env = { ...process.env };
  if (values.target) env.BRAID_TARGET = values.target;
  const config = await loadConfig(file, env);
  // TLS, password and API-key files are read at start-up: check they are readable now.
  const { connectionFiles, readConfigFile } = await import('../config/files.js');
  for (const [setting, path] of connectionFiles(config)) readConfigFile(setting, path);
  let scrape = '';
  let security = '; auth: none (open)';
  // The listeners' tokens file and TLS files are checked as start-up checks them (never printed).
  if (config.auth.tokens_file || config.tls) {
    security = '';
    const [{ readTokensFile }, { loadServerTls }] = await Promise.all([import('../security/tokens-file.js'), import('../security/tls.js')]);
    if (config.auth.tokens_file) {
      const t = readTokensFile(config.auth.tokens_file);
      security += `; auth: ${t.size} token${t.size === 1 ? '' : 's'}`;
    }
    if (config.tls) {
      loadServerTls(config.tls);
      security += '; tls: on';
    }
  }
  const p = config.receivers.prometheus;
  // The collector reads its scrape file at start-up: check it now, as `promtool check config` would.
  if (p.enabled && config.targets.includes('collector')) {
    const { loadScrapeConfig } = await import('../receivers/prometheus/scrape/config.js');
    const jobs = (await loadScrapeConfig(p.config_file)).jobs.length;
    scrape = `; scrape: ${p.config_file}, ${jobs} job${jobs === 1 ? '' : 's'}`;
  }
  if (config.targets.includes('alerter')) {
    const a = config.alerting;
    const { checkNotifierSettings } = await import('../alerting/notifier/index.js');
    checkNotifierSettings({ alertmanagers: a.alertmanagers, webhooks: a.webhooks });
    const { expandRuleFiles, loadRuleFile } = await import('../alerting/rules/load.js');
    const files = await expandRuleFiles(a.rule_files);
    const errors = (await Promise.all(files.map((f) => loadRuleFile(f)))).flatMap((r) => r.errors);
    if (errors.length > 0) fail(`alerting.rule_files:\n  ${errors.join('\n  ')}`);
    scrape += `; rules: ${files.length} file${files.length === 1 ? '' : 's'}`;
  }
  process.stdout.write(`${file}: valid (targets: ${config.targets.join(',')}; queue: ${config.queueKind}; store: ${config.storeKind}${scrape}${security})\n`);
}

async function trace(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { url: { type: 'string', default: 'http://127.0.0.1:16686' }, 'token-file': { type: 'string' } }, allowPositionals: true, strict: true });
  const id = positionals[0];
  if (!id) fail('trace needs a trace ID');
  const { readConfigFile } = await import('../config/files.js');
  const token = values['token-file'] ? readConfigFile('--token-file', values['token-file'], true) : process.env.BRAID_TOKEN || undefined;
  const t = await fetchTrace(values.url, id, token);
  if (!t) fail(`trace ${id} not found at ${values.url}`, 1);
  process.stdout.write(`${renderTrace(t).join('\n')}\n`);
}

async function rules(sub: 'check' | 'test', files: string[]): Promise<void> {
  if (files.length === 0) fail(`rules ${sub} needs FILES`);
  const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);
  // Loaded on demand: serve and config check do not pay for the rule engine's modules.
  const run = sub === 'check' ? (await import('./rules-check.js')).rulesCheck : (await import('./rules-test.js')).rulesTest;
  const code = await run(files, write(process.stdout), write(process.stderr));
  process.exitCode = code;
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === 'serve' || cmd === undefined) return serve(rest);
  if (cmd === 'config' && rest[0] === 'check') return configCheck(rest.slice(1));
  if (cmd === 'trace') return trace(rest);
  if (cmd === 'rules' && (rest[0] === 'check' || rest[0] === 'test')) return rules(rest[0], rest.slice(1));
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  fail(`unknown command "${argv.join(' ')}"\n${USAGE}`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (isBraidError(err)) fail(err.message);
  if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) fail(`${(err as Error).message}\n${USAGE}`);
  fail(`${(err as Error).stack ?? String(err)}`, 1);
});
