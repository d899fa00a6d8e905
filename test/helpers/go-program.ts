/** Small Go programs that differential tests compare Braid with, built once into the infra cache. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../scripts/infra/paths.js';
import { run, which } from '../../scripts/infra/process.js';

/** Builds `source` (one main.go, standard library only) with the local Go toolchain; returns the binary, cached by content. */
export async function buildGoProgram(source: string, name: string): Promise<string> {
  const go = which('go');
  if (go === undefined) throw new Error(`go not found on PATH: ${name} is a Go program a test compares Braid with (${source})`);
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const dir = join(loadConfig().cacheDir, name);
  const binary = join(dir, `${name}-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  await run(go, ['build', '-o', binary, source], { cwd: dir, env: { ...process.env, GOWORK: 'off', GO111MODULE: 'off' } });
  return binary;
}
