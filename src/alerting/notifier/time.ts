/** RFC 3339 times as Go's time.Time marshals them (RFC3339Nano: trailing fractional zeros dropped). */

/** Milliseconds to RFC 3339 the way Go writes a UTC time.Time: 2026-12-06T04:44:00.12Z. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_m, d: string) => (d === '' ? 'Z' : `.${d}Z`));
}

/** Parses RFC 3339 to milliseconds (NaN when invalid). */
export function parseRfc3339(s: string): number {
  return Date.parse(s);
}
