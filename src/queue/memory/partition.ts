/** Key-to-partition mapping of the in-process queue: murmur2, as Kafka's Java client does. */

/** Kafka's murmur2 (seed 0x9747b28c) over the key bytes. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  let h = seed ^ length;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4]! & 0xff) + ((data[i4 + 1]! & 0xff) << 8) + ((data[i4 + 2]! & 0xff) << 16) + ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length & 3;
  const idx = length & ~3;
  if (tail === 3) h ^= (data[idx + 2]! & 0xff) << 16;
  if (tail >= 2) h ^= (data[idx + 1]! & 0xff) << 8;
  if (tail >= 1) {
    h ^= data[idx]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

let roundRobin = 0;

/** The partition of a key among `n`: positive murmur2 modulo n; keyless records go round robin. */
export function partitionFor(key: Buffer | null, n: number): number {
  if (key === null) return roundRobin++ % n;
  return (murmur2(key) & 0x7fffffff) % n;
}
