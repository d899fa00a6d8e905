/**
 * A real Alertmanager (Debian's `prometheus-alertmanager`) on 127.0.0.1 with a temporary config
 * and storage, clustering off. With `webhookUrl`, every alert is routed to that webhook
 * (send_resolved on, short group timings); without, to a receiver that sends nothing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process.js';

const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';

/** An alert as GET /api/v2/alerts returns it (the fields tests read). */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
  status: { state: string };
}

/** An Alertmanager started by startAlertmanager. */
export interface RunningAlertmanager {
  url: string;
  /** What it logged so far, for failure messages. */
  output(): string;
  /** GET /api/v2/alerts (active, silenced, inhibited and unprocessed alike). */
  alerts(): Promise<AlertmanagerAlert[]>;
  stop(): Promise<void>;
}

/** Options: where to route alerts, and the route's timings (Alertmanager duration strings). */
export interface AlertmanagerOptions {
  webhookUrl?: string;
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}

/** Starts Alertmanager on a free port; resolves once /-/ready answers 200. */
export async function startAlertmanager(opts: AlertmanagerOptions = {}): Promise<RunningAlertmanager> {
  if (!existsSync(ALERTMANAGER)) throw new Error(`${ALERTMANAGER} not found: install the Debian package prometheus-alertmanager (.ci/run does)`);
  const dir = await mkdtemp(join(tmpdir(), 'braid-alertmanager-'));
  const receiver = opts.webhookUrl === undefined ? { name: 'none' } : { name: 'hook', webhook_configs: [{ url: opts.webhookUrl, send_resolved: true }] };
  const config = {
    route: {
      receiver: receiver.name,
      group_by: opts.groupBy ?? ['alertname'],
      group_wait: opts.groupWait ?? '1s',
      group_interval: opts.groupInterval ?? '2s',
      repeat_interval: opts.repeatInterval ?? '1h',
    },
    receivers: [receiver],
  };
  await writeFile(join(dir, 'alertmanager.yml'), JSON.stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    ALERTMANAGER,
    [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`alertmanager exited with ${child.exitCode}: ${output}`);
    }
    const ok = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`alertmanager not ready after 30 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => output,
    async alerts() {
      const res = await fetch(`${url}/api/v2/alerts`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts: HTTP ${res.status}`);
      return (await res.json()) as AlertmanagerAlert[];
    },
    stop,
  };
}
