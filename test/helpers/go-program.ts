/** Small Go programs that differential tests compare Braid with, built once into the infra cache. */
import { spawn } from 'node:child_process';
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

/** Runs a built Go program with `input` on stdin; resolves with its whole stdout (rejects on a non-zero exit). */
export function runGoProgram(binary: string, input: string, args: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${binary} exited with ${code}`))));
    child.stdin.end(input);
  });
}
