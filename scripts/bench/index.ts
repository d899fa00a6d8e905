/** `npm run bench`: every benchmark script in turn. Each prints its own figures. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const scripts = ['model.ts', 'split.ts', 'ndjson.ts', 'exposition.ts', 'regex.ts', 'pipeline.ts', 'kafka-es.ts', 'logs-metrics.ts', 'head.ts', 'metadata.ts', 'promql.ts', 'gomath.ts', 'rules.ts', 'web.ts', 'demo.ts'];
for (const s of scripts) {
  const file = fileURLToPath(new URL(s, import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
