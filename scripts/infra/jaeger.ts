/**
 * The peers of `npm run bench -- --peers`: Jaeger v2 (`github.com/jaegertracing/jaeger/cmd/jaeger`
 * of the v1.75.0 module, whose collector and ingester are OpenTelemetry Collector builds) and the
 * load generator telemetrygen v0.161.0, both built with `go build` from the Go module proxy. Each
 * builds from a go.mod/go.sum of ours under scripts/infra/jaeger/<name>/ (a `tool` directive pins
 * the program; `go get -tool <pkg>@<version>` wrote them), so the build is reproducible and the
 * cached binary is named by version and a hash of those files: an edit rebuilds, a second call
 * builds nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from './fetch.js';
import { type InfraConfig, loadConfig } from './paths.js';
import { InfraError, run, which } from './process.js';

/** The Jaeger Go module version (Jaeger v2's binary lives in the v1 module line). */
export const JAEGER_MODULE_VERSION = 'v1.75.0';
/** The telemetrygen release (opentelemetry-collector-contrib's module version). */
export const TELEMETRYGEN_VERSION = 'v0.161.0';

/** One peer program: its module folder (go.mod + go.sum, in the repo) and the package it builds. */
export interface PeerProgram {
  name: 'jaeger' | 'telemetrygen';
  /** The Go package built, as its `tool` line in go.mod names it. */
  pkg: string;
  /** The module that carries the version, and the version it must be required at. */
  module: string;
  version: string;
  moduleDir: string;
}

const SOURCES = fileURLToPath(new URL('./jaeger/', import.meta.url));

/** The two programs, pinned. */
export const PEER_PROGRAMS: readonly PeerProgram[] = [
  {
    name: 'jaeger',
    pkg: 'github.com/jaegertracing/jaeger/cmd/jaeger',
    module: 'github.com/jaegertracing/jaeger',
    version: JAEGER_MODULE_VERSION,
    moduleDir: join(SOURCES, 'jaeger'),
  },
  {
    name: 'telemetrygen',
    pkg: 'github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen',
    module: 'github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen',
    version: TELEMETRYGEN_VERSION,
    moduleDir: join(SOURCES, 'telemetrygen'),
  },
];

/** The built binaries. */
export interface PeerBinaries {
  jaeger: string;
  telemetrygen: string;
  /** The names built by this call (empty when both were in the cache). */
  built: string[];
}

const LDFLAGS = '-s -w';
const defaultLog: Logger = (line) => process.stderr.write(`[braid-infra] ${line}\n`);

/**
 * Where `p` is cached: ~/.cache/braid/<name>-<version>-<hash of go.mod + go.sum + flags>/<name>.
 * Throws when go.mod does not pin the program at its version or lacks the `tool` line.
 */
export function peerBinaryPath(c: InfraConfig, p: PeerProgram): string {
  const goMod = readFileSync(join(p.moduleDir, 'go.mod'), 'utf8');
  const required = new RegExp(`^\\s*(?:require\\s+)?${p.module.replaceAll('.', '\\.')} (v\\S+)`, 'm').exec(goMod)?.[1];
  if (required !== p.version) throw new InfraError(`${join(p.moduleDir, 'go.mod')} requires ${p.module} ${required ?? '(nothing)'}, expected ${p.version}`);
  if (!goMod.includes(`\ntool ${p.pkg}\n`)) throw new InfraError(`${join(p.moduleDir, 'go.mod')} has no line "tool ${p.pkg}"`);
  const hash = createHash('sha256').update(goMod).update(readFileSync(join(p.moduleDir, 'go.sum'))).update(LDFLAGS).digest('hex').slice(0, 12);
  return join(c.cacheDir, `${p.name}-${p.version}-${hash}`, p.name);
}

/** Builds Jaeger and telemetrygen into the cache dir unless they are there; a second call builds nothing. */
export async function buildPeers(opts: { log?: Logger } = {}): Promise<PeerBinaries> {
  const c = loadConfig();
  const log = opts.log ?? defaultLog;
  const paths: Record<string, string> = {};
  const built: string[] = [];
  // One after the other: a go build already keeps both cores busy.
  for (const p of PEER_PROGRAMS) {
    const target = peerBinaryPath(c, p);
    paths[p.name] = target;
    if (existsSync(target)) continue;
    await goBuildPeer(p, target, log);
    built.push(p.name);
  }
  return { jaeger: paths.jaeger!, telemetrygen: paths.telemetrygen!, built };
}

/** `go build` into a partial file next to the target, renamed into place once complete. */
async function goBuildPeer(p: PeerProgram, target: string, log: Logger): Promise<void> {
  const go = which('go');
  if (go === undefined) throw new InfraError(`go not found on PATH; building ${p.name} ${p.version} needs Go 1.26+ and the Go module proxy`);
  const dir = join(target, '..');
  mkdirSync(dir, { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  // -trimpath as in kubernetes.ts: the same flags as a warm-up `go build -trimpath` reuse its build cache.
  const args = ['build', '-p', '2', '-trimpath', '-ldflags', LDFLAGS, '-o', partial, p.pkg];
  const nice = which('nice');
  const env = { ...process.env, GOWORK: 'off', GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=readonly`.trim() };
  const started = Date.now();
  log(`building ${p.name} ${p.version} with go build (first time only; Jaeger takes ~5-10 min and ~600 MB of modules, telemetrygen ~1 min) into ${dir}`);
  try {
    await run(nice ?? go, nice === undefined ? args : ['-n', '10', go, ...args], { cwd: p.moduleDir, env, logFile: join(dir, 'build.log') });
    renameSync(partial, target);
  } finally {
    rmSync(partial, { force: true });
  }
  log(`built ${p.name} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
