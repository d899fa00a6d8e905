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
  project.provide('kafkaBrokers', up.kafkaBrokers);
  project.provide('elasticsearchUrl', up.elasticsearchUrl);
  return async () => {
    if (up.started.length > 0 && !process.env.BRAID_KEEP_INFRA) await infraDown({ log: (line) => process.stderr.write(`${line}\n`) });
  };
}
