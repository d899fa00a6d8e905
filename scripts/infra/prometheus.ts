/**
 * Prometheus 3.16's `prometheus` and `promtool` as test peers, built with `go install` from the Go
 * module proxy (github.com/prometheus/prometheus v0.316.0 is Prometheus 3.16.0). Its go.mod has no
 * replace directives, so `go install <pkg>@<version>` builds it with its own pinned dependencies and
 * no go.mod of ours is needed (unlike kube-apiserver and etcd, see kubernetes.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './fetch.js';
import { type InfraConfig, loadConfig } from './paths.js';
import { InfraError, run, which } from './process.js';

const MODULE = 'github.com/prometheus/prometheus';
/** The Go module version; Prometheus numbers its Go module v0.<major><minor>.<patch>. */
export const PROMETHEUS_MODULE_VERSION = 'v0.316.0';
/** The release that module version is. */
export const PROMETHEUS_VERSION = '3.16.0';

/** What the release build stamps (.promu.yml), so `--version` and build_info say 3.16.0. */
const LDFLAGS = [
  '-s -w',
  ...Object.entries({ Version: PROMETHEUS_VERSION, Revision: PROMETHEUS_MODULE_VERSION, Branch: 'HEAD', BuildUser: 'braid' })
    .map(([k, v]) => `-X github.com/prometheus/common/version.${k}=${v}`),
].join(' ');

const COMMANDS = ['prometheus', 'promtool'] as const;
type Command = (typeof COMMANDS)[number];

/** The built binaries and their release version. */
export interface PrometheusBinaries {
  prometheus: string;
  promtool: string;
  version: string;
  /** The commands built by this call (empty when both were in the cache). */
  built: string[];
}

const defaultLog: Logger = (line) => process.stderr.write(`[braid-infra] ${line}\n`);

/** The cached binary of `cmd`: named by version and a hash of what it is built from, so a change of flags rebuilds. */
function cachedBinary(c: InfraConfig, cmd: Command): string {
  const hash = createHash('sha256').update(`${MODULE}@${PROMETHEUS_MODULE_VERSION}/cmd/${cmd}\n${LDFLAGS}`).digest('hex').slice(0, 12);
  return join(c.cacheDir, 'prometheus', `${cmd}-${PROMETHEUS_VERSION}-${hash}`);
}

/** Builds prometheus and promtool into the cache dir unless they are there; a second call builds nothing. */
export async function buildPrometheus(opts: { log?: Logger } = {}): Promise<PrometheusBinaries> {
  const c = loadConfig();
  const log = opts.log ?? defaultLog;
  const paths = { prometheus: cachedBinary(c, 'prometheus'), promtool: cachedBinary(c, 'promtool') };
  const missing = COMMANDS.filter((cmd) => !existsSync(paths[cmd]));
  if (missing.length > 0) await goInstall(c, missing, paths, log);
  return { ...paths, version: PROMETHEUS_VERSION, built: missing };
}

/** One `go install` for the missing commands (they share most packages), into a temporary GOBIN, then renamed into place. */
async function goInstall(c: InfraConfig, cmds: Command[], paths: Record<Command, string>, log: Logger): Promise<void> {
  const go = which('go');
  if (go === undefined) throw new InfraError(`go not found on PATH; building Prometheus ${PROMETHEUS_VERSION} needs Go 1.26+ and the Go module proxy`);
  const dir = join(c.cacheDir, 'prometheus');
  mkdirSync(dir, { recursive: true });
  const gobin = mkdtempSync(join(dir, `.partial-${process.pid}-`));
  // No -trimpath: it changes every package's build ID, so Go's build cache warmed by a plain
  // `go install` would not be reused. -ldflags only affects the link step.
  const args = ['install', '-p', '2', '-ldflags', LDFLAGS, ...cmds.map((cmd) => `${MODULE}/cmd/${cmd}@${PROMETHEUS_MODULE_VERSION}`)];
  // Builds are long and CPU-bound: niced, so benchmarks and servers running beside them keep their core.
  const nice = which('nice');
  // `pkg@version` ignores any go.mod around; GOWORK=off so a go.work cannot interfere either.
  const env = { ...process.env, GOBIN: gobin, GOWORK: 'off' };
  const t0 = Date.now();
  log(`building ${cmds.join(' and ')} ${PROMETHEUS_VERSION} with go install (first time only; ~5-10 min and ~300 MB of modules) into ${dir}`);
  try {
    await run(nice ?? go, nice === undefined ? args : ['-n', '10', go, ...args], { cwd: dir, env, logFile: join(dir, 'build.log') });
    for (const cmd of cmds) renameSync(join(gobin, cmd), paths[cmd]);
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
  log(`built ${cmds.join(' and ')} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
