/**
 * Compression of produced record batches. kafkajs has gzip built in; snappy is registered here
 * (snappyjs, pure JS) for the producer and the consumers alike, since kafkajs keeps one codec
 * table per process: an ingester reads what a collector compressed, and what a Java or Go client
 * compressed with snappy (xerial-framed or a plain block).
 */
// Before kafkajs: its record batch encoder must find the faster CRC-32C in the module cache.
import './crc32c.js';
import kafkajs from 'kafkajs';
import { compress, uncompress } from 'snappyjs';

// kafkajs is CommonJS: Node's named-export detection misses CompressionCodecs.
const { CompressionCodecs, CompressionTypes } = kafkajs;
type CompressionTypes = kafkajs.CompressionTypes;

/** Values of `queue.kafka.compression`. */
export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'snappy'] as const;
/** A value of `queue.kafka.compression`. */
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

/** snappy-java's stream header: magic, then version and compatible version (int32 each). */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

/** Decompresses a snappy record-batch payload: xerial-framed chunks (length-prefixed blocks) or one plain block. */
export function snappyDecompress(buf: Buffer): Buffer {
  if (buf.length < XERIAL_HEADER_BYTES || !buf.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) return Buffer.from(uncompress(buf));
  const parts: Buffer[] = [];
  let pos = XERIAL_HEADER_BYTES;
  while (pos < buf.length) {
    if (pos + 4 > buf.length) throw new Error(`snappy: truncated xerial chunk header at byte ${pos}`);
    const n = buf.readUInt32BE(pos);
    pos += 4;
    if (pos + n > buf.length) throw new Error(`snappy: xerial chunk of ${n} bytes at byte ${pos} runs past the end (${buf.length})`);
    parts.push(Buffer.from(uncompress(buf.subarray(pos, pos + n))));
    pos += n;
  }
  return Buffer.concat(parts);
}

const snappyCodec = () => ({
  async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
    return Buffer.from(compress(encoder.buffer));
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    return snappyDecompress(buffer);
  },
});

CompressionCodecs[CompressionTypes.Snappy] = snappyCodec;

/** kafkajs's compression type for a `queue.kafka.compression` value. */
export function compressionType(name: KafkaCompression): CompressionTypes {
  switch (name) {
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    default:
      return CompressionTypes.None;
  }
}
