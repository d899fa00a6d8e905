/** The peers bench's figures: per round values, then median and range per system, as a table and JSON. */

/** One figure measured in every round of both systems. */
export interface Figure {
  key: string;
  label: string;
  unit: string;
  /** Digits after the point in the table. */
  digits: number;
}

/** The figures in table order. */
export const FIGURES: readonly Figure[] = [
  { key: 'collectorCpuUsPerSpan', label: 'collector CPU per span', unit: 'us', digits: 2 },
  { key: 'brokerCpuUsPerSpan', label: 'Kafka broker CPU per span (collector phase)', unit: 'us', digits: 2 },
  { key: 'collectorPeakRssMb', label: 'collector peak RSS at the fixed rate', unit: 'MB', digits: 0 },
  { key: 'acceptedShare', label: 'spans accepted / generated at the fixed rate', unit: '%', digits: 1 },
  { key: 'fixedRefused', label: 'refused at the fixed rate (requests Braid / spans Jaeger)', unit: '', digits: 0 },
  { key: 'saturationAcceptedPerSec', label: 'saturation: spans/s accepted', unit: '/s', digits: 0 },
  { key: 'saturationLostShare', label: 'saturation: generated but not accepted', unit: '%', digits: 1 },
  { key: 'saturationRefused', label: 'saturation: refused (requests Braid / spans Jaeger)', unit: '', digits: 0 },
  { key: 'collectorPeakRssSaturationMb', label: 'collector peak RSS after saturation', unit: 'MB', digits: 0 },
  { key: 'ingesterSpansPerSec', label: 'ingester spans/s, wall (to searchable)', unit: '/s', digits: 0 },
  { key: 'ingesterEsCpuUsPerSpan', label: '(ingester + Elasticsearch) CPU per span', unit: 'us', digits: 2 },
  { key: 'ingesterCpuUsPerSpan', label: '  of which the ingester', unit: 'us', digits: 2 },
  { key: 'ingesterPeakRssMb', label: 'ingester peak RSS', unit: 'MB', digits: 0 },
  { key: 'esBytesPerSpan', label: 'Elasticsearch bytes per span (spans index)', unit: 'B', digits: 0 },
  { key: 'generatorCpuUsPerSpan', label: 'load generator CPU per span (fixed rate)', unit: 'us', digits: 2 },
  { key: 'generatorFailures', label: 'generator processes that exited non-zero', unit: '', digits: 0 },
  { key: 'loadAvg1', label: 'machine load (1 min) at the end of the collector phase', unit: '', digits: 2 },
];

/** Median and range of a list of numbers (NaN for an empty one). */
export function summary(values: number[]): { median: number; min: number; max: number } {
  const s = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return { median: NaN, min: NaN, max: NaN };
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

const num = (v: number, digits: number) => (Number.isFinite(v) ? v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-');

/** The table: figure | Braid median (range) | Jaeger median (range) | Braid/Jaeger of the medians. */
export function table(rounds: { Braid: Array<Record<string, number>>; Jaeger: Array<Record<string, number>> }): string {
  const rows = [['figure', 'Braid median (range)', 'Jaeger median (range)', 'Braid/Jaeger']];
  for (const f of FIGURES) {
    const cell = (list: Array<Record<string, number>>) => {
      const s = summary(list.map((r) => r[f.key] ?? NaN));
      if (!Number.isFinite(s.median)) return '-';
      return `${num(s.median, f.digits)} ${f.unit} (${num(s.min, f.digits)}-${num(s.max, f.digits)})`.replace(/ {2}/g, ' ');
    };
    const b = summary(rounds.Braid.map((r) => r[f.key] ?? NaN)).median;
    const j = summary(rounds.Jaeger.map((r) => r[f.key] ?? NaN)).median;
    rows.push([f.label, cell(rounds.Braid), cell(rounds.Jaeger), j !== 0 && Number.isFinite(b / j) ? (b / j).toFixed(2) : '-']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`);
  lines.splice(1, 0, `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  return lines.join('\n');
}
