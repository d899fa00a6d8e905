/** Go's hyperbolic functions and Log1p (src/math sinh.go, tanh.go, asinh.go, acosh.go, atanh.go, log1p.go), bit for bit. */
import { goExp, goLog, highWord, lowWord, withHighWord } from './gomath.js';

const LN2 = 0.6931471805599453;

const SP0 = -0.6307673640497716991184787251e6;
const SP1 = -0.8991272022039509355398013511e5;
const SP2 = -0.2894211355989563807284660366e4;
const SP3 = -0.2630563213397497062819489e2;
const SQ0 = -0.6307673640497716991212077277e6;
const SQ1 = 0.1521517378790019070696485176e5;
const SQ2 = -0.173678953558233699533450911e3;

/** math.Sinh. */
export function goSinh(x: number): number {
  const sign = x < 0;
  if (sign) x = -x;
  let temp: number;
  if (x > 21) temp = goExp(x) * 0.5;
  else if (x > 0.5) {
    const ex = goExp(x);
    temp = (ex - 1 / ex) * 0.5;
  } else {
    const sq = x * x;
    temp = (((SP3 * sq + SP2) * sq + SP1) * sq + SP0) * x;
    temp = temp / (((sq + SQ2) * sq + SQ1) * sq + SQ0);
  }
  return sign ? -temp : temp;
}

/** math.Cosh. */
export function goCosh(x: number): number {
  x = Math.abs(x);
  if (x > 21) return goExp(x) * 0.5;
  const ex = goExp(x);
  return (ex + 1 / ex) * 0.5;
}

const TP0 = -9.64399179425052238628e-1;
const TP1 = -9.92877231001918586564e1;
const TP2 = -1.61468768441708447952e3;
const TQ0 = 1.12811678491632931402e2;
const TQ1 = 2.23548839060100448583e3;
const TQ2 = 4.84406305325125486048e3;
const HALF_MAXLOG = 44.014845965556525;

/** math.Tanh. */
export function goTanh(x: number): number {
  let z = Math.abs(x);
  if (z > HALF_MAXLOG) return x < 0 ? -1 : 1;
  if (z >= 0.625) {
    const s = goExp(2 * z);
    z = 1 - 2 / (s + 1);
    return x < 0 ? -z : z;
  }
  if (x === 0) return x;
  const s = x * x;
  return x + (x * s * ((TP0 * s + TP1) * s + TP2)) / (((s + TQ0) * s + TQ1) * s + TQ2);
}

const NEAR_ZERO = 1 / 2 ** 28;
const LARGE = 2 ** 28;

/** math.Asinh. */
export function goAsinh(x: number): number {
  if (!Number.isFinite(x)) return x;
  const sign = x < 0;
  if (sign) x = -x;
  let temp: number;
  if (x > LARGE) temp = goLog(x) + LN2;
  else if (x > 2) temp = goLog(2 * x + 1 / (Math.sqrt(x * x + 1) + x));
  else if (x < NEAR_ZERO) temp = x;
  else temp = goLog1p(x + (x * x) / (1 + Math.sqrt(1 + x * x)));
  return sign ? -temp : temp;
}

/** math.Acosh. */
export function goAcosh(x: number): number {
  if (x < 1 || Number.isNaN(x)) return NaN;
  if (x === 1) return 0;
  if (x >= LARGE) return goLog(x) + LN2;
  if (x > 2) return goLog(2 * x - 1 / (x + Math.sqrt(x * x - 1)));
  const t = x - 1;
  return goLog1p(t + Math.sqrt(2 * t + t * t));
}

/** math.Atanh. */
export function goAtanh(x: number): number {
  if (x < -1 || x > 1 || Number.isNaN(x)) return NaN;
  if (x === 1) return Infinity;
  if (x === -1) return -Infinity;
  const sign = x < 0;
  if (sign) x = -x;
  let temp: number;
  if (x < NEAR_ZERO) temp = x;
  else if (x < 0.5) {
    temp = x + x;
    temp = 0.5 * goLog1p(temp + (temp * x) / (1 - x));
  } else temp = 0.5 * goLog1p((x + x) / (1 - x));
  return sign ? -temp : temp;
}

const SQRT2M1 = 4.142135623730950488017e-1;
const SQRT2HALFM1 = -2.928932188134524755992e-1;
const SMALL = 1 / 2 ** 29;
const TINY = 1 / 2 ** 54;
const TWO53 = 2 ** 53;
const LN2HI = 6.93147180369123816490e-1;
const LN2LO = 1.90821492927058770002e-10;
const LP1 = 6.666666666666735130e-1;
const LP2 = 3.999999999940941908e-1;
const LP3 = 2.857142874366239149e-1;
const LP4 = 2.222219843214978396e-1;
const LP5 = 1.818357216161805012e-1;
const LP6 = 1.531383769920937332e-1;
const LP7 = 1.479819860511658591e-1;
const MANTISSA_SQRT2_HI = 0x6a09e; // Go's 0x0006a09e667f3bcd, mantissa of Sqrt2, split in words
const MANTISSA_SQRT2_LO = 0x667f3bcd;

/** math.Log1p. */
export function goLog1p(x: number): number {
  if (x < -1 || Number.isNaN(x)) return NaN;
  if (x === -1) return -Infinity;
  if (x === Infinity) return Infinity;
  const absx = Math.abs(x);
  let f = 0;
  let iuZero = false;
  let k = 1;
  if (absx < SQRT2M1) {
    if (absx < SMALL) return absx < TINY ? x : x - x * x * 0.5;
    if (x > SQRT2HALFM1) {
      k = 0;
      f = x;
    }
  }
  let c = 0;
  if (k !== 0) {
    const u = absx < TWO53 ? 1.0 + x : x;
    const hi = highWord(u);
    k = (hi >>> 20) - 1023;
    if (absx < TWO53) c = (k > 0 ? 1.0 - (u - x) : x - (u - 1.0)) / u;
    const mhi = hi & 0x000fffff;
    const mlo = lowWord(u);
    if (mhi < MANTISSA_SQRT2_HI || (mhi === MANTISSA_SQRT2_HI && mlo < MANTISSA_SQRT2_LO)) {
      iuZero = mhi === 0 && mlo === 0;
      f = withHighWord(u, mhi | 0x3ff00000) - 1.0;
    } else {
      k++;
      // Go sets iu = (2^52 - iu) >> 2, zero only for the three largest mantissas.
      iuZero = mhi === 0xfffff && mlo >= 0xfffffffd;
      f = withHighWord(u, mhi | 0x3fe00000) - 1.0;
    }
  }
  const hfsq = 0.5 * f * f;
  if (iuZero) {
    if (f === 0) return k === 0 ? 0 : k * LN2HI + (c + k * LN2LO);
    const r = hfsq * (1.0 - 0.66666666666666666 * f);
    if (k === 0) return f - r;
    return k * LN2HI - (r - (k * LN2LO + c) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  const r = z * (LP1 + z * (LP2 + z * (LP3 + z * (LP4 + z * (LP5 + z * (LP6 + z * LP7))))));
  if (k === 0) return f - (hfsq - s * (hfsq + r));
  return k * LN2HI - (hfsq - (s * (hfsq + r) + (k * LN2LO + c)) - f);
}
