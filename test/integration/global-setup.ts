/**
 * Starts (or reuses) the real Kafka and Elasticsearch with the same code as `npm run infra:up`,
 * and stops at the end only what it started itself.
 */
import type { TestProject } from 'vitest/node';
import { infraDown, infraUp } from '../../scripts/infra/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    elasticsearchUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const up = await infraUp({ log: (line) => process.stderr.write(`${line}\n`) });
  process.stderr.write(`[integration] real services: kafka ${up.kafkaBrokers}, elasticsearch ${up.elasticsearchUrl} (started now: ${up.started.join(', ') || 'none, reused'})\n`);
  await sweepOldTestIndices(up.elasticsearchUrl);
  project.provide('kafkaBrokers', up.kafkaBrokers);
  project.provide('elasticsearchUrl', up.elasticsearchUrl);
  return async () => {
    if (up.started.length > 0 && !process.env.BRAID_KEEP_INFRA) await infraDown({ log: (line) => process.stderr.write(`${line}\n`) });
  };
}

/** Indices older than this are left over from earlier runs (each test file names its own and a run takes under 30 minutes). */
const STALE_INDEX_MS = 3 * 3_600_000;

/**
 * The reused test Elasticsearch keeps every run's indices; past its 1,000 shards per node every test
 * that creates one fails (seen when tenant indices came in), and a restart recovering ~1,000 indices
 * takes minutes. At setup: delete indices created more than STALE_INDEX_MS ago, and leave headroom.
 */
async function sweepOldTestIndices(url: string): Promise<void> {
  const rows = (await (await fetch(`${url}/_cat/indices?h=index,creation.date&format=json&expand_wildcards=open,closed`)).json()) as Array<{ index: string; 'creation.date': string }>;
  const stale = rows.filter((r) => !r.index.startsWith('.') && Date.now() - Number(r['creation.date']) > STALE_INDEX_MS).map((r) => r.index);
  for (let i = 0; i < stale.length; i += 100) {
    const res = await fetch(`${url}/${stale.slice(i, i + 100).join(',')}?ignore_unavailable=true`, { method: 'DELETE' });
    if (!res.ok) process.stderr.write(`[integration] deleting old test indices: ${res.status} ${await res.text()}\n`);
  }
  await fetch(`${url}/_cluster/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ persistent: { 'cluster.max_shards_per_node': 3000 } }) });
  if (stale.length > 0) process.stderr.write(`[integration] deleted ${stale.length} test indices older than 3 h\n`);
}
