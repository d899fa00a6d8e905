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

// Char codes of each byte's high and low hex digit.
const HI = new Uint8Array(256);
const LO = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  HI[i] = (BYTE_TO_HEX[i] as string).charCodeAt(0);
  LO[i] = (BYTE_TO_HEX[i] as string).charCodeAt(1);
}

/** Lowercase hex of `bytes[start..end)`. */
export function bytesToHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  const n = end - start;
  // Span and trace IDs: one flat string from one call is several times faster than concatenation.
  if (n === 8) return hex8(bytes, start);
  if (n === 16) return hex16(bytes, start);
  let s = '';
  for (let i = start; i < end; i++) s += BYTE_TO_HEX[bytes[i]!]!;
  return s;
}

function hex8(b: Uint8Array, s: number): string {
  return String.fromCharCode(
    HI[b[s]!]!, LO[b[s]!]!, HI[b[s + 1]!]!, LO[b[s + 1]!]!, HI[b[s + 2]!]!, LO[b[s + 2]!]!, HI[b[s + 3]!]!, LO[b[s + 3]!]!,
    HI[b[s + 4]!]!, LO[b[s + 4]!]!, HI[b[s + 5]!]!, LO[b[s + 5]!]!, HI[b[s + 6]!]!, LO[b[s + 6]!]!, HI[b[s + 7]!]!, LO[b[s + 7]!]!,
  );
}

function hex16(b: Uint8Array, s: number): string {
  return String.fromCharCode(
    HI[b[s]!]!, LO[b[s]!]!, HI[b[s + 1]!]!, LO[b[s + 1]!]!, HI[b[s + 2]!]!, LO[b[s + 2]!]!, HI[b[s + 3]!]!, LO[b[s + 3]!]!,
    HI[b[s + 4]!]!, LO[b[s + 4]!]!, HI[b[s + 5]!]!, LO[b[s + 5]!]!, HI[b[s + 6]!]!, LO[b[s + 6]!]!, HI[b[s + 7]!]!, LO[b[s + 7]!]!,
    HI[b[s + 8]!]!, LO[b[s + 8]!]!, HI[b[s + 9]!]!, LO[b[s + 9]!]!, HI[b[s + 10]!]!, LO[b[s + 10]!]!, HI[b[s + 11]!]!, LO[b[s + 11]!]!,
    HI[b[s + 12]!]!, LO[b[s + 12]!]!, HI[b[s + 13]!]!, LO[b[s + 13]!]!, HI[b[s + 14]!]!, LO[b[s + 14]!]!, HI[b[s + 15]!]!, LO[b[s + 15]!]!,
  );
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

/** `hexKind` results. */
export const NOT_HEX = 0;
export const HEX_LOWER = 1;
export const HEX_UPPER = 2;
export const HEX_ZERO = 3;

/** Classifies an ID string in one pass: not `chars` hex characters, all zeros, lowercase, or with uppercase letters. */
export function hexKind(hex: string, chars: number): number {
  if (hex.length !== chars) return NOT_HEX;
  let upper = false;
  let nonZero = false;
  for (let i = 0; i < chars; i++) {
    const c = hex.charCodeAt(i);
    if ((NIBBLE[c] ?? 255) > 15) return NOT_HEX;
    if (c !== 48) nonZero = true;
    if (c >= 65 && c <= 70) upper = true;
  }
  if (!nonZero) return HEX_ZERO;
  return upper ? HEX_UPPER : HEX_LOWER;
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
