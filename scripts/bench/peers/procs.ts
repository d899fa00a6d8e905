/**
 * Child processes of the peers bench: each in its own process group with its output in a log file,
 * all remembered so that every one is killed at the end, on failure and on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { groupMembers, isAlive, stopGroup, tailFile } from '../../infra/process.js';
import { cpuSeconds } from '../processes.js';

/** A started child process. */
export interface Proc {
  name: string;
  pid: number;
  log: string;
  /** Resolves with the exit code (or the signal's name) once it has exited. */
  exited: Promise<number | string>;
}

const live = new Set<Proc>();

/** Starts `cmd` in a process group of its own, stdout and stderr appended to `log`. */
export function startProc(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, log: string): Proc {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd}); see ${log}`);
    const exited = new Promise<number | string>((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
      child.once('error', () => resolve(-1));
    });
    const p: Proc = { name, pid: child.pid, log, exited };
    live.add(p);
    void exited.then(() => live.delete(p));
    return p;
  } finally {
    closeSync(fd);
  }
}

/** SIGTERM to the process's group, SIGKILL after `timeoutMs`; resolves once it is gone. */
export async function stopProc(p: Proc, timeoutMs = 15_000): Promise<void> {
  await stopGroup(p.pid, timeoutMs);
  live.delete(p);
}

/** Kills every process still running (used on failure and on exit). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => stopProc(p, 5_000)));
}

/** Synchronous last resort for `process.on('exit')`: SIGKILL to every remembered group. */
export function killAllNow(): void {
  for (const p of live) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** CPU seconds of every live member of the process's group (a clustered Braid has several). */
export function groupCpuSeconds(p: Proc): number {
  let sum = 0;
  for (const pid of groupMembers(p.pid)) {
    try {
      sum += cpuSeconds(pid);
    } catch {
      // exited meanwhile
    }
  }
  return sum;
}

/** Peak RSS (VmHWM) in MB summed over the group's live members. */
export function groupPeakRssMb(p: Proc): number {
  let kb = 0;
  for (const pid of groupMembers(p.pid)) {
    try {
      kb += Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return kb / 1024;
}

/** Polls `ready` every 200 ms; throws with the log's tail when the process exits or `timeoutMs` passes. */
export async function waitReady(p: Proc, ready: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready().catch(() => false)) return;
    if (!isAlive(p.pid)) throw new Error(`${p.name} exited during start-up; last lines of ${p.log}:\n${tailFile(p.log, 30)}`);
    if (Date.now() > deadline) throw new Error(`${p.name} not ready after ${timeoutMs / 1000} s; last lines of ${p.log}:\n${tailFile(p.log, 30)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
