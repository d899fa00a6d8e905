/**
 * The short form of `npm run chaos`: Braid as four processes (collector, ingester, query,
 * alerter) on a Kafka and an Elasticsearch of the run's own, with load through the collector
 * while each fault happens (Elasticsearch paused, Kafka stopped, the disk watermark refusing
 * writes, a poison record, the alerter killed with an alert pending; the ingester's SIGKILL is
 * left to `npm run chaos` and crash-replay.test.ts, for time). Every
 * acknowledged span and log record is in Elasticsearch exactly once, the dead-letter topic holds
 * only the poison record, and the alert fires once.
 */
import { describe, expect, it } from 'vitest';
import { runChaos } from '../../scripts/chaos/run.js';
import { formatTable } from '../../scripts/chaos/table.js';

describe('chaos, short form (own Kafka and Elasticsearch, Braid as separate processes)', () => {
  it('loses and duplicates nothing under each fault', { timeout: 420_000 }, async () => {
    const report = await runChaos({ short: true, log: (line) => process.stderr.write(`[chaos] ${line}\n`) });
    process.stderr.write(`${formatTable(report.rows)}\n`);
    expect(report.rows.map((r) => r.fault)).toEqual(['elasticsearch stopped', 'kafka stopped', 'elasticsearch disk full', 'poison record', 'alerter kill -9']);
    for (const r of report.rows) {
      // Load really ran through each fault, and most of it was acknowledged.
      expect(r.acknowledged, r.fault).toBeGreaterThan(0);
      expect({ fault: r.fault, lost: r.lost, duplicates: r.duplicates, stored: r.stored, failures: r.failures }).toEqual({ fault: r.fault, lost: 0, duplicates: 0, stored: r.acknowledged, failures: [] });
    }
    // The collector refused while Kafka was down, and the senders retried.
    const kafka = report.rows.find((r) => r.fault === 'kafka stopped');
    expect(Object.values(kafka?.retries ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(report.ok).toBe(true);
  });
});
