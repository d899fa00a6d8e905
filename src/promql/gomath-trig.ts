/** Go's trigonometric functions (src/math sin.go, tan.go, trig_reduce.go, asin.go, atan.go, atan2.go), bit for bit. */

const PI = 3.141592653589793;
const PI2 = 1.5707963267948966; // Go's Pi/2
const PI4 = 0.7853981633974483; // Go's Pi/4
const PI34 = 2.356194490192345; // Go's 3*Pi/4
const FOUR_OVER_PI = 1.2732395447351628;
// Pi/4 in three parts, for Cody and Waite's reduction.
const PI4A = 7.85398125648498535156e-1;
const PI4B = 3.77489470793079817668e-8;
const PI4C = 2.69515142907905952645e-15;
const REDUCE_THRESHOLD = 2 ** 29;

const S0 = 1.58962301576546568060e-10;
const S1 = -2.50507477628578072866e-8;
const S2 = 2.75573136213857245213e-6;
const S3 = -1.98412698295895385996e-4;
const S4 = 8.33333333332211858878e-3;
const S5 = -1.66666666666666307295e-1;
const C0 = -1.13585365213876817300e-11;
const C1 = 2.08757008419747316778e-9;
const C2 = -2.75573141792967388112e-7;
const C3 = 2.48015872888517045348e-5;
const C4 = -1.38888888888730564116e-3;
const C5 = 4.16666666666665929218e-2;

const M64 = (1n << 64n) - 1n;
// 4/Pi in binary, for Payne and Hanek's reduction of large arguments.
const M_PI4 = [
  0x0000000000000001n, 0x45f306dc9c882a53n, 0xf84eafa3ea69bb81n, 0xb6c52b3278872083n, 0xfca2c757bd778ac3n,
  0x6e48dc74849ba5c0n, 0x0c925dd413a32439n, 0xfc3bd63962534e7dn, 0xd1046bea5d768909n, 0xd338e04d68befc82n,
  0x7323ac7306a673e9n, 0x3908bf177bf25076n, 0x3ff12fffbc0b301fn, 0xde5e2316b414da3en, 0xda6cfd9e4f96136en,
  0x9e8c7ecd3cbfd45an, 0xea4f758fd7cbe2f6n, 0x7a0e73ef14a525d4n, 0xd7f6bf623f1aba10n, 0xac06608df8f6d757n,
];

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** trigReduce: x ≥ 2^29 reduced to an octant j and z in [0, Pi/4), with 64-bit integer arithmetic as Go does. */
function trigReduce(x: number): [number, number] {
  f64[0] = x;
  let ix = u64[0]!;
  const exp = Number((ix >> 52n) & 0x7ffn) - 1023 - 52;
  ix = (ix & ((1n << 52n) - 1n)) | (1n << 52n);
  const digit = Math.floor((exp + 61) / 64);
  const shift = BigInt((exp + 61) % 64);
  const word = (i: number): bigint => ((M_PI4[i]! << shift) | (M_PI4[i + 1]! >> (64n - shift))) & M64;
  const [z0, z1, z2] = [word(digit), word(digit + 1), word(digit + 2)];
  const z2hi = (z2 * ix) >> 64n;
  const z1p = z1 * ix;
  const sum = (z1p & M64) + z2hi;
  const lo = sum & M64;
  let hi = ((z0 * ix) + (z1p >> 64n) + (sum >> 64n)) & M64;
  let j = Number(hi >> 61n);
  hi = ((hi << 3n) | (lo >> 61n)) & M64;
  const lz = hi === 0n ? 64 : 64 - hi.toString(2).length;
  const e = BigInt(1023 - (lz + 1));
  hi = ((hi << BigInt(lz + 1)) | (lo >> BigInt(64 - (lz + 1)))) & M64;
  u64[0] = (hi >> 12n) | (e << 52n);
  let z = f64[0];
  if ((j & 1) === 1) {
    j = (j + 1) & 7;
    z--;
  }
  return [j, z * PI4];
}

/** The octant and reduced argument of x ≥ 0, as sin, cos and tan compute them. */
function reduce(x: number, wrap: boolean): [number, number] {
  if (x >= REDUCE_THRESHOLD) return trigReduce(x);
  let j = Math.trunc(x * FOUR_OVER_PI);
  let y = j;
  if ((j & 1) === 1) {
    j++;
    y++;
  }
  if (wrap) j &= 7;
  return [j, x - y * PI4A - y * PI4B - y * PI4C];
}

const sinPoly = (z: number, zz: number): number => z + z * zz * (((((S0 * zz + S1) * zz + S2) * zz + S3) * zz + S4) * zz + S5);
const cosPoly = (zz: number): number =>
  1.0 - 0.5 * zz + zz * zz * (((((C0 * zz + C1) * zz + C2) * zz + C3) * zz + C4) * zz + C5);

