/**
 * Feeds the heads from the metrics stream: every record (scraped, remote-written, OTLP, span- and
 * log-derived series) is decoded, translated to Prometheus samples as the ingester stores them
 * (src/model/prometheus-samples.ts) and appended with its exemplars to the head of the record's
 * tenant (tenants.ts; one head alone takes only the default tenant's records). The queue and the
 * decoder are passed in, so the head imports neither src/queue nor src/ingest.
 */
import type { MetricsData } from '../../model/metrics.js';
import { sampleValue, translateMetrics, type PrometheusSample } from '../../model/prometheus-samples.js';
import type { Labels } from '../types.js';
import { DEFAULT_TENANT } from '../../tenancy/tenant.js';
import type { Head } from './head.js';
import type { TenantHeads } from './tenants.js';

/** What the feed reads: the queue's broadcast read of the metrics stream, bound by the caller. */
export type MetricsRead = (
  fromMs: number,
  handler: (batch: { records: ReadonlyArray<{ value: Buffer; tenant?: string | undefined }> }) => void,
) => Promise<{ caughtUp: Promise<void>; stop(): Promise<void> }>;

/** A running feed. */
export interface HeadFeed {
  /** Resolves once the head holds everything from `fromMs` on (the rebuild is done). */
  readonly ready: Promise<void>;
  /** Records that could not be decoded (the ingester dead-letters them; the head skips them). */
  undecodable(): number;
  /** Records of other tenants skipped by a feed of one head. */
  skipped(): number;
  stop(): Promise<void>;
}

/** Appends the samples of one decoded request; returns how many were appended. */
export function appendMetrics(head: Head, data: MetricsData): number {
  const samples: Array<[Labels, number, PrometheusSample]> = [];
  translateMetrics(data, {
    add(name, type, _service, ms, sample) {
      head.noteType(name, type);
      samples.push([{ __name__: name, ...sample.labels }, ms, sample]);
    },
  });
  let appended = 0;
  // Exemplars are attached after `add`, so they are read once the request is translated.
  for (const [labels, ms, s] of samples) {
    if (head.append(labels, ms, sampleValue(s), s.stale === true) === 'appended') appended++;
    const e = s.exemplar;
    if (e === undefined) continue;
    const el: Labels = { ...(e.labels ?? {}) };
    if (e['trace.id'] !== undefined) el.trace_id = e['trace.id'];
    if (e['span.id'] !== undefined) el.span_id = e['span.id'];
    head.appendExemplar(labels, { labels: el, value: e.value ?? Number.NaN, timestampMs: e['@timestamp'] !== undefined ? Date.parse(e['@timestamp']) : ms });
  }
  return appended;
}

/**
 * Starts feeding `heads` (per tenant; or one head, which takes the default tenant's records only)
 * from `fromMs` on (Kafka: now - window, a rebuild; the in-process queue: now) and marks them
 * covered from `fromMs` once the read has caught up.
 */
export async function startHeadFeed(heads: Head | TenantHeads, read: MetricsRead, decode: (bytes: Uint8Array) => MetricsData, fromMs: number): Promise<HeadFeed> {
  let undecodable = 0;
  let skipped = 0;
  const headOf = (tenant: string | undefined): Head | undefined => {
    if ('forRecord' in heads) return heads.forRecord(tenant);
    return (tenant ?? DEFAULT_TENANT) === DEFAULT_TENANT ? heads : undefined;
  };
  const reader = await read(fromMs, (batch) => {
    for (const r of batch.records) {
      if (!('forRecord' in heads) && (r.tenant ?? DEFAULT_TENANT) !== DEFAULT_TENANT) {
        skipped++;
        continue;
      }
      let data: MetricsData;
      try {
        data = decode(r.value);
      } catch {
        undecodable++;
        continue;
      }
      // Created only for a decodable record: garbage does not make a tenant's head.
      const head = headOf(r.tenant);
      if (head !== undefined) appendMetrics(head, data);
    }
  });
  const ready = reader.caughtUp.then(() => heads.markCoveredFrom(fromMs));
  return { ready, undecodable: () => undecodable, skipped: () => skipped, stop: () => reader.stop() };
}
