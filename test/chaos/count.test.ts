/** The chaos run's counting and table: what counts as stored, duplicated and lost. */
import { describe, expect, it } from 'vitest';
import { tally } from '../../scripts/chaos/count.js';
import type { ChaosRow } from '../../scripts/chaos/run.js';
import { formatTable, markdownTable } from '../../scripts/chaos/table.js';

describe('tally', () => {
  it('counts acknowledged IDs found once as stored, extra documents as duplicates, missing ones as lost', () => {
    const sent = new Set(['a', 'b', 'c', 'd', 'e']);
    const acked = new Set(['a', 'b', 'c', 'd']);
    const counts = new Map([['a', 1], ['b', 3], ['d', 1], ['e', 1]]);
    expect(tally(acked, sent, counts)).toEqual({ stored: 3, duplicates: 2, lost: 1, unacknowledgedStored: 1 });
  });

  it('finds nothing wrong when every acknowledged ID is there once', () => {
    const ids = new Set(['x', 'y']);
    expect(tally(ids, ids, new Map([['x', 1], ['y', 1]]))).toEqual({ stored: 2, duplicates: 0, lost: 0, unacknowledgedStored: 0 });
  });
});

describe('the table', () => {
  const row: ChaosRow = {
    fault: 'kafka stopped', description: 'stop the broker', sent: 1440, acknowledged: 1430, stored: 1429, duplicates: 2, lost: 1, unacknowledgedStored: 0,
    retries: { '503': 20, ECONNREFUSED: 4 }, recoverySeconds: 47.125, notes: ['down 30 s'], failures: ['the pipeline did not catch up in time'],
  };

  it('prints the columns, retries by cause, notes and failures', () => {
    const text = formatTable([row]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^fault\s+sent\s+acknowledged\s+stored\s+duplicates\s+lost\s+retried\s+recovery$/);
    expect(lines[2]?.split(/\s{2,}/)).toEqual(['kafka stopped', '1440', '1430', '1429', '2', '1', '24', '47.1 s']);
    expect(text).toContain('retried requests by cause: 503: 20, ECONNREFUSED: 4');
    expect(text).toContain('  down 30 s');
    expect(text).toContain('  FAILED: the pipeline did not catch up in time');
  });

  it('writes the same row in Markdown, a dash when recovery was never reached', () => {
    expect(markdownTable([{ ...row, recoverySeconds: undefined }]).split('\n')[2]).toBe('| kafka stopped | 1440 | 1430 | 1429 | 2 | 1 | 24 | - |');
  });
});
