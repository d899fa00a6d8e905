/**
 * Helm v4.3.2 for the chart test (test/integration/kubernetes-helm.test.ts), built with `go install`
 * from the Go module proxy as prometheus.ts builds Prometheus: helm.sh/helm/v4 has no replace
 * directives, so `go install <pkg>@<version>` builds it with its own go.mod and no module of ours.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './fetch.js';
import { type InfraConfig, loadConfig } from './paths.js';
import { InfraError, run, which } from './process.js';

const PKG = 'helm.sh/helm/v4/cmd/helm';
/** The Helm release built (its Go module version is the same tag). */
export const HELM_VERSION = 'v4.3.2';

/**
 * What helm's Makefile stamps for a release tag: the version, empty metadata (no "+unreleased"),
 * a clean tree. The tag's commit is not in the module zip, so gitCommit names the module version.
 */
const LDFLAGS = [
  '-w -s',
  ...Object.entries({ version: HELM_VERSION, metadata: '', gitCommit: HELM_VERSION, gitTreeState: 'clean' })
    .map(([k, v]) => `-X helm.sh/helm/v4/internal/version.${k}=${v}`),
].join(' ');

/** The built helm binary and its release version. */
export interface HelmBinary {
  helm: string;
  version: string;
  /** True when this call built it (false: found in the cache). */
  built: boolean;
}

const defaultLog: Logger = (line) => process.stderr.write(`[braid-infra] ${line}\n`);

/** The cached binary: named by version and a hash of what it is built from, so a change of flags rebuilds. */
function cachedBinary(c: InfraConfig): string {
  const hash = createHash('sha256').update(`${PKG}@${HELM_VERSION}\n${LDFLAGS}`).digest('hex').slice(0, 12);
  return join(c.cacheDir, 'helm', `helm-${HELM_VERSION}-${hash}`);
}

/** Builds helm into the cache dir unless it is there; a second call builds nothing. */
export async function buildHelm(opts: { log?: Logger } = {}): Promise<HelmBinary> {
  const c = loadConfig();
  const helm = cachedBinary(c);
  if (existsSync(helm)) return { helm, version: HELM_VERSION, built: false };
  await goInstall(c, helm, opts.log ?? defaultLog);
  return { helm, version: HELM_VERSION, built: true };
}

/** `go install` into a temporary GOBIN, then renamed into place (a concurrent or interrupted build never leaves half a binary). */
async function goInstall(c: InfraConfig, target: string, log: Logger): Promise<void> {
  const go = which('go');
  if (go === undefined) throw new InfraError(`go not found on PATH; building helm ${HELM_VERSION} needs Go 1.25+ and the Go module proxy`);
  const dir = join(c.cacheDir, 'helm');
  mkdirSync(dir, { recursive: true });
  const gobin = mkdtempSync(join(dir, `.partial-${process.pid}-`));
  // No -trimpath (helm's Makefile has it): it changes every package's build ID, so a Go build cache
  // warmed by a plain `go install` would not be reused. -ldflags only affects the link step.
  const args = ['install', '-p', '2', '-ldflags', LDFLAGS, `${PKG}@${HELM_VERSION}`];
  const nice = which('nice');
  // `pkg@version` ignores any go.mod around; GOWORK=off so a go.work cannot interfere either.
  const env = { ...process.env, GOBIN: gobin, GOWORK: 'off' };
  const t0 = Date.now();
  log(`building helm ${HELM_VERSION} with go install (first time only; ~3-8 min and ~250 MB of modules) into ${dir}`);
  try {
    await run(nice ?? go, nice === undefined ? args : ['-n', '10', go, ...args], { cwd: dir, env, logFile: join(dir, 'build.log') });
    renameSync(join(gobin, 'helm'), target);
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
  log(`built helm in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
