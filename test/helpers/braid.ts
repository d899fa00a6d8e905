/** Starts Braid in-process on free ports for tests. */
import { validateConfig } from '../../src/config/load.js';
import type { BraidConfigInput } from '../../src/config/schema.js';
import { startBraid, type RunningBraid } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/logger.js';

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
