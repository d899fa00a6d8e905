/**
 * The shop's load generator: a bounded mix of order placements, user lookups and product
 * browsing against the running services. Bounded twice: a request rate cap and an in-flight cap
 * (a slow shop gets fewer requests, never a growing pile). Each request carries a W3C traceparent
 * with a trace ID chosen here, so the caller knows which trace a request made (the demo's
 * "recent failing trace", the bench's request-to-searchable latency).
 */
import { randomBytes } from 'node:crypto';

/** The three kinds of request and their relative weights. */
export interface LoadMix {
  order: number;
  user: number;
  product: number;
}

/** Orders dominate: each one fans out to user, product and payment. */
export const DEFAULT_MIX: LoadMix = { order: 6, user: 2, product: 2 };

/** User IDs the generator asks for (1..USERS) and product IDs (1..PRODUCTS, the catalogue's size). */
export const USERS = 100;
export const PRODUCTS = 8;

/** Parses "order=6,user=2,product=2" (missing kinds weigh 0); the error names the bad part. */
export function parseMix(text: string): LoadMix {
  const mix: LoadMix = { order: 0, user: 0, product: 0 };
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\w+)=(.*)$/.exec(part);
    if (!m) throw new Error(`--mix: "${part}" is not kind=weight (kinds: order, user, product)`);
    const [, kind, raw] = m as unknown as [string, string, string];
    if (!(kind in mix)) throw new Error(`--mix: unknown kind "${kind}" (kinds: order, user, product)`);
    const weight = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(weight) || weight < 0) throw new Error(`--mix: weight of ${kind} must be a number >= 0, got "${raw}"`);
    mix[kind as keyof LoadMix] = weight;
  }
  if (mix.order + mix.user + mix.product <= 0) throw new Error(`--mix: "${text}" gives every kind weight 0`);
  return mix;
}

/** One planned request. */
export interface PlannedRequest {
  kind: keyof LoadMix;
  method: 'GET' | 'POST';
  /** Path on the service of `kind`. */
  path: string;
  body?: string;
}

/** Picks the next request from `mix` with the uniform random numbers of `rand` (in [0, 1)). */
export function planRequest(mix: LoadMix, rand: () => number): PlannedRequest {
  const total = mix.order + mix.user + mix.product;
  const x = rand() * total;
  const id = (n: number) => 1 + Math.floor(rand() * n);
  if (x < mix.order) {
    const productIds = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => id(PRODUCTS));
    return { kind: 'order', method: 'POST', path: '/orders', body: JSON.stringify({ user_id: id(USERS), product_ids: productIds }) };
  }
  if (x < mix.order + mix.user) return { kind: 'user', method: 'GET', path: `/users/${id(USERS)}` };
  return { kind: 'product', method: 'GET', path: `/products/${id(PRODUCTS)}` };
}

/** A new sampled W3C traceparent and the trace ID in it. */
export function newTraceparent(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

/** Counts of the load so far. */
export interface LoadStats {
  sent: number;
  /** Answers >= 500 and requests that got no answer. */
  failed: number;
  /** 404s of user lookups (the user service's not-found switch), not failures. */
  notFound: number;
  /** Requests the in-flight cap held back (not sent). */
  skipped: number;
  inFlight: number;
}

/** What the generator reports about each finished request. */
export interface RequestOutcome {
  kind: keyof LoadMix;
  traceId: string;
  /** HTTP status, 0 when no answer came. */
  status: number;
  sentAt: number;
  ms: number;
}

/** Settings of a running load. */
export interface LoadSettings {
  urls: Record<keyof LoadMix, string>;
  /** Requests per second (cap). */
  rate: number;
  mix?: LoadMix;
  /** Requests open at once (cap); default 32. */
  maxInFlight?: number;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
  onOutcome?: (o: RequestOutcome) => void;
}

/** A running load generator. */
export interface Load {
  stats(): LoadStats;
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>;
}

/** Starts sending; ticks every 50 ms and sends what the rate allows, skipping when at the in-flight cap. */
export function startLoad(s: LoadSettings): Load {
  if (!(s.rate > 0) || !Number.isFinite(s.rate)) throw new Error(`load: rate must be a number > 0, got ${s.rate}`);
  const mix = s.mix ?? DEFAULT_MIX;
  const maxInFlight = s.maxInFlight ?? 32;
  const stats: LoadStats = { sent: 0, failed: 0, notFound: 0, skipped: 0, inFlight: 0 };
  let planned = 0;
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  let stopped = false;

  const send = async () => {
    const req = planRequest(mix, Math.random);
    const { traceId, traceparent } = newTraceparent();
    const sentAt = Date.now();
    const t0 = performance.now();
    let status = 0;
    try {
      const headers: Record<string, string> = { traceparent };
      if (req.body) headers['content-type'] = 'application/json';
      const res = await fetch(`${s.urls[req.kind]}${req.path}`, { method: req.method, headers, body: req.body, signal: AbortSignal.timeout(s.timeoutMs ?? 10_000) });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    if (status === 0 || status >= 500) stats.failed++;
    else if (status === 404) stats.notFound++;
    s.onOutcome?.({ kind: req.kind, traceId, status, sentAt, ms: performance.now() - t0 });
  };

  const timer = setInterval(() => {
    if (stopped) return;
    const due = Math.floor(((performance.now() - start) / 1000) * s.rate) - planned;
    planned += due;
    // Requests the in-flight cap holds back are skipped, not queued: the rate is a ceiling.
    for (let i = 0; i < due; i++) {
      if (stats.inFlight >= maxInFlight) {
        stats.skipped++;
        continue;
      }
      stats.sent++;
      stats.inFlight++;
      const p = send().finally(() => {
        stats.inFlight--;
        pending.delete(p);
      });
      pending.add(p);
    }
  }, 50);

  return {
    stats: () => ({ ...stats }),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.allSettled([...pending]);
    },
  };
}
