/**
 * A direct-mapped cache from short UTF-8 byte strings to decoded JS strings. Attribute keys and
 * many values repeat across every span of every request; returning the same string skips both
 * the UTF-8 decode and V8's re-internalization when the string becomes a property key, which
 * together are most of the cost of decoding an attribute.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Strings of at most `maxBytes` UTF-8 bytes, remembered by their bytes. */
export class StringCache {
  readonly maxBytes: number;
  private readonly mask: number;
  private readonly strings: string[];
  private readonly lengths: Int32Array;
  // Each slot's bytes live at slot * maxBytes, so verifying a hit allocates nothing.
  private readonly arena: Uint8Array;
  private slot = 0;

  /** `slots` is rounded up to a power of two. */
  constructor(slots: number, maxBytes: number) {
    let n = 1;
    while (n < slots) n *= 2;
    this.mask = n - 1;
    this.maxBytes = maxBytes;
    this.strings = new Array<string>(n).fill('');
    this.lengths = new Int32Array(n).fill(-1);
    this.arena = new Uint8Array(n * maxBytes);
  }

  /** The cached string for `buf[start..end)` (at most `maxBytes` long), or undefined; `set` then fills the same slot. */
  get(buf: Uint8Array, start: number, end: number): string | undefined {
    // Hashing the first and last 8 bytes is enough to spread real keys and values, which differ
    // in length or at their ends; a collision only costs a miss, since hits compare every byte.
    let h = FNV_OFFSET ^ (end - start);
    if (end - start <= 16) {
      for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
    } else {
      for (let i = start; i < start + 8; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
      for (let i = end - 8; i < end; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
    }
    const slot = (h ^ (h >>> 15)) & this.mask;
    this.slot = slot;
    const len = end - start;
    if (this.lengths[slot] !== len) return undefined;
    const arena = this.arena;
    for (let i = 0, a = slot * this.maxBytes; i < len; i++, a++) {
      if (arena[a] !== buf[start + i]) return undefined;
    }
    return this.strings[slot];
  }

  /** Remembers `s` as the string for `buf[start..end)`, in the slot the last `get` looked at. */
  set(buf: Uint8Array, start: number, end: number, s: string): void {
    const slot = this.slot;
    const arena = this.arena;
    for (let i = start, a = slot * this.maxBytes; i < end; i++, a++) arena[a] = buf[i]!;
    this.lengths[slot] = end - start;
    this.strings[slot] = s;
  }
}
