/**
 * Go's math functions, bit for bit as Prometheus runs them on amd64 (Go 1.26, GOAMD64=v1): JavaScript's
 * Math.* answer differently in the last bit for many inputs. Ports of Go's algorithms: Log and Exp from
 * their amd64 assembly (Exp's FMA path, which Go picks on every CPU with AVX and FMA), the rest from
 * src/math/*.go. Constants are written as the doubles Go's exact constant arithmetic gives (Go's 1/Ln10
 * is not JavaScript's 1 / Math.LN10). Trigonometric and hyperbolic functions: gomath-trig.ts,
 * gomath-hyper.ts. Checked against Go over random and edge inputs by test/integration/gomath-go.test.ts.
 */

const MIN_NORMAL = 2.2250738585072014e-308;

// One 8-byte scratch: `bits[1]` is the high word (sign, exponent, top of the mantissa) on little-endian
// hosts, the only ones Node runs on that matter here.
const f64 = new Float64Array(1);
const bits = new Uint32Array(f64.buffer);

/** The high 32 bits of `x`'s IEEE 754 pattern. */
export function highWord(x: number): number {
  f64[0] = x;
  return bits[1]!;
}

/** The low 32 bits of `x`'s IEEE 754 pattern. */
export function lowWord(x: number): number {
  f64[0] = x;
  return bits[0]!;
}

/** `x` with its high 32 bits replaced by `hi`. */
export function withHighWord(x: number, hi: number): number {
  f64[0] = x;
  bits[1] = hi;
  return f64[0];
}

/** math.Min: -Inf wins over NaN; -0 is below 0. */
export function goMin(x: number, y: number): number {
  if (x === -Infinity || y === -Infinity) return -Infinity;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === 0 && y === 0) return Object.is(x, -0) ? x : y;
  return x < y ? x : y;
}

/** math.Max: +Inf wins over NaN; 0 is above -0. */
export function goMax(x: number, y: number): number {
  if (x === Infinity || y === Infinity) return Infinity;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === 0 && y === 0) return Object.is(x, -0) ? y : x;
  return x > y ? x : y;
}

const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitter

/**
 * math.FMA, x × y + z rounded once: the exact product and sum as pairs of doubles (Dekker, Knuth),
 * then the sum of the parts rounded to nearest, corrected where it fell on a tie that the last,
 * inexact part breaks. Exact while x × y neither overflows nor comes within 2^53 of the subnormal
 * range, which holds for every call Exp makes that can matter.
 */
export function fma(x: number, y: number, z: number): number {
  const t = SPLIT * y;
  const yh = t - (t - y);
  return fmaSplit(x, y, yh, y - yh, z);
}

/** fma with y already split into yh + yl (Exp splits its reduced argument once for seven calls). */
function fmaSplit(x: number, y: number, yh: number, yl: number, z: number): number {
  const p = x * y;
  const t = SPLIT * x;
  const xh = t - (t - x);
  const xl = x - xh;
  const pe = xh * yh - p + xh * yl + xl * yh + xl * yl;
  const s = p + z;
  let b = s - p;
  const se = p - (s - b) + (z - b);
  const v = se + pe;
  b = v - se;
  const ve = se - (v - b) + (pe - b);
  const r = s + v;
  b = r - s;
  const re = s - (r - b) + (v - b);
  // r + re is s + v exactly; the true sum is r + re + ve. Only when re is half the distance to r's
  // neighbour (a tie, resolved to even) can ve change the rounding: then its sign decides the side.
  // (No early return for ve === 0: a branch taken at random costs more than the sum it saves.)
  if (r + 2 * re - r !== 2 * re || ve === 0) return r;
  return re > 0 === ve > 0 ? r + 2 * re : r;
}

const HSQRT2 = 7.07106781186547524401e-1;
const LN2HI = 6.93147180369123816490e-1;
const LN2LO = 1.90821492927058770002e-10;
const L1 = 6.666666666666735130e-1;
const L2 = 3.999999999940941908e-1;
const L3 = 2.857142874366239149e-1;
const L4 = 2.222219843214978396e-1;
const L5 = 1.818357216161805012e-1;
const L6 = 1.531383769920937332e-1;
const L7 = 1.479819860511658591e-1;

