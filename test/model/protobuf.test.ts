import { describe, expect, it } from 'vitest';
import { ProtoReader, ProtobufError, WireType, type MessageSchema } from '../../src/model/protobuf/reader.js';
import { ProtoWriter, varintSize } from '../../src/model/protobuf/writer.js';

function written(fn: (w: ProtoWriter) => void): Uint8Array {
  const w = new ProtoWriter(8);
  fn(w);
  return w.finish();
}

function readError(bytes: number[], fn: (r: ProtoReader) => unknown): ProtobufError {
  try {
    fn(new ProtoReader(new Uint8Array(bytes)));
  } catch (err) {
    if (err instanceof ProtobufError) return err;
    throw err;
  }
  throw new Error('expected a ProtobufError');
}

describe('varints', () => {
  it('round-trips uint32, int32, varint, uint64 and int64 with the canonical encodings', () => {
    expect([...written((w) => w.uint32(0))]).toEqual([0]);
    expect([...written((w) => w.uint32(300))]).toEqual([0xac, 0x02]);
    expect([...written((w) => w.int32(-1))]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect([...written((w) => w.int64(-1n))]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect([...written((w) => w.uint64(2n ** 64n - 1n))]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);

    const u32 = [0, 1, 127, 128, 16383, 16384, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1];
    const i32 = [0, -1, -(2 ** 31), 2 ** 31 - 1, -300];
    const nums = [0, 2 ** 32, 2 ** 35 - 1, 2 ** 35, 2 ** 49 + 7, Number.MAX_SAFE_INTEGER];
    const i64 = [0n, 1n, -1n, 2n ** 53n, -(2n ** 53n), -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), -123456789012n];
    const u64 = [0n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 64n - 1n];
    const bytes = written((w) => {
      for (const v of u32) w.uint32(v);
      for (const v of i32) w.int32(v);
      for (const v of nums) w.varint(v);
      for (const v of i64) w.int64(v);
      for (const v of u64) w.uint64(v);
    });
    const r = new ProtoReader(bytes);
    expect(u32.map(() => r.uint32())).toEqual(u32);
    expect(i32.map(() => r.int32())).toEqual(i32);
    expect(nums.map(() => r.varint())).toEqual(nums);
    expect(i64.map(() => r.int64())).toEqual(i64);
    expect(u64.map(() => r.uint64())).toEqual(u64);
    expect(r.pos).toBe(bytes.length);
  });

  it('sizes varints like the writer writes them', () => {
    for (const n of [0, 127, 128, 2 ** 21, 2 ** 28, 2 ** 35, 2 ** 42, 2 ** 49, Number.MAX_SAFE_INTEGER]) {
      expect(varintSize(n)).toBe(written((w) => w.varint(n)).length);
    }
  });

  it('truncates wide varints read as uint32, as protobuf does', () => {
    const r = new ProtoReader(written((w) => w.uint64(2n ** 40n + 5n)));
    expect(r.uint32()).toBe(5);
  });

  it('reports truncated, overlong and oversized varints with their offset', () => {
    expect(readError([0x01, 0x80, 0x80], (r) => [r.uint32(), r.uint32()]).message).toBe('truncated varint at offset 1');
    expect(readError(Array(11).fill(0xff), (r) => r.uint32()).message).toBe('varint longer than 10 bytes at offset 0');
    expect(readError([...Array(10).fill(0xff), 0x01], (r) => r.int64()).message).toBe('varint longer than 10 bytes at offset 0');
    expect(readError([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], (r) => r.varint()).message).toBe('varint at offset 0 exceeds 2^53');
  });
});

describe('fixed-width and length-delimited fields', () => {
  it('round-trips fixed32, fixed64, doubles, floats, bytes and strings', () => {
    const strings = ['', 'ascii', 'é', '日本語', '🌍', 'x'.repeat(42), 'é'.repeat(42), '🌍'.repeat(21), 'y'.repeat(43), 'ü'.repeat(5000)];
    const bytes = written((w) => {
      w.fixed32(0xdeadbeef);
      w.sfixed32(-2);
      w.fixed64(2n ** 64n - 1n);
      w.sfixed64(-(2n ** 63n));
      w.double(-1.5e300);
      w.float(0.5);
      w.bool(true);
      w.bytes(new Uint8Array([1, 2, 3]));
      for (const s of strings) w.string(s);
    });
    const r = new ProtoReader(bytes);
    expect(r.fixed32()).toBe(0xdeadbeef);
    expect(r.sfixed32()).toBe(-2);
    expect(r.fixed64()).toBe(2n ** 64n - 1n);
    expect(r.sfixed64()).toBe(-(2n ** 63n));
    expect(r.double()).toBe(-1.5e300);
    expect(r.float()).toBe(0.5);
    expect(r.bool()).toBe(true);
    expect([...r.bytes()]).toEqual([1, 2, 3]);
    expect(strings.map(() => r.string())).toEqual(strings);
  });

  it('encodes strings exactly as TextEncoder does, lone surrogates included', () => {
    for (const s of ['a\uD800b', '\uDC00', 'x\uD83D', '€'.repeat(10), 'mixed ascii and ✓ and 🌍 and \u07FF\u0800']) {
      const r = new ProtoReader(written((w) => w.string(s)));
      expect(r.bytes()).toEqual(new TextEncoder().encode(s));
    }
  });

  it('returns views into the input instead of copies', () => {
    const input = new Uint8Array([0x03, 7, 8, 9]);
    const view = new ProtoReader(input).bytes();
    expect(view.buffer).toBe(input.buffer);
    expect(view.byteOffset).toBe(1);
  });

  it('writes nested messages whose lengths need 1, 2 and 3 bytes', () => {
    for (const size of [0, 127, 128, 16383, 16384, 100_000]) {
      const bytes = written((w) => {
        w.tag(1, WireType.LEN);
        const outer = w.fork();
        w.tag(2, WireType.LEN);
        const inner = w.fork();
        w.string('z'.repeat(size));
        w.ldelim(inner);
        w.ldelim(outer);
      });
      const r = new ProtoReader(bytes);
      expect(r.tag()).toBe(10);
      const o = r.enter();
      expect(r.tag()).toBe(18);
      const i = r.enter();
      expect(r.string()).toBe('z'.repeat(size));
      expect(r.pos).toBe(r.limit);
      r.leave(i);
      r.leave(o);
      expect(r.pos).toBe(bytes.length);
    }
  });

  it('reports reads past the end of the enclosing message', () => {
    expect(readError([1, 2, 3], (r) => r.fixed64()).message).toBe('unexpected end of data at offset 0: expected 8 bytes of fixed64, 3 remain');
    expect(readError([0x05, 1, 2], (r) => r.bytes()).message).toBe('length 5 at offset 0 exceeds the 2 bytes remaining');
    // The inner message claims 2 bytes; its fixed32 must not read into the outer message's bytes.
    expect(readError([0x02, 0x0d, 0, 1, 2, 3], (r) => [r.enter(), r.tag(), r.fixed32()]).message)
      .toBe('unexpected end of data at offset 2: expected 4 bytes of fixed32, 1 remain');
  });
});

describe('skipping', () => {
  const schema: MessageSchema = { name: 'Msg', fields: [undefined, ['name', WireType.LEN]] };

  it('skips unknown fields of every supported wire type', () => {
    const bytes = written((w) => {
      w.tag(10, WireType.VARINT);
      w.int64(-1n);
      w.tag(11, WireType.I64);
      w.double(1);
      w.tag(12, WireType.LEN);
      w.string('skip me');
      w.tag(13, WireType.I32);
      w.fixed32(1);
      w.tag(1, WireType.LEN);
      w.string('kept');
    });
    const r = new ProtoReader(bytes);
    let name = '';
    while (r.pos < r.limit) {
      const tag = r.tag();
      if (tag === 10) name = r.string();
      else r.unknown(tag, schema);
    }
    expect(name).toBe('kept');
  });

  it('rejects groups, invalid wire types, field 0 and known fields with the wrong wire type', () => {
    const unknown = (r: ProtoReader): void => r.unknown(r.tag(), schema);
    expect(readError([0x1b], unknown).message).toBe('unsupported wire type 3 (group start) for field 3 at offset 0');
    expect(readError([0x1c], unknown).message).toBe('unsupported wire type 4 (group end) for field 3 at offset 0');
    expect(readError([0x1e], unknown).message).toBe('invalid wire type 6 for field 3 at offset 0');
    expect(readError([0x07], unknown).message).toBe('invalid field number 0 at offset 0');
    expect(readError([0x08, 0x01], unknown).message).toBe('Msg.name (field 1) at offset 0: expected wire type 2 (length-delimited), got 0 (varint)');
    expect(readError([0x0f], unknown).message).toBe('Msg.name (field 1) at offset 0: expected wire type 2 (length-delimited), got 7');
  });
});