/** math.Cos. */
export function goCos(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  let sign = false;
  const [octant, z] = reduce(Math.abs(x), true);
  let j = octant;
  if (j > 3) {
    j -= 4;
    sign = !sign;
  }
  if (j > 1) sign = !sign;
  const zz = z * z;
  const y = j === 1 || j === 2 ? sinPoly(z, zz) : cosPoly(zz);
  return sign ? -y : y;
}

/** math.Sin. */
export function goSin(x: number): number {
  if (x === 0 || Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return NaN;
  let sign = x < 0;
  const [octant, z] = reduce(Math.abs(x), true);
  let j = octant;
  if (j > 3) {
    sign = !sign;
    j -= 4;
  }
  const zz = z * z;
  const y = j === 1 || j === 2 ? cosPoly(zz) : sinPoly(z, zz);
  return sign ? -y : y;
}

const TP0 = -1.30936939181383777646e4;
const TP1 = 1.15351664838587416140e6;
const TP2 = -1.79565251976484877988e7;
const TQ1 = 1.36812963470692954678e4;
const TQ2 = -1.32089234440210967447e6;
const TQ3 = 2.50083801823357915839e7;
const TQ4 = -5.38695755929454629881e7;

/** math.Tan. */
export function goTan(x: number): number {
  if (x === 0 || Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return NaN;
  const [j, z] = reduce(Math.abs(x), false);
  const zz = z * z;
  let y = z;
  if (zz > 1e-14) y = z + z * ((zz * ((TP0 * zz + TP1) * zz + TP2)) / ((((zz + TQ1) * zz + TQ2) * zz + TQ3) * zz + TQ4));
  if ((j & 2) === 2) y = -1 / y;
  return x < 0 ? -y : y;
}

const P0 = -8.750608600031904122785e-1;
const P1 = -1.615753718733365076637e1;
const P2 = -7.500855792314704667340e1;
const P3 = -1.228866684490136173410e2;
const P4 = -6.485021904942025371773e1;
const Q0 = 2.485846490142306297962e1;
const Q1 = 1.650270098316988542046e2;
const Q2 = 4.328810604912902668951e2;
const Q3 = 4.853903996359136964868e2;
const Q4 = 1.945506571482613964425e2;
const MOREBITS = 6.123233995736765886130e-17;
const HALF_MOREBITS = 3.061616997868383e-17;
const TAN3PIO8 = 2.41421356237309504880;

/** xatan: atan of x in [0, 0.66]. */
function xatan(x: number): number {
  let z = x * x;
  z = (z * ((((P0 * z + P1) * z + P2) * z + P3) * z + P4)) / (((((z + Q0) * z + Q1) * z + Q2) * z + Q3) * z + Q4);
  return x * z + x;
}

/** satan: atan of x ≥ 0, range reduced. */
function satan(x: number): number {
  if (x <= 0.66) return xatan(x);
  if (x > TAN3PIO8) return PI2 - xatan(1 / x) + MOREBITS;
  return PI4 + xatan((x - 1) / (x + 1)) + HALF_MOREBITS;
}

/** math.Atan. */
export function goAtan(x: number): number {
  if (x === 0) return x;
  return x > 0 ? satan(x) : -satan(-x);
}

/** math.Asin. */
export function goAsin(x: number): number {
  if (x === 0) return x;
  const sign = x < 0;
  if (sign) x = -x;
  if (x > 1) return NaN;
  let temp = Math.sqrt(1 - x * x);
  temp = x > 0.7 ? PI2 - satan(temp / x) : satan(x / temp);
  return sign ? -temp : temp;
}

/** math.Acos: Pi/2 - Asin(x). */
export const goAcos = (x: number): number => PI2 - goAsin(x);

const negative = (y: number): boolean => y < 0 || Object.is(y, -0);
const copysign = (v: number, y: number): number => (negative(y) ? -v : v);

/** math.Atan2(y, x). */
export function goAtan2(y: number, x: number): number {
  if (Number.isNaN(y) || Number.isNaN(x)) return NaN;
  if (y === 0) return x >= 0 && !Object.is(x, -0) ? copysign(0, y) : copysign(PI, y);
  if (x === 0) return copysign(PI2, y);
  if (x === Infinity) return copysign(Number.isFinite(y) ? 0 : PI4, y);
  if (x === -Infinity) return copysign(Number.isFinite(y) ? PI : PI34, y);
  if (!Number.isFinite(y)) return copysign(PI2, y);
  const q = goAtan(y / x);
  if (x < 0) return q <= 0 ? q + PI : q - PI;
  return q;
}
