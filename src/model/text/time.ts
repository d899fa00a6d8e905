/** Timestamps as Braid stores and queries them. */

/** Nanoseconds since the epoch as RFC 3339 with nine fractional digits: string order is time order. */
export function nanosToIso(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // 2026-11-23T17:00:00.123Z
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}
