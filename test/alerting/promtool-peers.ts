/**
 * Runs rule unit-test files through both peers: Prometheus 3.16's `promtool test rules` (built from
 * the Go module proxy by scripts/infra/prometheus.ts) and `braid rules test` (the CLI from source,
 * through tsx). Both print `Processing test file: F`, then `  SUCCESS` or `  FAILED:` and what
 * failed, to stdout and stderr; both streams go to one file so that the order survives.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPrometheus } from '../../scripts/infra/prometheus.js';

const CLI = fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url));

/**
 * Braid's engine has mad_over_time on by default; Prometheus keeps it behind this flag. Without the
 * flag promtool refuses the rules that use it (the other experimental functions are not in the corpus).
 */
export const PROMTOOL_FLAGS = ['--enable-feature=promql-experimental-functions'];

/** How one run ended: exit code and stdout + stderr in the order written. */
export interface PeerRun {
  code: number | null;
  output: string;
}

/** Runs `cmd` in `cwd` with stdout and stderr on one file descriptor; killed after `timeoutMs`. */
function runIn(cwd: string, cmd: string, args: string[], timeoutMs: number): Promise<PeerRun> {
  const dir = mkdtempSync(join(tmpdir(), 'braid-peer-'));
  const file = join(dir, 'output');
  const fd = openSync(file, 'w');
  const done = (code: number | null): PeerRun => {
    const output = readFileSync(file, 'utf8');
    rmSync(dir, { recursive: true, force: true });
    return { code, output };
  };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      done(null);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(done(code));
    });
  });
}

let promtool: Promise<string> | undefined;

/** The promtool binary, built on first use (minutes the first time, nothing once cached). */
export function promtoolPath(): Promise<string> {
  promtool ??= buildPrometheus().then((b) => b.promtool);
  return promtool;
}

/** `promtool test rules <files...>` from `cwd`. */
export async function promtoolTest(cwd: string, files: string[]): Promise<PeerRun> {
  return runIn(cwd, await promtoolPath(), ['test', 'rules', ...PROMTOOL_FLAGS, ...files], 120_000);
}

/** `braid rules test <files...>` from `cwd`. */
export function braidTest(cwd: string, files: string[]): Promise<PeerRun> {
  return runIn(cwd, process.execPath, ['--import', 'tsx', CLI, 'rules', 'test', ...files], 300_000);
}

/** `promtool check rules <files...>` from `cwd`. */
export async function promtoolCheck(cwd: string, files: string[]): Promise<PeerRun> {
  return runIn(cwd, await promtoolPath(), ['check', 'rules', ...PROMTOOL_FLAGS, ...files], 120_000);
}

/** `braid rules check <files...>` from `cwd`. */
export function braidCheck(cwd: string, files: string[]): Promise<PeerRun> {
  return runIn(cwd, process.execPath, ['--import', 'tsx', CLI, 'rules', 'check', ...files], 120_000);
}

/** One file's part of a `test rules` output: from its `Processing test file:` line to the next. */
export interface FileOutcome {
  passed: boolean;
  output: string;
}

/** Splits a `test rules` output of several files by file; a file whose part says neither SUCCESS nor FAILED is absent. */
export function outcomesByFile(output: string): Map<string, FileOutcome> {
  const out = new Map<string, FileOutcome>();
  const parts = output.split(/^Processing test file: /m).slice(1);
  for (const part of parts) {
    const nl = part.indexOf('\n');
    const file = part.slice(0, nl < 0 ? undefined : nl).trim();
    const body = nl < 0 ? '' : part.slice(nl + 1);
    if (/^ {2}SUCCESS$/m.test(body)) out.set(file, { passed: true, output: body });
    else if (/^ {2}FAILED:$/m.test(body)) out.set(file, { passed: false, output: body });
  }
  return out;
}
