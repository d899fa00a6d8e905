/**
 * Braid's own metrics. One prom-client Registry per process; each component builds its typed
 * metrics object from it (see e.g. src/receivers/otlp/metrics.ts). Names use the braid_ prefix.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

/** Creates the process registry with Node/process metrics registered. */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export { Registry };
