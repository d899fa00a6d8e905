/**
 * Byte/hex conversion for trace and span IDs. Table-driven because IDs are converted for every
 * span on the ingest path, where Buffer round trips would allocate a Buffer per ID.
 */

const BYTE_TO_HEX: string[] = [];
for (let i = 0; i < 256; i++) BYTE_TO_HEX.push(i.toString(16).padStart(2, '0'));

// Char code -> nibble value, 255 for a non-hex character; accepts both cases.
const NIBBLE = new Uint8Array(128).fill(255);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}

/** Lowercase hex of `bytes[start..end)`. */
export function bytesToHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += BYTE_TO_HEX[bytes[i] as number] as string;
  return s;
}

/** Writes the bytes of `hex` into `out` at `offset`; false (after a partial write) when `hex` is not even-length hex. */
export function writeHex(hex: string, out: Uint8Array, offset: number): boolean {
  const n = hex.length;
  if ((n & 1) !== 0) return false;
  for (let i = 0, o = offset; i < n; i += 2, o++) {
    const c1 = hex.charCodeAt(i);
    const c2 = hex.charCodeAt(i + 1);
    // Char codes >= 128 index past the table and read undefined, which is caught like 255.
    const hi = NIBBLE[c1] ?? 255;
    const lo = NIBBLE[c2] ?? 255;
    if ((hi | lo) > 15) return false;
    out[o] = (hi << 4) | lo;
  }
  return true;
}

/** The bytes of an even-length hex string (either case), or undefined when it is not one. */
export function hexToBytes(hex: string): Uint8Array | undefined {
  const out = new Uint8Array(hex.length >>> 1);
  return writeHex(hex, out, 0) ? out : undefined;
}

/** True when `hex` is exactly `chars` hex characters of either case. */
export function isHex(hex: string, chars: number): boolean {
  if (hex.length !== chars) return false;
  for (let i = 0; i < chars; i++) {
    if ((NIBBLE[hex.charCodeAt(i)] ?? 255) > 15) return false;
  }
  return true;
}

/** True when every byte of `bytes[start..end)` is zero. */
export function isZeroBytes(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** True when `hex` consists only of '0' characters. */
export function isZeroHex(hex: string): boolean {
  for (let i = 0; i < hex.length; i++) if (hex.charCodeAt(i) !== 48) return false;
  return true;
}
