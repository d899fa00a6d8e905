/**
 * The pure parts of gRPC over HTTP/2 (grpc/grpc doc/PROTOCOL-HTTP2.md): length-prefixed messages
 * (1 byte compressed flag, 4 bytes big-endian length), `grpc-timeout`, and the percent-encoding
 * of `grpc-message`. No I/O here, so it is unit-tested on bytes.
 */

/** Bytes before each message: the compressed flag and the length. */
export const FRAME_HEADER_BYTES = 5;

/** What a unary request body held once it ended, or why reading stopped early. */
export type UnaryBody =
  | { kind: 'message'; compressed: boolean; message: Buffer }
  | { kind: 'none' }
  | { kind: 'truncated'; received: number; expected: number }
  | { kind: 'several' }
  | { kind: 'too-large'; length: number; max: number };

/**
 * Collects the body of a unary call from DATA frames of any size. It keeps at most one message of
 * at most `maxBytes`: a larger length prefix or a second message stops it at once (`stopped`), so
 * the caller can answer and reset the stream without buffering the rest.
 */
export class UnaryBodyReader {
  private chunks: Buffer[] = [];
  private held = 0;
  /** Length and flag of the message, once its 5-byte prefix has arrived. */
  private length = -1;
  private compressed = false;
  /** Set when reading must stop: the answer does not depend on further bytes. */
  stopped: UnaryBody | undefined;

  constructor(private readonly maxBytes: number) {}

  /** Takes one DATA chunk; returns the reason to stop, if reading must stop now. */
  push(chunk: Buffer): UnaryBody | undefined {
    if (this.stopped) return this.stopped;
    this.chunks.push(chunk);
    this.held += chunk.length;
    if (this.length < 0 && this.held >= FRAME_HEADER_BYTES) {
      const head = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks);
      this.compressed = head[0] !== 0;
      this.length = head.readUInt32BE(1);
      if (this.length > this.maxBytes) return (this.stopped = { kind: 'too-large', length: this.length, max: this.maxBytes });
    }
    if (this.length >= 0 && this.held > FRAME_HEADER_BYTES + this.length) return (this.stopped = { kind: 'several' });
    return undefined;
  }

  /** The body as it ended (END_STREAM): one message, none, or a cut-off one. */
  end(): UnaryBody {
    if (this.stopped) return this.stopped;
    if (this.held === 0) return { kind: 'none' };
    const expected = FRAME_HEADER_BYTES + Math.max(this.length, 0);
    if (this.length < 0 || this.held < expected) return { kind: 'truncated', received: this.held, expected };
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.held);
    this.chunks = [];
    return { kind: 'message', compressed: this.compressed, message: all.subarray(FRAME_HEADER_BYTES) };
  }
}

/** The length prefix of one uncompressed message (sent before its bytes). */
export function frameHeader(length: number): Buffer {
  const head = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  head[0] = 0;
  head.writeUInt32BE(length, 1);
  return head;
}

const TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000_001 };

/** Milliseconds of a `grpc-timeout` value (1 to 8 ASCII digits and a unit H M S m u n), or undefined when malformed. */
export function parseGrpcTimeout(value: string): number | undefined {
  const m = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!m) return undefined;
  return Number(m[1]) * (TIMEOUT_UNIT_MS[m[2] as string] as number);
}

/**
 * `grpc-message` as the spec wants it: UTF-8, then every byte outside 0x20-0x7E, and '%',
 * written as %XX.
 */
export function percentEncodeMessage(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length && plain; i++) {
    const c = message.charCodeAt(i);
    plain = c >= 0x20 && c <= 0x7e && c !== 0x25;
  }
  if (plain) return message;
  let out = '';
  for (const b of Buffer.from(message, 'utf8')) out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** Encodings a request may be compressed with, in the order `grpc-accept-encoding` lists them. */
export const ACCEPTED_ENCODINGS = ['identity', 'gzip', 'deflate'] as const;
/** The `grpc-accept-encoding` value. */
export const ACCEPT_ENCODING = ACCEPTED_ENCODINGS.join(',');
