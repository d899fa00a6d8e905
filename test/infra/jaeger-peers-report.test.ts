/** The peers bench's table (scripts/bench/peers/report.ts): medians, ranges and the Braid/Jaeger ratio. */
import { describe, expect, it } from 'vitest';
import { FIGURES, summary, table } from '../../scripts/bench/peers/report.js';

describe('peers bench report', () => {
  it('takes the median of an odd and of an even count, the range, and skips values not measured', () => {
    expect(summary([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(summary([4, 1, 3, 10])).toEqual({ median: 3.5, min: 1, max: 10 });
    expect(summary([5, NaN])).toEqual({ median: 5, min: 5, max: 5 });
    expect(Number.isNaN(summary([]).median)).toBe(true);
  });

  it('prints one row per figure with both medians, their ranges and the ratio of the medians', () => {
    const text = table({
      Braid: [{ collectorCpuUsPerSpan: 9 }, { collectorCpuUsPerSpan: 8 }, { collectorCpuUsPerSpan: 12 }],
      Jaeger: [{ collectorCpuUsPerSpan: 4 }, { collectorCpuUsPerSpan: 5 }],
    });
    const lines = text.split('\n');
    expect(lines).toHaveLength(FIGURES.length + 2);
    expect(lines[1]).toMatch(/^\|-+\|-+\|-+\|-+\|$/);
    const row = lines.find((l) => l.startsWith('| collector CPU per span '))!.split('|').map((c) => c.trim());
    expect(row.slice(2, 5)).toEqual(['9.00 us (8.00-12.00)', '4.50 us (4.00-5.00)', '2.00']);
    const missing = lines.find((l) => l.startsWith('| ingester peak RSS '))!.split('|').map((c) => c.trim());
    expect(missing.slice(2, 5)).toEqual(['-', '-', '-']);
  });
});
