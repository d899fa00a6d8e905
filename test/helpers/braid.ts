/** Starts Braid in-process on free ports for tests. */
import { validateConfig } from '../../src/config/load.js';
import type { BraidConfigInput } from '../../src/config/schema.js';
import { startBraid, type RunningBraid } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { inject } from 'vitest';

/** Config that puts every server on a free port of 127.0.0.1, merged over `extra`. */
export function testConfig(extra: BraidConfigInput = {}): BraidConfigInput {
  return {
    ...extra,
    receivers: { otlp: { http: { endpoint: '127.0.0.1:0' }, grpc: { endpoint: '127.0.0.1:0' } }, zipkin: { endpoint: '127.0.0.1:0' }, elasticsearch: { endpoint: '127.0.0.1:0' }, prometheus: { enabled: false } },
    query: { endpoint: '127.0.0.1:0' },
    admin: { endpoint: '127.0.0.1:0' },
    telemetry: { log_level: (process.env.BRAID_TEST_LOG_LEVEL as 'info' | undefined) ?? 'warn' },
  };
}

/** Starts Braid with `input` (see testConfig). */
export async function startTestBraid(input: BraidConfigInput): Promise<RunningBraid> {
  const config = validateConfig(input, 'test');
  return startBraid(config, { log: createLogger(config.telemetry.log_level) });
}

/** A unique lowercase name for topics, indices and groups of one test run. */
export const uniqueName = (base: string) => `${base}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/**
 * The two ways to run Braid in an integration test: embedded (in-process queue and store), and
 * the pipeline on the real Kafka and Elasticsearch of the test setup, with names of its own.
 */
export function bothModes(base: string): Array<[string, () => BraidConfigInput]> {
  return [
    ['embedded', () => testConfig()],
    [
      'pipeline (real Kafka, real Elasticsearch)',
      () => {
        const prefix = uniqueName(base);
        return testConfig({
          queue: { kafka: { brokers: [inject('kafkaBrokers')], topic_prefix: `${prefix}.`, group_id: `${prefix}-ingester`, partitions: 3 } },
          storage: { elasticsearch: { url: inject('elasticsearchUrl'), index_prefix: prefix } },
        });
      },
    ],
  ];
}
