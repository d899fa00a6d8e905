/** The chaos run's table: one row per fault, plain text for a terminal, Markdown for the ADR. */
import type { ChaosRow } from './run.js';

const HEAD = ['fault', 'sent', 'acknowledged', 'stored', 'duplicates', 'lost', 'retried', 'recovery'];

function cells(r: ChaosRow): string[] {
  const retried = Object.values(r.retries).reduce((a, b) => a + b, 0);
  return [r.fault, String(r.sent), String(r.acknowledged), String(r.stored), String(r.duplicates), String(r.lost), String(retried), r.recoverySeconds === undefined ? '-' : `${r.recoverySeconds.toFixed(1)} s`];
}

/** Aligned columns, then each fault's retries by cause, notes and failures. */
export function formatTable(rows: ChaosRow[]): string {
  const table = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const out = [line(HEAD), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(cells(r))), ''];
  for (const r of rows) {
    const retries = Object.entries(r.retries).map(([k, v]) => `${k}: ${v}`).join(', ');
    out.push(`${r.fault}: ${r.description}`);
    if (retries) out.push(`  retried requests by cause: ${retries}`);
    if (r.unacknowledgedStored > 0) out.push(`  stored though never acknowledged: ${r.unacknowledgedStored}`);
    for (const n of r.notes) out.push(`  ${n}`);
    for (const f of r.failures) out.push(`  FAILED: ${f}`);
  }
  return out.join('\n');
}

/** The same table in Markdown. */
export function markdownTable(rows: ChaosRow[]): string {
  const sep = HEAD.map(() => '---');
  return [HEAD, sep, ...rows.map(cells)].map((r) => `| ${r.join(' | ')} |`).join('\n');
}
