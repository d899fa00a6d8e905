/** The pure gRPC framing helpers: unary bodies from DATA chunks of any size, grpc-timeout, grpc-message. */
import { describe, expect, it } from 'vitest';
import { frameHeader, parseGrpcTimeout, percentEncodeMessage, UnaryBodyReader } from '../../../src/receivers/otlp/grpc-framing.js';

const framed = (payload: Buffer, compressed = false) => {
  const head = frameHeader(payload.length);
  head[0] = compressed ? 1 : 0;
  return Buffer.concat([head, payload]);
};

/** Feeds `bytes` to a reader in chunks of `size`; returns the first stop or the end. */
function read(bytes: Buffer, size: number, max = 1024) {
  const r = new UnaryBodyReader(max);
  for (let i = 0; i < bytes.length; i += size) {
    const stop = r.push(bytes.subarray(i, i + size));
    if (stop) return { stop, at: i };
  }
  return { end: r.end() };
}

describe('UnaryBodyReader', () => {
  const payload = Buffer.from('a message of some bytes, split anywhere');

  it.each([1, 2, 4, 5, 6, 17, 1000])('reassembles one message from chunks of %i bytes', (size) => {
    const { end } = read(framed(payload), size);
    expect(end).toEqual({ kind: 'message', compressed: false, message: payload });
  });

  it('keeps the compressed flag, and takes an empty message', () => {
    expect(read(framed(payload, true), 3).end).toMatchObject({ kind: 'message', compressed: true });
    expect(read(framed(Buffer.alloc(0)), 2).end).toEqual({ kind: 'message', compressed: false, message: Buffer.alloc(0) });
  });

  it('reports no message, and a body that ends inside a message', () => {
    expect(new UnaryBodyReader(10).end()).toEqual({ kind: 'none' });
    expect(read(framed(payload).subarray(0, 3), 1).end).toEqual({ kind: 'truncated', received: 3, expected: 5 });
    expect(read(framed(payload).subarray(0, 20), 7).end).toEqual({ kind: 'truncated', received: 20, expected: 5 + payload.length });
  });

  it('stops at the first byte of a second message', () => {
    const two = Buffer.concat([framed(payload), framed(payload)]);
    const { stop, at } = read(two, 1);
    expect(stop).toEqual({ kind: 'several' });
    expect(at).toBe(5 + payload.length);
  });

  it('stops on a length prefix over the limit before any of the message arrives', () => {
    const head = frameHeader(5000);
    const r = new UnaryBodyReader(4096);
    expect(r.push(head.subarray(0, 4))).toBeUndefined();
    expect(r.push(head.subarray(4))).toEqual({ kind: 'too-large', length: 5000, max: 4096 });
    expect(r.push(Buffer.alloc(100))).toEqual({ kind: 'too-large', length: 5000, max: 4096 });
    expect(r.end()).toEqual({ kind: 'too-large', length: 5000, max: 4096 });
  });

  it('accepts a message of exactly the limit', () => {
    expect(read(framed(Buffer.alloc(64, 7)), 10, 64).end).toMatchObject({ kind: 'message' });
    expect(read(framed(Buffer.alloc(65, 7)), 10, 64).stop).toEqual({ kind: 'too-large', length: 65, max: 64 });
  });
});

describe('parseGrpcTimeout', () => {
  it.each([
    ['1H', 3_600_000],
    ['2M', 120_000],
    ['3S', 3_000],
    ['250m', 250],
    ['1500u', 1.5],
    ['2000000n', 2],
    ['99999999S', 99_999_999_000],
  ])('%s is %f ms', (value, ms) => expect(parseGrpcTimeout(value)).toBe(ms));

  it.each(['', 'S', '10', '123456789S', '1.5S', '10s', ' 10S', '-1S', '10x'])('rejects %j', (value) => expect(parseGrpcTimeout(value)).toBeUndefined());
});

describe('percentEncodeMessage', () => {
  it('leaves printable ASCII as it is', () => expect(percentEncodeMessage('BRAID_ERR_X: a b ~!')).toBe('BRAID_ERR_X: a b ~!'));
  it('encodes %, control characters and UTF-8 bytes', () => {
    expect(percentEncodeMessage('100% done\n')).toBe('100%25 done%0A');
    expect(percentEncodeMessage('héllo ✓')).toBe('h%C3%A9llo %E2%9C%93');
    expect(decodeURIComponent(percentEncodeMessage('naïve 50%\t'))).toBe('naïve 50%\t');
  });
});
