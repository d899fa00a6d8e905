/** The IPC messages between the cluster primary and its workers (structured clone: `serialization: 'advanced'`). */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Readiness } from '../admin/server.js';
import type { BraidConfig } from '../config/schema.js';

/** Primary -> worker. */
export type ToWorker =
  | { type: 'braid:setup'; config: BraidConfig; slot: number }
  | { type: 'braid:metrics'; id: number }
  | { type: 'braid:readiness'; id: number }
  | { type: 'braid:stop' };

/** Worker -> primary. */
export type ToPrimary =
  | { type: 'braid:hello' }
  | { type: 'braid:started' }
  | { type: 'braid:metrics'; id: number; metrics: MetricObjectWithValues<MetricValue<string>>[] }
  | { type: 'braid:readiness'; id: number; readiness: Readiness };

/** True for a message of this protocol (prom-client and Node send others on the same channel). */
export function isBraidMessage<T extends { type: string }>(m: unknown): m is T {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && (m as { type: string }).type.startsWith('braid:');
}
