/** A real Prometheus (Debian's `prometheus` package) for the differential scrape tests. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from './process.js';

const PROMETHEUS = '/usr/bin/prometheus';

/** One series of an instant query's answer, its value as Prometheus formats it ("NaN", "+Inf", decimals). */
export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A Prometheus started by `startPrometheus`. */
export interface RunningPrometheus {
  url: string;
  /** What it logged so far, for failure messages. */
  output(): string;
  /** GET /api/v1/query. */
  query(promql: string): Promise<PromSample[]>;
  stop(): void;
}

/** Starts Prometheus on `configFile` with its TSDB in `dataDir`, listening on a free port of 127.0.0.1. */
export async function startPrometheus(configFile: string, dataDir: string): Promise<RunningPrometheus> {
  if (!existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} not found: install the Debian package prometheus (.ci/run does)`);
  const url = `http://127.0.0.1:${await freePort()}`;
  const child = spawn(PROMETHEUS, [`--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=${url.slice('http://'.length)}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return {
    url,
    output: () => output,
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      return ((await res.json()) as { data: { result: PromSample[] } }).data.result;
    },
    stop: () => void child.kill('SIGTERM'),
  };
}
