/**
 * A real Prometheus for the differential check: started on a free port with an empty TSDB and the
 * remote-write receiver, fed the dataset by remote write, asked through its HTTP API.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/process.js';
import { encode, snappy, type SeriesSpec } from '../../helpers/remote-write.js';
import { buildPrometheus } from '../../../scripts/infra/prometheus.js';
import type { QueryResult } from '../../../src/promql/index.js';
import type { Outcome } from './compare.js';

/** A running Prometheus. */
export interface PrometheusPeer {
  url: string;
  version: string;
  write(series: SeriesSpec[]): Promise<void>;
  instant(query: string, timeMs: number): Promise<Outcome>;
  range(query: string, startMs: number, endMs: number, stepMs: number): Promise<Outcome>;
  stop(): Promise<void>;
}

/** The Prometheus 3.16 binary: $BRAID_PROMETHEUS_BIN, else the cached build of scripts/infra/prometheus.ts (built on first use). */
export async function prometheusBinary(): Promise<string> {
  const env = process.env.BRAID_PROMETHEUS_BIN;
  if (env !== undefined && env !== '') return env;
  return (await buildPrometheus()).prometheus;
}

async function answer(res: Response): Promise<Outcome> {
  const body = (await res.json()) as { status: string; data?: QueryResult; errorType?: string; error?: string };
  if (body.status === 'success' && body.data !== undefined) return { ok: true, data: body.data };
  // The engine's message, without the API's `invalid parameter "query": ` around it.
  return { ok: false, errorType: body.errorType ?? 'unknown', error: (body.error ?? '').replace(/^invalid parameter "query": /, '') };
}

/** Starts Prometheus; `stop()` kills it and removes its TSDB. */
export async function startPrometheus(binary: string): Promise<PrometheusPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'braid-promql-diff-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
  const url = `http://127.0.0.1:${await freePort()}`;
  const child = spawn(binary, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=${url.slice('http://'.length)}`, '--web.enable-remote-write-receiver'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Never left running by a runner that exits early.
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  const stop = async (): Promise<void> => {
    process.off('exit', kill);
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) break;
    if (i > 300 || child.exitCode !== null) {
      await stop();
      throw new Error(`Prometheus did not become ready: ${output.slice(-1000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const info = (await (await fetch(`${url}/api/v1/status/buildinfo`)).json()) as { data: { version: string } };
  const post = (path: string, form: Record<string, string>): Promise<Outcome> =>
    fetch(`${url}${path}`, { method: 'POST', body: new URLSearchParams(form) }).then(answer);
  return {
    url,
    version: info.data.version,
    async write(series) {
      const res = await fetch(`${url}/api/v1/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
        body: snappy(encode(series)),
      });
      if (!res.ok) throw new Error(`remote write to Prometheus: ${res.status} ${await res.text()}`);
    },
    instant: (query, timeMs) => post('/api/v1/query', { query, time: String(timeMs / 1000) }),
    range: (query, startMs, endMs, stepMs) => post('/api/v1/query_range', { query, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepMs / 1000) }),
    stop,
  };
}