/** math.Log as Go's amd64 assembly (log_amd64.s) computes it; a subnormal's mantissa is read with exponent -1022. */
export function goLog(x: number): number {
  if (x === 0) return -Infinity;
  if (!(x > 0)) return NaN;
  if (x === Infinity) return x;
  f64[0] = x;
  const hi = bits[1]!;
  let k = ((hi >>> 20) & 0x7ff) - 0x3fe;
  bits[1] = (hi & 0x000fffff) | 0x3fe00000;
  let f1 = f64[0];
  if (f1 <= HSQRT2) {
    k -= 1;
    f1 *= 2;
  }
  const f = f1 - 1;
  const s = f / (2 + f);
  const s2 = s * s;
  const s4 = s2 * s2;
  const t1 = s2 * (((L7 * s4 + L5) * s4 + L3) * s4 + L1);
  const t2 = s4 * ((L6 * s4 + L4) * s4 + L2);
  const r = t1 + t2;
  const hfsq = 0.5 * f * f;
  return k * LN2HI - (hfsq - (s * (hfsq + r) + k * LN2LO) - f);
}

const INV_LN10 = 0.4342944819032518; // Go's 1 / Ln10, exact constant arithmetic rounded once
const INV_LN2 = 1.4426950408889634;

/** math.Log10: Log(x) × (1/Ln10). */
export const goLog10 = (x: number): number => goLog(x) * INV_LN10;

/** math.Log2: exact for powers of two, else Log(frac) × (1/Ln2) + exp. */
export function goLog2(x: number): number {
  const [frac, exp] = frexp(x);
  if (frac === 0.5) return exp - 1;
  return goLog(frac) * INV_LN2 + exp;
}

const LOG2E = 1.4426950408889634073599246810018920;
const LN2U = 0.69314718055966295651160180568695068359375;
const LN2L = 0.28235290563031577122588448175013436025525412068e-12;
const EXP_OVERFLOW = 7.09782712893384e+2;
const E2 = 1.6666666666666666667e-1;
const E3 = 4.1666666666666666667e-2;
const E4 = 8.3333333333333333333e-3;
const E5 = 1.3888888888888888889e-3;
const E6 = 1.9841269841269841270e-4;
const E7 = 2.4801587301587301587e-5;

const EXP_COEFFICIENTS = [E6, E5, E4, E3, E2, 0.5, 1];

/** CVTSD2SL: round half to even into int32, -2^31 (integer indefinite) when out of range. */
function cvtsd2sl(t: number): number {
  let r = Math.round(t);
  if (r - t === 0.5 && r % 2 !== 0) r -= 1;
  // | 0 keeps k a small integer (never -0) for V8.
  return (r >= -2147483648 && r <= 2147483647 ? r : -2147483648) | 0;
}

/** math.Exp as Go's amd64 assembly (exp_amd64.s, FMA path) computes it. */
export function goExp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === -Infinity) return 0;
  if (x > EXP_OVERFLOW) return Infinity;
  const k = cvtsd2sl(LOG2E * x);
  // Past the int32 range or far below the subnormals the answer is 0 whatever the series gives.
  if (k + 0x3ff < -52) return 0;
  // LN2U has 41 significant bits and |k| < 2^11, so k × LN2U is exact and needs no fused step.
  let r = x - k * LN2U;
  r = fma(-k, LN2L, r);
  r *= 0.0625;
  const t = SPLIT * r;
  const rh = t - (t - r);
  const rl = r - rh;
  let p = E7;
  // One call site in a loop, which V8 inlines once, rather than seven that exceed its inlining budget.
  for (let i = 0; i < EXP_COEFFICIENTS.length; i++) p = fmaSplit(p, r, rh, rl, EXP_COEFFICIENTS[i]!);
  r *= p;
  r *= r + 2;
  r *= r + 2;
  r *= r + 2;
  r = fma(r + 2, r, 1);
  let e = k + 0x3ff;
  if (e >= 0x7ff) return Infinity;
  if (e <= 0) {
    r *= pow2(e + 0x3fe - 0x3ff);
    e = 1;
  }
  return r * pow2(e - 0x3ff);
}

