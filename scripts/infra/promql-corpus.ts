/**
 * Prometheus's own PromQL test corpus (promql/promqltest/testdata/*.test, Apache-2.0), fetched as
 * part of the Prometheus Go module from the Go module proxy into Go's module cache (outside the
 * repo; a second run downloads nothing). Prometheus 3.16, the release Braid's engine is checked
 * against; the parser, @prometheus-io/lezer-promql, has no 0.316 on npm yet, so it stays at 0.315
 * (the whole corpus runs with it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Prometheus 3.16 Go module version. */
export const PROMETHEUS_MODULE = 'github.com/prometheus/prometheus@v0.316.0';

/** The directory holding the corpus's .test files; downloads the module when it is not cached. */
export function promqlCorpusDir(): string {
  const cwd = mkdtempSync(join(tmpdir(), 'braid-promql-corpus-'));
  try {
    const out = execFileSync('go', ['mod', 'download', '-json', PROMETHEUS_MODULE], { cwd, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const info = JSON.parse(out) as { Dir?: string; Error?: string };
    if (info.Dir === undefined) throw new Error(info.Error ?? 'no Dir in the answer');
    return join(info.Dir, 'promql', 'promqltest', 'testdata');
  } catch (err) {
    throw new Error(`cannot fetch the PromQL test corpus (${PROMETHEUS_MODULE}) with \`go mod download\` (Go 1.24+ and the Go module proxy are needed): ${(err as Error).message}`);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
