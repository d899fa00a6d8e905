import { describe, expect, it } from 'vitest';
import { produceChunks } from '../../src/queue/kafka/kafka-queue.js';

const msg = (bytes: number) => ({ key: Buffer.alloc(16), value: Buffer.alloc(bytes) });

describe('produceChunks', () => {
  it('keeps small sends whole', () => {
    const messages = [msg(100), msg(200), msg(300)];
    expect(produceChunks(messages, 1_048_588)).toEqual([messages]);
  });

  it('cuts so that no record batch exceeds the limit, keeping order', () => {
    const messages = Array.from({ length: 50 }, (_, i) => msg(1_000_000 - i));
    const chunks = produceChunks(messages, 1_048_588);
    expect(chunks).toHaveLength(50);
    expect(chunks.flat()).toEqual(messages);
    const small = Array.from({ length: 30 }, () => msg(100_000));
    const cut = produceChunks(small, 1_048_588);
    expect(cut.map((c) => c.length)).toEqual([10, 10, 10]);
  });

  it('counts headers', () => {
    const withHeaders = Array.from({ length: 4 }, () => ({ key: null, value: Buffer.alloc(200), headers: { reason: 'r'.repeat(300) } }));
    expect(produceChunks(withHeaders, 1_300).map((c) => c.length)).toEqual([2, 2]);
  });
});
