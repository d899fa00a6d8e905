/**
 * `npm run bench`: every benchmark script in turn. Each prints its own figures.
 * `npm run bench -- --peers`: only peers.ts, Braid against Jaeger v2 (it builds Jaeger; not part of the plain run).
 * `npm run bench -- --heavy-query`: only heavy-query.ts, ingest latency while the heaviest allowed query runs.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const all = ['model.ts', 'split.ts', 'ndjson.ts', 'exposition.ts', 'regex.ts', 'pipeline.ts', 'kafka-es.ts', 'logs-metrics.ts', 'head.ts', 'metadata.ts', 'promql.ts', 'gomath.ts', 'rules.ts', 'web.ts', 'demo.ts'];
const scripts = process.argv.includes('--peers') ? ['peers.ts'] : process.argv.includes('--heavy-query') ? ['heavy-query.ts'] : all;
for (const s of scripts) {
  const file = fileURLToPath(new URL(s, import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
