/**
 * Braid's ports of Go's math (src/promql/gomath*.ts) against Go itself: a small Go program
 * (test/promql/go-math/main.go, built with the local Go toolchain into the infra cache) answers each
 * function Prometheus's engine calls for the same inputs, and every answer must have the same bits
 * (any NaN matches any NaN). Inputs: edge cases, then seeded random doubles: any bit pattern
 * (subnormals, ±0, ±Inf, NaN included), log-uniform magnitudes of either sign, and each function's
 * interesting range. Needs only Go, no Kafka or Elasticsearch.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { fma, goExp, goLog, goLog10, goLog2, goMax, goMin, goPow } from '../../src/promql/gomath.js';
import { goAcosh, goAsinh, goAtanh, goCosh, goLog1p, goSinh, goTanh } from '../../src/promql/gomath-hyper.js';
import { goAcos, goAsin, goAtan, goAtan2, goCos, goSin, goTan } from '../../src/promql/gomath-trig.js';
import { MATH_FUNCTIONS } from '../../src/promql/functions.js';
import { elemBinop } from '../../src/promql/binary.js';
import { buildGoProgram } from '../helpers/go-program.js';

// GOMATH_INPUTS=2000000 GOMATH_SEED=... for a longer search; the default keeps the test to a few seconds.
const RANDOM_INPUTS = Number(process.env.GOMATH_INPUTS ?? 200_000);
const SEED = Number(process.env.GOMATH_SEED ?? 9);
const SOURCE = fileURLToPath(new URL('../promql/go-math/main.go', import.meta.url));
let binary = '';

beforeAll(async () => {
  binary = await buildGoProgram(SOURCE, 'go-math');
}, 300_000);

type Fn = (x: number, y: number, z: number) => number;

/** Go's name -> Braid's function; the engine's own tables where it has them, so what is tested is what runs. */
const unary = (name: string): Fn => {
  const f = MATH_FUNCTIONS[name === 'log' ? 'ln' : name]!;
  return (x) => f(x);
};
const binop = (op: string): Fn => (x, y) => elemBinop(op, x, y)[0];
const FUNCTIONS: Record<string, Fn> = {
  exp: unary('exp'), log: unary('log'), log10: unary('log10'), log2: unary('log2'), sin: unary('sin'),
  cos: unary('cos'), tan: unary('tan'), asin: unary('asin'), acos: unary('acos'), atan: unary('atan'),
  sinh: unary('sinh'), cosh: unary('cosh'), tanh: unary('tanh'), asinh: unary('asinh'), acosh: unary('acosh'),
  atanh: unary('atanh'), sqrt: unary('sqrt'), floor: unary('floor'), ceil: unary('ceil'), deg: unary('deg'),
  rad: unary('rad'), log1p: (x) => goLog1p(x), atan2: binop('atan2'), pow: binop('^'), mod: binop('%'),
  min: (x, y) => goMin(x, y), max: (x, y) => goMax(x, y),
};

