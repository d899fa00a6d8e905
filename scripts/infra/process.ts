/** Process plumbing for the harness: detached spawn, pid files, liveness, group kill, waiting for health (Linux). */
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';

/** An expected failure: the CLI prints its message on one line, without a stack trace. */
export class InfraError extends Error {
  override name = 'InfraError';
}

/** Sleeps `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The absolute path of `cmd` on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // not there or not executable: keep looking
    }
  }
  return undefined;
}

/** Options of a command run to completion. */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Appended with the command's output (also kept in memory for the error message). */
  logFile?: string;
}

/** Runs a command to completion; resolves with its stdout, rejects with an InfraError carrying the output's tail. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new InfraError(`cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code) => {
      if (opts.logFile) writeFileSync(opts.logFile, `$ ${cmd} ${args.join(' ')}\n${out}${err}\n`, { flag: 'a' });
      if (code === 0) return resolve(out);
      const tail = lastLines(`${out}${err}`, 20);
      const where = opts.logFile ? ` (full output: ${opts.logFile})` : '';
      reject(new InfraError(`${cmd} ${args.slice(0, 3).join(' ')}... exited with ${code}${where}\n${tail}`));
    });
  });
}

/** Options of a server started in the background. */
export interface DetachedOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  logFile: string;
  uid?: number;
  gid?: number;
}

/** Starts a long-running process in its own session/process group, detached so it outlives us; returns its pid. */
export function spawnDetached(cmd: string, args: string[], opts: DetachedOptions): number {
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ['ignore', fd, fd],
      ...(opts.uid === undefined ? {} : { uid: opts.uid }),
      ...(opts.gid === undefined ? {} : { gid: opts.gid }),
    });
    child.on('error', () => undefined); // reported through the health wait (process gone + log tail)
    child.unref();
    if (child.pid === undefined) throw new InfraError(`could not start ${cmd} (see ${opts.logFile})`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Reads a pid file; undefined when absent or malformed. */
export function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a pid file (creating its directory). */
export function writePid(file: string, pid: number): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${pid}\n`);
}

/** Removes a pid file if present. */
export function removePid(file: string): void {
  rmSync(file, { force: true });
}

/** State letter and process group of a pid from /proc, or undefined when it does not exist. */
function procStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** True when the pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const st = procStat(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
}

/** The command line of a pid ([] when gone). */
export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  } catch {
    return [];
  }
}

/** Live (non-zombie) members of a process group. */
export function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(Number(name));
    if (st && st.pgrp === pgid && st.state !== 'Z' && st.state !== 'X') pids.push(Number(name));
  }
  return pids;
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // group already gone
  }
}

/** SIGTERMs a whole process group, then SIGKILLs it if anything is left after `timeoutMs`; true if it had to kill. */
export async function stopGroup(pgid: number, timeoutMs = 30_000): Promise<boolean> {
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (groupMembers(pgid).length === 0) return false;
    await delay(250);
  }
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 40 && groupMembers(pgid).length > 0; i++) await delay(250);
  return true;
}

/** The last `n` lines of a text. */
export function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** The last `n` lines of a file, or '' when it cannot be read. */
export function tailFile(file: string, n = 20): string {
  try {
    return lastLines(readFileSync(file, 'utf8'), n);
  } catch {
    return '';
  }
}

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function tcpOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Best effort: the pid of the process listening on a TCP port (via /proc/net/tcp and /proc/<pid>/fd). */
export function pidListeningOn(port: number): number | undefined {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && f[1]?.endsWith(`:${hexPort}`) && f[9]) inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${name}/fd/${fd}`));
        if (m?.[1] && inodes.has(m[1])) return Number(name);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}

/** What to wait for, and where to look when it does not come. */
export interface WaitOptions {
  name: string;
  /** Resolves true once the server is healthy; must not throw. */
  healthy: () => Promise<boolean>;
  /** When set, fail fast once this pid is gone. */
  pid?: number;
  timeoutMs: number;
  /** Logs whose tails are shown on failure (missing or empty ones are skipped). */
  logs: string[];
}

/** The first line of a log that looks like an error (ERROR/FATAL level or an exception message), trimmed. */
export function firstErrorLine(file: string): string | undefined {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((l) => /\b(ERROR|FATAL)\b|\w(Exception|Error): /.test(l));
  return line?.trim().slice(0, 300);
}

/** Describes a failed start: message pointing at the logs, with the last 20 lines of each. */
export function failureWithLogs(message: string, logs: string[]): InfraError {
  const parts = [message];
  for (const log of logs) {
    const first = firstErrorLine(log);
    if (first) parts.push(`first error in ${log}: ${first}`);
  }
  for (const log of logs) {
    const tail = tailFile(log, 20);
    if (tail) parts.push(`--- last lines of ${log} ---\n${tail}`);
  }
  if (parts.length === 1) parts.push(`(no output in ${logs.join(', ')})`);
  return new InfraError(parts.join('\n'));
}

/** Polls `healthy` every second until it is true; throws an InfraError with log tails on timeout or early exit. */
export async function waitForHealth(o: WaitOptions): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    if (await o.healthy()) return;
    if (o.pid !== undefined && !isAlive(o.pid)) {
      throw failureWithLogs(`${o.name} exited during startup (pid ${o.pid}); see ${o.logs.join(' and ')}`, o.logs);
    }
    if (Date.now() > deadline) {
      throw failureWithLogs(`${o.name} not healthy after ${Math.round(o.timeoutMs / 1000)} s; see ${o.logs.join(' and ')}`, o.logs);
    }
    await delay(1000);
  }
}
