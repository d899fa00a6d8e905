/**
 * Rejection reasons a decoded request keeps. The answer to the sender shows the first ten and
 * counts the rest; keeping every reason let a 20 MiB body of empty items (a few KiB gzipped) hold
 * about 100 bytes of heap per input byte while decoded (found by test/fuzz). Past the cap a
 * reason is counted by its decoder but not built or kept.
 */

/** The most reasons one request keeps (and the answer shows). */
export const MAX_KEPT_REASONS = 10;

/** Keeps `reason` (a string, or a function building it only when kept) while fewer than MAX_KEPT_REASONS are kept. */
export function keepReason(errors: string[], reason: string | (() => string)): void {
  if (errors.length < MAX_KEPT_REASONS) errors.push(typeof reason === 'string' ? reason : reason());
}