/** xorshift128+, seeded: the same inputs on every run. */
function random(seed: number): () => number {
  let [a, b] = [BigInt(seed) | 1n, 0x9e3779b97f4a7c15n];
  const mask = (1n << 64n) - 1n;
  return () => {
    let x = a;
    const y = b;
    a = y;
    x = (x ^ (x << 23n)) & mask;
    b = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return Number((b + y) & mask) / 2 ** 64;
  };
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function fromBits(hi: number, lo: number): number {
  u32[1] = hi >>> 0;
  u32[0] = lo >>> 0;
  return f64[0]!;
}

function hex(v: number): string {
  f64[0] = v;
  return `0x${u32[1]!.toString(16).padStart(8, '0')}${u32[0]!.toString(16).padStart(8, '0')} (${v})`;
}

const EDGES = [
  0, -0, Infinity, -Infinity, NaN, 1, -1, 0.5, -0.5, 2, -2, 3, 10, 100, 1000, 1e-10, 5e-324, -5e-324,
  2.2250738585072014e-308, 2.225073858507201e-308, Number.MAX_VALUE, -Number.MAX_VALUE, 0.7071067811865476,
  0.625, 21, 0.66, 2.414213562373095, 0.7, 2 ** 28, 2 ** 29, 2 ** 29 - 1, 2 ** 53, 2 ** 63, 709.782712893384,
  709.79, -745.1332191019411, -745.14, -708.4, 1e300, 44.01, 0.41421356237309503, -0.2928932188134524,
  Math.PI, Math.PI / 2, Math.PI / 4, 1e22, 1.0000000000000002, 0.9999999999999999,
];

/** The inputs: edges, their pairs, then random ones of each kind. */
function inputs(n: number, seed: number): number[][] {
  const rnd = random(seed);
  const out: number[][] = [];
  for (const x of EDGES) for (const y of EDGES) out.push([x, y, 0]);
  const anyBits = (): number => fromBits(Math.floor(rnd() * 2 ** 32), Math.floor(rnd() * 2 ** 32));
  const logUniform = (lo: number, hi: number): number => (rnd() < 0.5 ? -1 : 1) * 10 ** (lo + rnd() * (hi - lo));
  const kinds: Array<() => number> = [
    anyBits,
    () => logUniform(-320, 308),
    () => logUniform(-8, 3),
    () => (rnd() - 0.5) * 2, // asin, acos, atanh
    () => (rnd() - 0.5) * 1500, // exp's whole range and past it
    () => (rnd() - 0.5) * 100,
    () => 1 + rnd() * 3, // acosh, log near 1
    () => Math.round((rnd() - 0.5) * 64) / 2, // integers and halves: exact cases, pow's integer part
    () => (rnd() - 0.5) * 2 ** 40, // sin, cos, tan past 2^29
  ];
  for (let i = 0; i < n; i++) {
    const k = kinds[i % kinds.length]!;
    out.push([k(), kinds[Math.floor(rnd() * kinds.length)]!(), 0]);
  }
  return out;
}

/** Go's answers: for each name, one double per input. */
function askGo(names: string[], ins: number[][]): Promise<Float64Array> {
  const buf = new Float64Array(ins.length * 3);
  ins.forEach((r, i) => buf.set(r, i * 3));
  return new Promise((resolve, reject) => {
    const child = spawn(binary, names, { stdio: ['pipe', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`go-math exited with ${code}`));
      const all = Buffer.concat(chunks);
      resolve(new Float64Array(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength)));
    });
    child.stdin.end(Buffer.from(buf.buffer));
  });
}

const same = (a: number, b: number): boolean => (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b);

/** The inputs on which `fn` differs from Go, formatted, at most 5. */
function differences(name: string, fn: Fn, ins: number[][], want: Float64Array, offset: number): string[] {
  const out: string[] = [];
  let count = 0;
  for (let i = 0; i < ins.length; i++) {
    const [x, y, z] = ins[i]!;
    const got = fn(x!, y!, z!);
    if (same(got, want[offset + i]!)) continue;
    count++;
    if (out.length < 5) out.push(`${name}(${ins[i]!.slice(0, 2).join(', ')}): Go ${hex(want[offset + i]!)}, Braid ${hex(got)}`);
  }
  if (count > 0) out.push(`${name}: ${count} of ${ins.length} differ`);
  return out;
}

describe('Go math, bit for bit', () => {
  it(`the engine's functions answer as Go's on amd64, on edges and ${RANDOM_INPUTS} random inputs`, async () => {
    const names = Object.keys(FUNCTIONS);
    const ins = inputs(RANDOM_INPUTS, SEED);
    const want = await askGo(names, ins);
    const diffs = names.flatMap((name, k) => differences(name, FUNCTIONS[name]!, ins, want, k * ins.length));
    expect(diffs).toEqual([]);
  });

  it('the exported ports, called directly, agree too', async () => {
    const direct: Record<string, Fn> = {
      exp: goExp, log: goLog, log10: goLog10, log2: goLog2, log1p: goLog1p, sin: goSin, cos: goCos, tan: goTan,
      asin: goAsin, acos: goAcos, atan: goAtan, sinh: goSinh, cosh: goCosh, tanh: goTanh, asinh: goAsinh,
      acosh: goAcosh, atanh: goAtanh, atan2: goAtan2, pow: goPow,
    };
    const names = Object.keys(direct);
    const ins = inputs(20_000, 10);
    const want = await askGo(names, ins);
    expect(names.flatMap((name, k) => differences(name, direct[name]!, ins, want, k * ins.length))).toEqual([]);
  });

  it('fma rounds once, as the FMA instruction does, where Exp uses it (ties included)', async () => {
    const rnd = random(11);
    const ins: number[][] = [];
    const small = (): number => Math.floor((rnd() - 0.5) * 2 ** 28) * 2 ** Math.floor((rnd() - 0.5) * 60);
    const wide = (): number => (rnd() < 0.5 ? -1 : 1) * 10 ** ((rnd() - 0.5) * 200) * (1 + rnd());
    for (let i = 0; i < 100_000; i++) ins.push(i % 2 === 0 ? [small(), small(), small()] : [wide(), wide(), wide()]);
    const want = await askGo(['fma'], ins);
    expect(differences('fma', fma, ins, want, 0)).toEqual([]);
  });
});