const POW2 = Float64Array.from({ length: 2046 }, (_, i) => 2 ** (i - 1022));

/** 2^e for a normal exponent e in [-1022, 1023]. */
const pow2 = (e: number): number => POW2[e + 1022]!;

/** math.Frexp: x = frac × 2^exp with |frac| in [0.5, 1). */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let e = 0;
  if (Math.abs(x) < MIN_NORMAL) {
    x *= 2 ** 52;
    e = -52;
  }
  const hi = highWord(x);
  return [withHighWord(x, (hi & 0x800fffff) | 0x3fe00000), e + ((hi >>> 20) & 0x7ff) - 1022];
}

/** math.Ldexp: frac × 2^exp, rounded once (subnormal results included). */
export function ldexp(frac: number, exp: number): number {
  if (frac === 0 || !Number.isFinite(frac)) return frac;
  let x = frac;
  if (Math.abs(x) < MIN_NORMAL) {
    x *= 2 ** 52;
    exp -= 52;
  }
  const hi = highWord(x);
  exp += ((hi >>> 20) & 0x7ff) - 0x3ff;
  if (exp < -1075) return frac < 0 ? -0 : 0;
  if (exp > 1023) return frac < 0 ? -Infinity : Infinity;
  let m = 1;
  if (exp < -1022) {
    exp += 53;
    m = 1 / 2 ** 53;
  }
  return m * withHighWord(x, (hi & 0x800fffff) | ((exp + 0x3ff) << 20));
}

const isOddInt = (y: number): boolean => Math.abs(y) < 2 ** 53 && Number.isInteger(y) && Math.abs(y % 2) === 1;

/** math.Pow, Go's algorithm (pow.go): Exp(yf × Log(x)) for the fraction, repeated squaring for the integer part. */
export function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (y === 1) return x;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === 0) {
    if (y < 0) return Object.is(x, -0) && isOddInt(y) ? -Infinity : Infinity;
    return Object.is(x, -0) && isOddInt(y) ? x : 0;
  }
  if (!Number.isFinite(y)) {
    if (x === -1) return 1;
    return (Math.abs(x) < 1) === (y === Infinity) ? 0 : Infinity;
  }
  if (!Number.isFinite(x)) {
    if (x === -Infinity) return goPow(1 / x, -y);
    return y < 0 ? 0 : Infinity;
  }
  if (y === 0.5) return Math.sqrt(x);
  if (y === -0.5) return 1 / Math.sqrt(x);
  let yi = Math.trunc(Math.abs(y));
  let yf = Math.abs(y) - yi;
  if (yf !== 0 && x < 0) return NaN;
  if (yi >= 2 ** 63) {
    if (x === -1) return 1;
    return (Math.abs(x) < 1) === (y > 0) ? 0 : Infinity;
  }
  let a1 = 1;
  let ae = 0;
  if (yf !== 0) {
    if (yf > 0.5) {
      yf--;
      yi++;
    }
    a1 = goExp(yf * goLog(x));
  }
  let [x1, xe] = frexp(x);
  // yi is an integer below 2^63, so halving and flooring it is exact, as Go's int64 shift is.
  for (let i = yi; i !== 0; i = Math.floor(i / 2)) {
    if (xe < -(1 << 12) || 1 << 12 < xe) {
      ae += xe;
      break;
    }
    if (i % 2 === 1) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe *= 2;
    if (x1 < 0.5) {
      x1 += x1;
      xe--;
    }
  }
  if (y < 0) {
    a1 = 1 / a1;
    ae = -ae;
  }
  return ldexp(a1, ae);
}
