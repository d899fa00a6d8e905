/**
 * `npm run chaos [-- --short] [--only name,name]`: runs load through Braid on a Kafka and an
 * Elasticsearch of its own while it injects each fault, prints the table, and exits 1 when any
 * acknowledged record was lost or duplicated or a check failed (2 on a bad option).
 */
import { parseArgs } from 'node:util';
import { runChaos, stopRunning } from './run.js';
import { formatTable, markdownTable } from './table.js';

const NAMES = ['ingester-kill-9', 'elasticsearch-stopped', 'kafka-stopped', 'elasticsearch-disk-full', 'poison-record', 'alerter-kill-9'];

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { short: { type: 'boolean', default: false }, only: { type: 'string' }, markdown: { type: 'boolean', default: false } }, strict: true }));
  } catch (err) {
    process.stderr.write(`chaos: ${(err as Error).message}\nusage: npm run chaos -- [--short] [--only ${NAMES.join(',')}] [--markdown]\n`);
    return 2;
  }
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((n) => !NAMES.includes(n)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`chaos: unknown fault ${unknown.join(', ')}; faults: ${NAMES.join(', ')}\n`);
    return 2;
  }
  const started = Date.now();
  const report = await runChaos({ short: values.short, ...(only ? { only } : {}) });
  process.stdout.write(`${formatTable(report.rows)}\n`);
  if (values.markdown) process.stdout.write(`\n${markdownTable(report.rows)}\n`);
  process.stdout.write(`\n${report.ok ? 'OK: nothing lost, nothing duplicated' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(0)} s; logs in ${report.dir})\n`);
  return report.ok ? 0 : 1;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    process.stderr.write(`chaos: ${sig}: stopping Braid, Kafka and Elasticsearch\n`);
    void stopRunning().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
