import { describe, expect, it } from 'vitest';
import { expiredIndices } from '../../src/storage/elasticsearch/templates.js';

describe('expiredIndices', () => {
  const now = Date.UTC(2026, 10, 23, 15, 0, 0);
  it('picks whole days older than the retention, of Braid\'s own daily indices only', () => {
    const names = ['braid-spans-2026.11.16', 'braid-spans-2026.11.15', 'braid-traces-2026.01.01', 'braid-edges-2026.11.23', 'braid-operations', 'other-spans-2020.01.01', 'braid-spans-2026.11.15-x'];
    expect(expiredIndices('braid', names, 7, now)).toEqual(['braid-spans-2026.11.15', 'braid-traces-2026.01.01']);
    expect(expiredIndices('braid', names, 1, now)).toEqual(['braid-spans-2026.11.16', 'braid-spans-2026.11.15', 'braid-traces-2026.01.01']);
  });
});
