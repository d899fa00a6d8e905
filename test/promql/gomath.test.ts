/**
 * PromQL's math functions give Go's bits (values printed by Go 1.26 on amd64 with %v, which round-trips):
 * each input is one where JavaScript's Math.* answers differently. The full comparison against a Go
 * program over random inputs is test/integration/gomath-go.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { elemBinop } from '../../src/promql/binary.js';
import { MATH_FUNCTIONS } from '../../src/promql/functions.js';
import { fma } from '../../src/promql/gomath.js';

const GO: Array<[string, number, number]> = [
  ['exp', 0.01, 1.0100501670841682],
  ['ln', 0.01, -4.605170185988092],
  ['log2', 0.059, -4.083141235300246],
  ['log10', 0.003, -2.522878745280338],
  ['log10', 1000, 3],
  ['sin', 0.369, 0.36068292396704293],
  ['cos', 0.002, 0.9999980000006667],
  ['tan', 0.08, 0.08017110470807255],
  ['asin', 0.00004, 4.0000000010666676e-5],
  ['acos', 0.00009, 1.570706326794775],
  ['atan', 0.102, 0.10164845588347873],
  ['sinh', 0.006, 0.006000036000064801],
  ['cosh', 0.004, 1.0000080000106668],
  ['tanh', 0.007, 0.006999885668907556],
  ['asinh', 2.169, 1.5167571747858475],
  ['acosh', 2.284, 1.4672865671651132],
  ['atanh', 0.3, 0.30951960420311175],
  ['sin', 1e22, -0.8522008497671889],
  ['cos', 1e300, -0.5753861119575491],
  ['exp', -745, 5e-324],
  ['ln', 5e-324, -709.0895657128241],
];

describe('Go math in PromQL functions', () => {
  it.each(GO)('%s(%d) is Go\'s %d', (name, x, want) => {
    expect(MATH_FUNCTIONS[name]!(x)).toBe(want);
  });

  it('atan2 and ^ are Go\'s Atan2 and Pow', () => {
    expect(elemBinop('atan2', -4, 5)[0]).toBe(-0.6747409422235526);
    expect(elemBinop('^', 2.5, 0.3)[0]).toBe(1.3163822043342375);
  });

  it('fma rounds once where a multiply then an add would round twice', () => {
    expect(fma(1 + 2 ** -52, 1 + 2 ** -52, -1)).toBe(2 ** -51 + 2 ** -104);
    expect(fma(2 ** -27 + 1, 2 ** 27 - 1, -(2 ** 27))).toBe(-(2 ** -27));
  });
});
