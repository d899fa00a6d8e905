import { describe, expect, it } from 'vitest';
import { formatFloat } from '../../../src/model/text/floats.js';
import { nanosToIso } from '../../../src/model/text/time.js';

describe('formatFloat', () => {
  it('writes bounds as Go\'s FormatFloat(v, \'f\', -1, 64): shortest digits, never an exponent, -0 kept', () => {
    expect([0.005, 1, 2.5, 1e-7, 1.5e-10, 1e21, 1.25e22, -3e-7, 0, -0, Infinity, -Infinity, NaN].map(formatFloat)).toEqual([
      '0.005', '1', '2.5', '0.0000001', '0.00000000015', '1000000000000000000000', '12500000000000000000000', '-0.0000003', '0', '-0', '+Inf', '-Inf', 'NaN',
    ]);
  });
});

describe('nanosToIso', () => {
  it('writes nine fractional digits, so that string order is time order', () => {
    expect(nanosToIso(1_764_000_000_123_456_789n)).toBe('2025-11-24T16:00:00.123456789Z');
    expect(nanosToIso(0n)).toBe('1970-01-01T00:00:00.000000000Z');
  });
});
