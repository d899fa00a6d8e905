/**
 * The prometheus-operator CustomResourceDefinitions the chart's ServiceMonitor and PrometheusRule
 * need, taken from the github.com/prometheus-operator/prometheus-operator Go module (which ships
 * them under example/prometheus-operator-crd/) through the Go module proxy, and cached.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './fetch.js';
import { loadConfig } from './paths.js';
import { InfraError, run, which } from './process.js';

const MODULE = 'github.com/prometheus-operator/prometheus-operator';
/** The prometheus-operator release whose CRDs are installed. */
export const PROMETHEUS_OPERATOR_VERSION = 'v0.85.0';
const KINDS = ['servicemonitors', 'prometheusrules'] as const;

/** Paths of the cached CRD manifests (one CRD per file). */
export interface PrometheusOperatorCrds {
  servicemonitors: string;
  prometheusrules: string;
  version: string;
  /** True when this call took them from the module (false: found in the cache). */
  fetched: boolean;
}

const defaultLog: Logger = (line) => process.stderr.write(`[braid-infra] ${line}\n`);

/** Downloads the module (unless Go's module cache has it) and copies the two CRDs into the cache; a second call does nothing. */
export async function fetchPrometheusOperatorCrds(opts: { log?: Logger } = {}): Promise<PrometheusOperatorCrds> {
  const dir = join(loadConfig().cacheDir, 'crds', `prometheus-operator-${PROMETHEUS_OPERATOR_VERSION}`);
  const paths = Object.fromEntries(KINDS.map((k) => [k, join(dir, `monitoring.coreos.com_${k}.yaml`)])) as Record<(typeof KINDS)[number], string>;
  if (KINDS.every((k) => existsSync(paths[k]))) return { ...paths, version: PROMETHEUS_OPERATOR_VERSION, fetched: false };
  const go = which('go');
  if (go === undefined) throw new InfraError(`go not found on PATH; the prometheus-operator ${PROMETHEUS_OPERATOR_VERSION} CRDs come from the Go module proxy`);
  const log = opts.log ?? defaultLog;
  log(`downloading ${MODULE}@${PROMETHEUS_OPERATOR_VERSION} from the Go module proxy for its CRDs`);
  mkdirSync(dir, { recursive: true });
  const out = await run(go, ['mod', 'download', '-json', `${MODULE}@${PROMETHEUS_OPERATOR_VERSION}`], { cwd: dir, env: { ...process.env, GOWORK: 'off' } });
  const moduleDir = (JSON.parse(out) as { Dir?: string }).Dir;
  if (moduleDir === undefined) throw new InfraError(`go mod download ${MODULE}@${PROMETHEUS_OPERATOR_VERSION} named no Dir: ${out.slice(0, 300)}`);
  // Copied into a temporary dir first, then renamed file by file: a reader never sees half a file.
  const tmp = mkdtempSync(join(dir, '.partial-'));
  try {
    for (const k of KINDS) {
      const src = join(moduleDir, 'example', 'prometheus-operator-crd', `monitoring.coreos.com_${k}.yaml`);
      if (!existsSync(src)) throw new InfraError(`${MODULE}@${PROMETHEUS_OPERATOR_VERSION} has no ${src}`);
      copyFileSync(src, join(tmp, `${k}.yaml`));
      renameSync(join(tmp, `${k}.yaml`), paths[k]);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { ...paths, version: PROMETHEUS_OPERATOR_VERSION, fetched: true };
}
