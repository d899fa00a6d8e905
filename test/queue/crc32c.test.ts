import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32c, fastCrc32cInstalled, KAFKAJS_CRC32C_MODULE } from '../../src/queue/kafka/crc32c.js';

const require = createRequire(import.meta.url);
/** kafkajs's own byte-at-a-time implementation, loaded from its file (not the cached module we replace). */
const kafkajsCrc32c = require(join(dirname(KAFKAJS_CRC32C_MODULE), 'crc32C.js')) as (b: Buffer) => number;

describe('crc32c', () => {
  it('gives the CRC-32C check value of "123456789" (RFC 3720)', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  });

  it("equals kafkajs's own implementation on buffers of every length mod 8 and at any offset", () => {
    for (let n = 0; n < 200; n++) {
      const whole = randomBytes(n * 37 + (n % 8) + 3);
      const view = whole.subarray(n % 3); // a view with a non-zero byteOffset, as kafkajs's encoder slices
      expect(crc32c(view)).toBe(kafkajsCrc32c(view) >>> 0);
    }
  });

  it('is what kafkajs uses once the Kafka queue module is loaded', async () => {
    await import('../../src/queue/kafka/kafka-queue.js');
    expect(fastCrc32cInstalled).toBe(true);
    expect(require(KAFKAJS_CRC32C_MODULE)).toBe(crc32c);
  });
});
