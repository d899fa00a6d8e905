/**
 * CRC-32C (Castagnoli) of Kafka record batches, eight bytes per step (slicing-by-8), and its
 * installation into kafkajs. kafkajs checksums every produced batch one byte per table lookup:
 * 15% of the collector's busy CPU in a profile (docs/adr/0015-kafka-produce.md). Importing this
 * module puts the faster function in Node's module cache under kafkajs's own path before kafkajs
 * loads its record batch encoder, so kafkajs runs unchanged with it. Import it before 'kafkajs'.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const POLY = 0x82f63b78; // CRC-32C, reflected

/** T[k][b]: the CRC of byte b followed by k zero bytes. */
const T: Int32Array[] = (() => {
  const t = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[0]![b] = c;
  }
  for (let b = 0; b < 256; b++) for (let k = 1; k < 8; k++) t[k]![b] = (t[k - 1]![b]! >>> 8) ^ t[0]![t[k - 1]![b]! & 0xff]!;
  return t;
})();
const [T0, T1, T2, T3, T4, T5, T6, T7] = T as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];

/** The CRC-32C of `buf`, as an unsigned 32-bit number (what Kafka writes in a batch header). */
export function crc32c(buf: Uint8Array): number {
  const n = buf.length;
  const end8 = n - (n & 7);
  let crc = -1;
  let i = 0;
  while (i < end8) {
    const lo = crc ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    crc =
      T7[lo & 0xff]! ^ T6[(lo >>> 8) & 0xff]! ^ T5[(lo >>> 16) & 0xff]! ^ T4[lo >>> 24]! ^
      T3[buf[i + 4]!]! ^ T2[buf[i + 5]!]! ^ T1[buf[i + 6]!]! ^ T0[buf[i + 7]!]!;
    i += 8;
  }
  while (i < n) crc = T0[(crc ^ buf[i++]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

const require = createRequire(import.meta.url);
/** kafkajs's checksum module (the one its record batch encoder requires). */
export const KAFKAJS_CRC32C_MODULE = join(dirname(require.resolve('kafkajs/package.json')), 'src/protocol/recordBatch/crc32C/index.js');

/** True when kafkajs will use `crc32c`: installed here before kafkajs loaded its own. */
export const fastCrc32cInstalled: boolean = (() => {
  if (require.cache[KAFKAJS_CRC32C_MODULE]) return require.cache[KAFKAJS_CRC32C_MODULE]?.exports === crc32c;
  require.cache[KAFKAJS_CRC32C_MODULE] = { id: KAFKAJS_CRC32C_MODULE, filename: KAFKAJS_CRC32C_MODULE, loaded: true, exports: crc32c, children: [], paths: [] } as unknown as NodeJS.Module;
  return true;
})();
