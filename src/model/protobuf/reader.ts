/**
 * A protobuf wire-format reader shared by Braid's hand-written codecs (OTLP traces, logs, metrics,
 * Prometheus remote write). Codecs switch on whole tags and read fields in place; nested messages
 * narrow `limit` instead of allocating a sub-reader, so a field can never overrun its parent.
 */
import type { StringCache } from './string-cache.js';

/** Protobuf wire types. */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'group start', 'group end', 'fixed32'];

/** Field name and wire type of each known field of a message, indexed by field number. */
export interface MessageSchema {
  readonly name: string;
  readonly fields: readonly (readonly [name: string, wireType: number] | undefined)[];
}

/** Malformed wire data; `offset` is where in the buffer the problem was found. */
export class ProtobufError extends Error {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = 'ProtobufError';
    this.offset = offset;
  }
}

const MAX_VARINT_BYTES = 10;

/** Reads protobuf fields from a buffer without copying it; every read is bounds-checked against `limit`. */
export class ProtoReader {
  readonly buf: Uint8Array;
  /** Offset of the next byte to read. */
  pos = 0;
  /** End of the message being read. */
  limit: number;
  /** Offset of the last tag read, so wire-type errors point at the field rather than past it. */
  tagPos = 0;
  private readonly view: DataView;
  private readonly text: Buffer;
  // Results of the last 64-bit varint read, kept in fields so 64-bit reads allocate nothing.
  private lo = 0;
  private hi = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.limit = buf.length;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.text = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Reads a tag: `(fieldNumber << 3) | wireType`. */
  tag(): number {
    this.tagPos = this.pos;
    const pos = this.pos;
    // Single-byte tags (fields 1-15) are the common case.
    if (pos < this.limit) {
      const b = this.buf[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    return this.uint32();
  }

  /** Reads a varint as uint32, truncating wider values as protobuf requires for uint32 and enums. */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (this.limit - pos < MAX_VARINT_BYTES) {
      this.varint64();
      return this.lo;
    }
    let b = buf[pos++]!;
    let v = b & 0x7f;
    if (b >= 0x80) {
      b = buf[pos++]!;
      v |= (b & 0x7f) << 7;
      if (b >= 0x80) {
        b = buf[pos++]!;
        v |= (b & 0x7f) << 14;
        if (b >= 0x80) {
          b = buf[pos++]!;
          v |= (b & 0x7f) << 21;
          if (b >= 0x80) {
            b = buf[pos++]!;
            v |= b << 28;
            // Bits above 32 are discarded, but the varint must still end within 10 bytes.
            let n = 5;
            while (b >= 0x80) {
              if (n++ === MAX_VARINT_BYTES) throw new ProtobufError(`varint longer than 10 bytes at offset ${this.pos}`, this.pos);
              b = buf[pos++]!;
            }
          }
        }
      }
    }
    this.pos = pos;
    return v >>> 0;
  }

  /** Reads a varint as int32 (negative values are sign-extended to 10 bytes on the wire). */
  int32(): number {
    return this.uint32() | 0;
  }

  /** Reads a varint as an exact number; rejects values of 2^53 or more. */
  varint(): number {
    const start = this.pos;
    this.varint64();
    if (this.hi >= 0x200000) throw new ProtobufError(`varint at offset ${start} exceeds 2^53`, start);
    return this.hi * 0x100000000 + this.lo;
  }

  /** Reads a varint as uint64. */
  uint64(): bigint {
    this.varint64();
    return this.hi < 0x200000 ? BigInt(this.hi * 0x100000000 + this.lo) : (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** Reads a varint as int64 (two's complement). */
  int64(): bigint {
    this.varint64();
    const hi = this.hi;
    if (hi < 0x200000) return BigInt(hi * 0x100000000 + this.lo);
    // Small negatives: the bitwise complement fits in 53 bits, so stay in number arithmetic.
    if (hi >= 0xffe00000) return BigInt(-((~hi >>> 0) * 0x100000000 + (~this.lo >>> 0) + 1));
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(this.lo));
  }

  /** Reads a varint as bool. */
  bool(): boolean {
    this.varint64();
    return (this.lo | this.hi) !== 0;
  }

  /** Reads a fixed32 as an unsigned number. */
  fixed32(): number {
    const pos = this.need(4, 'fixed32');
    this.pos = pos + 4;
    return this.view.getUint32(pos, true);
  }

  /** Reads an sfixed32. */
  sfixed32(): number {
    const pos = this.need(4, 'sfixed32');
    this.pos = pos + 4;
    return this.view.getInt32(pos, true);
  }

  /** Reads a fixed64 as bigint. */
  fixed64(): bigint {
    const pos = this.need(8, 'fixed64');
    this.pos = pos + 8;
    return this.view.getBigUint64(pos, true);
  }

  /** Reads an sfixed64 as bigint. */
  sfixed64(): bigint {
    const pos = this.need(8, 'sfixed64');
    this.pos = pos + 8;
    return this.view.getBigInt64(pos, true);
  }

  /** Reads a double. */
  double(): number {
    const pos = this.need(8, 'double');
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /** Reads a float. */
  float(): number {
    const pos = this.need(4, 'float');
    this.pos = pos + 4;
    return this.view.getFloat32(pos, true);
  }

  /** Reads a length-delimited field and returns a view of its bytes (no copy). */
  bytes(): Uint8Array {
    const start = this.skipBytes();
    return this.buf.subarray(start, this.pos);
  }

  /** Skips a length-delimited field and returns where its bytes start; they end at `pos`. */
  skipBytes(): number {
    const len = this.length();
    const start = this.pos;
    this.pos = start + len;
    return start;
  }

  /** Reads a length-delimited UTF-8 string; invalid sequences become U+FFFD. */
  string(): string {
    const len = this.length();
    const start = this.pos;
    const end = start + len;
    this.pos = end;
    // Short ASCII strings (keys, names) are cheaper to build in JS than through a native call.
    if (len <= 16) {
      const buf = this.buf;
      let s = '';
      for (let i = start; i < end; i++) {
        const c = buf[i]!;
        if (c >= 0x80) return this.text.toString('utf8', start, end);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.text.toString('utf8', start, end);
  }

  /** Reads a string like `string`, but through `cache`, for strings that repeat across messages (attribute keys). */
  cachedString(cache: StringCache): string {
    const len = this.length();
    const start = this.pos;
    const end = start + len;
    this.pos = end;
    if (len > cache.maxBytes) return this.text.toString('utf8', start, end);
    const hit = cache.get(this.buf, start, end);
    if (hit !== undefined) return hit;
    const s = this.text.toString('utf8', start, end);
    cache.set(this.buf, start, end, s);
    return s;
  }

  /** Enters a length-delimited sub-message: narrows `limit` to it and returns the outer limit for `leave`. */
  enter(): number {
    const len = this.length();
    const outer = this.limit;
    this.limit = this.pos + len;
    return outer;
  }

  /** Leaves a sub-message entered with `enter` (its fields must have been read or skipped). */
  leave(outer: number): void {
    this.limit = outer;
  }

  /** Skips a field the codec does not read; rejects a known field that arrived with the wrong wire type. */
  unknown(tag: number, schema: MessageSchema): void {
    const field = schema.fields[tag >>> 3];
    if (field !== undefined && field[1] !== (tag & 7)) {
      throw new ProtobufError(
        `${schema.name}.${field[0]} (field ${tag >>> 3}) at offset ${this.tagPos}: expected wire type ${field[1]} (${WIRE_NAMES[field[1]]}), got ${tag & 7}${wireName(tag & 7)}`,
        this.tagPos,
      );
    }
    this.skip(tag);
  }

  /** Skips the value of a field whose tag was just read. */
  skip(tag: number): void {
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 0) throw new ProtobufError(`invalid field number 0 at offset ${this.tagPos}`, this.tagPos);
    switch (wt) {
      case WireType.VARINT:
        this.varint64();
        return;
      case WireType.I64:
        this.pos = this.need(8, 'fixed64') + 8;
        return;
      case WireType.LEN:
        this.skipBytes();
        return;
      case WireType.I32:
        this.pos = this.need(4, 'fixed32') + 4;
        return;
      case WireType.SGROUP:
      case WireType.EGROUP:
        throw new ProtobufError(`unsupported wire type ${wt} (${WIRE_NAMES[wt]}) for field ${field} at offset ${this.tagPos}`, this.tagPos);
      default:
        throw new ProtobufError(`invalid wire type ${wt} for field ${field} at offset ${this.tagPos}`, this.tagPos);
    }
  }

  /** Reads the length of a length-delimited field and checks that many bytes remain. */
  private length(): number {
    const at = this.pos;
    let len: number;
    const b = at < this.limit ? this.buf[at]! : 0x80;
    if (b < 0x80) {
      this.pos = at + 1;
      len = b;
    } else {
      this.varint64();
      // A length past 2^32 cannot fit any buffer; treating it as huge makes the check below fail.
      len = this.hi === 0 ? this.lo : Infinity;
    }
    const remaining = this.limit - this.pos;
    if (len > remaining) {
      throw new ProtobufError(`length ${len === Infinity ? '>= 2^32' : len} at offset ${at} exceeds the ${remaining} bytes remaining`, at);
    }
    return len;
  }

  /** Reads any varint into `lo`/`hi`, with bounds checks on every byte. */
  private varint64(): void {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (pos >= this.limit) throw new ProtobufError(`truncated varint at offset ${start}`, start);
      const b = buf[pos++]!;
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= bits << 28;
        hi = bits >>> 4;
      } else hi |= bits << (7 * i - 32);
      if (b < 0x80) {
        this.pos = pos;
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    throw new ProtobufError(`varint longer than 10 bytes at offset ${start}`, start);
  }

  /** Checks that `n` bytes remain and returns the current offset. */
  private need(n: number, what: string): number {
    const pos = this.pos;
    if (this.limit - pos < n) {
      throw new ProtobufError(`unexpected end of data at offset ${pos}: expected ${n} bytes of ${what}, ${this.limit - pos} remain`, pos);
    }
    return pos;
  }
}

function wireName(wt: number): string {
  const name = WIRE_NAMES[wt];
  return name === undefined ? '' : ` (${name})`;
}
