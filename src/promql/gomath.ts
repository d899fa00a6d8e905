/**
 * Go's math functions where they answer differently from JavaScript's (Prometheus runs them):
 * Min/Max let ±Inf win over NaN and order -0 below 0, Pow follows Go's own algorithm and special
 * cases, and Log on amd64 reads a subnormal as if its exponent were -1023.
 */

const MIN_NORMAL = 2.2250738585072014e-308;

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

/** math.Log as Go's amd64 assembly computes it: a subnormal's mantissa is read with exponent -1023. */
export function goLog(x: number): number {
  if (x > 0 && x < MIN_NORMAL) return Math.log(1 + x / MIN_NORMAL) - 1023 * Math.LN2;
  return Math.log(x);
}

/** math.Log10: Log(x) * (1/Ln10). */
export const goLog10 = (x: number): number => goLog(x) * (1 / Math.LN10);

const view = new DataView(new ArrayBuffer(8));

/** math.Frexp: x = frac × 2^exp with |frac| in [0.5, 1). */
function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let e = 0;
  if (Math.abs(x) < MIN_NORMAL) {
    x *= 2 ** 52;
    e = -52;
  }
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  e += ((hi >>> 20) & 0x7ff) - 1022;
  view.setUint32(0, (hi & ~(0x7ff << 20)) | (1022 << 20));
  return [view.getFloat64(0), e];
}

/** math.Ldexp: frac × 2^exp, with Go's rounding of subnormal results. */
function ldexp(frac: number, exp: number): number {
  if (frac === 0 || !Number.isFinite(frac)) return frac;
  const [f, e] = frexp(frac);
  exp += e;
  if (exp < -1074 - 1) return frac < 0 ? -0 : 0;
  if (exp > 1024) return frac < 0 ? -Infinity : Infinity;
  // f × 2^exp in two steps, so that no intermediate overflows or underflows early.
  const half = Math.trunc(exp / 2);
  return f * 2 ** half * 2 ** (exp - half);
}

const isOddInt = (y: number): boolean => Number.isInteger(y) && Math.abs(y) < 2 ** 53 && Math.abs(y % 2) === 1;

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
    a1 = Math.exp(yf * goLog(x));
  }
  let [x1, xe] = frexp(x);
  for (let i = BigInt(yi); i !== 0n; i >>= 1n) {
    if (xe < -(1 << 12) || 1 << 12 < xe) {
      ae += xe;
      break;
    }
    if ((i & 1n) === 1n) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe <<= 1;
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
