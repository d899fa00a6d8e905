/**
 * Input generators shared by the fuzz properties: random protobuf messages that follow the wire
 * format (so decoders get past the first byte and into their nested messages), byte and text
 * mutations of valid inputs, and hostile shapes (huge length prefixes, deep nesting, many
 * repeated fields).
 */
import fc from 'fast-check';
import { ProtoWriter } from '../../src/model/protobuf/writer.js';

/** One field of a random protobuf message. */
export type RandomField =
  | { field: number; kind: 'varint'; value: bigint }
  | { field: number; kind: 'i64'; value: bigint }
  | { field: number; kind: 'i32'; value: number }
  | { field: number; kind: 'bytes'; value: Uint8Array }
  | { field: number; kind: 'message'; value: RandomField[] };

const fieldNumber = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 16 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 29 - 1 }) });

/** A random message tree: field numbers mostly those OTLP and remote write use (1-16), any wire type, nested up to `depth`. */
export function randomMessage(depth = 5): fc.Arbitrary<RandomField[]> {
  const { msg } = fc.letrec<{ msg: RandomField[]; field: RandomField }>((tie) => ({
    msg: fc.array(tie('field'), { maxLength: 6 }),
    field: fc.oneof(
      { depthSize: 'small', maxDepth: depth, withCrossShrink: true },
      fc.record({ field: fieldNumber, kind: fc.constant('varint' as const), value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
      fc.record({ field: fieldNumber, kind: fc.constant('i64' as const), value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
      fc.record({ field: fieldNumber, kind: fc.constant('i32' as const), value: fc.integer({ min: 0, max: 0xffffffff }) }),
      fc.record({ field: fieldNumber, kind: fc.constant('bytes' as const), value: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.string({ maxLength: 20 }).map((s) => new TextEncoder().encode(s))) }),
      fc.record({ field: fieldNumber, kind: fc.constant('message' as const), value: tie('msg') as fc.Arbitrary<RandomField[]> }),
    ),
  }));
  return msg;
}

/** Writes a random message tree in the protobuf wire format. */
export function encodeRandomMessage(fields: readonly RandomField[]): Uint8Array {
  const w = new ProtoWriter();
  writeFields(w, fields);
  return w.finish();
}

const WIRE_TYPES = { varint: 0, i64: 1, bytes: 2, message: 2, i32: 5 } as const;

function writeFields(w: ProtoWriter, fields: readonly RandomField[]): void {
  for (const f of fields) {
    w.tag(f.field, WIRE_TYPES[f.kind]);
    if (f.kind === 'varint') w.uint64(f.value);
    else if (f.kind === 'i64') w.fixed64(f.value);
    else if (f.kind === 'i32') w.fixed32(f.value);
    else w.bytes(f.kind === 'bytes' ? f.value : encodeRandomMessage(f.value));
  }
}

/** One edit of a byte string, at a position given as a fraction of its length. */
export type Mutation =
  | { op: 'flip'; at: number; bits: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; n: number }
  | { op: 'duplicate'; at: number; n: number }
  | { op: 'hugeVarint'; at: number };

const at = fc.double({ min: 0, max: 1, noNaN: true });

/** Mutations of byte strings: bit flips, cuts, insertions, deletions, repeats, and 10-byte 0xff runs (lengths of 2^64). */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at, bits: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('truncate' as const), at }),
  fc.record({ op: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ op: fc.constant('delete' as const), at, n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at, n: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('hugeVarint' as const), at }),
);

/** Applies `mutations` to a copy of `input`. */
export function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = Buffer.from(input);
  for (const m of mutations) {
    const i = Math.min(b.length, Math.floor(m.at * b.length));
    switch (m.op) {
      case 'flip':
        if (i < b.length) b[i] = b[i]! ^ m.bits;
        break;
      case 'truncate':
        b = b.subarray(0, i);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, i), m.bytes, b.subarray(i)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, i), b.subarray(i + m.n)]);
        break;
      case 'duplicate':
        b = Buffer.concat([b.subarray(0, i + m.n), b.subarray(i)]);
        break;
      case 'hugeVarint':
        b = Buffer.concat([b.subarray(0, i), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), b.subarray(i)]);
        break;
    }
  }
  return new Uint8Array(b);
}

/** Bytes from `valid`, mutated 1 to 4 times. */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([v, ms]) => mutate(v, ms));
}

/** Text from `valid`, mutated as UTF-8 bytes and decoded again (invalid sequences become U+FFFD). */
export function mutatedText(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return mutated(valid.map((s) => new TextEncoder().encode(s))).map((b) => Buffer.from(b).toString('utf8'));
}

/** A protobuf field header: tag (field, wire type 2) and a length varint of `length`. */
export function lengthPrefix(field: number, length: bigint): Uint8Array {
  const w = new ProtoWriter();
  w.tag(field, 2);
  w.uint64(length);
  return w.finish();
}

/** `depth` nested length-delimited fields `field`, innermost `inner`: ( field { field { ... inner } } ). */
export function nestedMessages(field: number, depth: number, inner: Uint8Array = new Uint8Array(0)): Uint8Array {
  let cur = Buffer.from(inner);
  for (let i = 0; i < depth; i++) cur = Buffer.concat([Buffer.from(lengthPrefix(field, BigInt(cur.length))), cur]);
  return new Uint8Array(cur);
}

/** Lowercase hex of `n` random bytes, not all zero. */
export function hexId(n: number): fc.Arbitrary<string> {
  return fc.uint8Array({ minLength: n, maxLength: n }).filter((b) => b.some((x) => x !== 0)).map((b) => Buffer.from(b).toString('hex'));
}

/** Text of any code points (no lone surrogates), short. */
export const text = (maxLength = 24): fc.Arbitrary<string> => fc.string({ unit: 'binary', maxLength });

/** JSON text that nests `depth` arrays (or objects) around `inner`. */
export function deepJson(depth: number, kind: 'array' | 'object', inner = '1'): string {
  return kind === 'array' ? '['.repeat(depth) + inner + ']'.repeat(depth) : '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
}
