/**
 * Tenancy at the receivers: each request's records are queued under the request's tenant (the
 * `braid.tenant` header on Kafka), after the tenant's ingest rate admitted them. The rate is a
 * token bucket per tenant (limits.ingestion_rate records/s, ingestion_burst_size records) shared by
 * every receiver of the process, counting the spans, log records and samples of a request; a
 * request over it is refused whole with BRAID_ERR_LIMIT_RATE (429 / RESOURCE_EXHAUSTED with a retry
 * hint) before anything of it is queued.
 */
import { BraidError } from '../errors.js';
import { recordLimits, type RecordLimits } from '../model/limits.js';
import type { Queue, QueueRecord, RecordKind } from '../queue/queue.js';
import { limitsFor, type Limits } from '../tenancy/limits.js';
import { DEFAULT_TENANT } from '../tenancy/tenant.js';
import type { BraidConfig } from '../config/schema.js';

/** One tenant's token bucket. */
export interface TokenBucket {
  tokens: number;
  lastMs: number;
}

/** What a bucket answers a request: admitted, or how long to wait before retrying. */
export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Takes `n` tokens from `bucket` (refilled at `rate`/s up to `burst` since it was last touched).
 * A request is admitted when the bucket holds min(n, burst) tokens, and takes all n: one request
 * larger than the burst still passes when the bucket is full, and the tenant then waits its debt
 * off. Refused: the whole seconds until the bucket holds enough again (at least 1).
 */
export function takeTokens(bucket: TokenBucket, n: number, rate: number, burst: number, nowMs: number): Admission {
  const elapsed = Math.max(0, nowMs - bucket.lastMs) / 1000;
  bucket.tokens = Math.min(burst, bucket.tokens + elapsed * rate);
  bucket.lastMs = nowMs;
  const need = Math.min(n, burst);
  if (bucket.tokens >= need) {
    bucket.tokens -= n;
    return { ok: true };
  }
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((need - bucket.tokens) / rate)) };
}

/** The tenancy every receiver of a process shares: per-tenant limits and ingest rates. */
export interface ReceiverTenancy {
  /** The limits in force for `tenant`. */
  limits(tenant: string): Limits;
  /** Admits `items` records of `tenant` against its ingest rate; throws BRAID_ERR_LIMIT_RATE when over it. */
  admit(tenant: string, items: number): void;
}

/** The receivers' tenancy from the config's `limits` and `tenant_limits`. */
export function createReceiverTenancy(config: Pick<BraidConfig, 'limits' | 'tenant_limits'>, now: () => number = Date.now): ReceiverTenancy {
  const buckets = new Map<string, TokenBucket>();
  return {
    limits: (tenant) => limitsFor(config, tenant),
    admit(tenant, items) {
      const { ingestion_rate: rate, ingestion_burst_size: burstSize } = limitsFor(config, tenant);
      if (rate <= 0 || items <= 0) return;
      const burst = burstSize > 0 ? burstSize : rate;
      const t = now();
      let bucket = buckets.get(tenant);
      if (bucket === undefined) buckets.set(tenant, (bucket = { tokens: burst, lastMs: t }));
      const answer = takeTokens(bucket, items, rate, burst, t);
      if (!answer.ok) {
        throw new BraidError(
          'BRAID_ERR_LIMIT_RATE',
          `tenant ${JSON.stringify(tenant)} is over its ingest rate (limits.ingestion_rate ${rate} records/s, ingestion_burst_size ${burst}): ${items} records refused, retry in ${answer.retryAfterSeconds} s`,
          { retryAfterSeconds: answer.retryAfterSeconds },
        );
      }
    },
  };
}

/** Who sent a request: its tenant, and the receivers' tenancy (absent: no rate limits). */
export interface RequestTenant {
  tenant: string;
  tenancy?: ReceiverTenancy | undefined;
}

/** The record limits of `who`'s tenant (model/limits.ts); none without the receivers' tenancy. */
export function recordLimitsOf(who: RequestTenant): RecordLimits | undefined {
  return who.tenancy === undefined ? undefined : recordLimits(who.tenancy.limits(who.tenant));
}

/** A request of the default tenant with no rate limits: what a caller that knows no tenant passes. */
export const DEFAULT_REQUEST: RequestTenant = { tenant: DEFAULT_TENANT };

/**
 * Queues a request's records (holding `items` spans, log records or samples) under its tenant:
 * admitted against the tenant's rate first (throws BRAID_ERR_LIMIT_RATE, nothing queued), then
 * each record stamped with the tenant. Resolves once the queue acknowledged all of them.
 */
export async function sendForTenant(queue: Queue, kind: RecordKind, records: QueueRecord[] | (() => QueueRecord[]), items: number, who: RequestTenant): Promise<void> {
  who.tenancy?.admit(who.tenant, items);
  // Built after admission: a refused request costs no encoding.
  const list = typeof records === 'function' ? records() : records;
  if (who.tenant !== DEFAULT_TENANT) for (const r of list) r.tenant = who.tenant;
  await queue.send(kind, list);
}

/** The tenant of a fastify request (DEFAULT_TENANT on a server that did not decorate it) with the receivers' tenancy. */
export function requestTenant(req: { tenant?: string | undefined }, tenancy: ReceiverTenancy | undefined): RequestTenant {
  return { tenant: req.tenant ?? DEFAULT_TENANT, tenancy };
}
