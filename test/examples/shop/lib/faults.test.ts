import { describe, expect, it } from 'vitest';
import { defaultFaults, FaultValidationError, hits, validateFaults } from '../../../../examples/shop/lib/faults.js';

describe('validateFaults', () => {
  it('accepts each service its own switches, in range', () => {
    expect(validateFaults('payment', { failure_ratio: 0.25 })).toEqual({ failure_ratio: 0.25 });
    expect(validateFaults('product', { latency_ms: 1500 })).toEqual({ latency_ms: 1500 });
    expect(validateFaults('user', { not_found_ratio: 1 })).toEqual({ not_found_ratio: 1 });
    expect(validateFaults('user', {})).toEqual({});
  });

  it.each([
    ['payment', { failure_ratio: 1.5 }, 'faults.failure_ratio: must be between 0 and 1, got 1.5'],
    ['payment', { failure_ratio: -0.1 }, 'faults.failure_ratio: must be between 0 and 1, got -0.1'],
    ['payment', { failure_ratio: '0.5' }, 'faults.failure_ratio: must be a number, got "0.5"'],
    ['payment', { failure_ratio: null }, 'faults.failure_ratio: must be a number, got null'],
    ['product', { latency_ms: 12.5 }, 'faults.latency_ms: must be a whole number, got 12.5'],
    ['product', { latency_ms: 60_001 }, 'faults.latency_ms: must be between 0 and 60000, got 60001'],
    ['payment', { latency_ms: 10 }, 'faults.latency_ms: unknown switch for payment (known: failure_ratio)'],
    ['user', { not_found_ration: 0.1 }, 'faults.not_found_ration: unknown switch for user (known: not_found_ratio)'],
    ['order', { failure_ratio: 0.1 }, 'faults.failure_ratio: unknown switch for order (known: none)'],
    ['user', [0.1], 'faults: the body must be a JSON object'],
    ['user', undefined, 'faults: the body must be a JSON object'],
  ] as const)('%s %j is rejected', (service, body, message) => {
    expect(() => validateFaults(service, body)).toThrow(new FaultValidationError(message));
  });

  it('starts every switch at 0', () => {
    expect(defaultFaults('payment')).toEqual({ failure_ratio: 0 });
    expect(defaultFaults('product')).toEqual({ latency_ms: 0 });
    expect(defaultFaults('order')).toEqual({});
  });
});

describe('hits', () => {
  it('fires below the ratio only', () => {
    expect(hits(0.3, () => 0.29)).toBe(true);
    expect(hits(0.3, () => 0.3)).toBe(false);
    expect(hits(0, () => 0)).toBe(false);
    expect(hits(undefined, () => 0)).toBe(false);
    expect(hits(1, () => 0.999)).toBe(true);
  });
});
