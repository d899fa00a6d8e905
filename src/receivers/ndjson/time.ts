/**
 * Log timestamps to Unix nanoseconds, exactly (bigint throughout, no Date, no float rounding).
 * Two forms, as loggers write them:
 * - RFC 3339 strings: `T`, `t` or a space between date and time, up to 9 fraction digits kept
 *   exactly (`.` or `,` before them; further digits are truncated), then `Z`, `+hh:mm`, `+hhmm`,
 *   `+hh` or nothing, which means UTC. Leap second 60 is accepted and reads as the next second.
 * - Epoch numbers, as JSON number text or numeric strings (sign, fraction and exponent allowed),
 *   with the unit told by the number of integer digits: up to 11 seconds (below 1e11), up to 14
 *   milliseconds (1e14), up to 17 microseconds (1e17), more nanoseconds. Each unit so reads right
 *   for dates from 1973-03-03 on (a millisecond value before that reads as seconds). A fraction
 *   of any unit is kept to the nanosecond.
 * The callers check the range (1970 to 2554, uint64 nanoseconds) and name the field in errors.
 */

/** The latest time a record can carry: uint64 nanoseconds (2554-07-21). */
export const MAX_TIME_NS = 0xffff_ffff_ffff_ffffn;

const NS_PER_UNIT = [1_000_000_000n, 1_000_000n, 1_000n, 1n] as const;

/** A string timestamp in Unix nanoseconds: RFC 3339 if it starts `dddd-`, else an epoch number; undefined if neither. */
export function timeStringToNs(s: string): bigint | undefined {
  return isDigit(s.charCodeAt(0)) && s.charCodeAt(4) === 45 ? rfc3339ToNs(s) : epochToNs(s);
}

/** A decimal number (sign, fraction and exponent allowed) as epoch time in the unit its magnitude implies. */
export function epochToNs(s: string): bigint | undefined {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  const intStart = i;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  let digits = s.slice(intStart, i);
  let point = digits.length;
  if (point === 0) return undefined;
  if (s.charCodeAt(i) === 46) {
    const fracStart = ++i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    if (i === fracStart) return undefined;
    digits += s.slice(fracStart, i);
  }
  if (s.charCodeAt(i) === 101 || s.charCodeAt(i) === 69) {
    const negativeExp = s.charCodeAt(++i) === 45;
    if (negativeExp || s.charCodeAt(i) === 43) i++;
    const expStart = i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    const exp = Number(s.slice(expStart, i));
    if (i === expStart || exp > 40) return undefined;
    point += negativeExp ? -exp : exp;
  }
  if (i !== n) return undefined;
  if (point < 0) [digits, point] = ['0'.repeat(-point) + digits, 0];
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  let lead = 0;
  while (lead < point - 1 && digits.charCodeAt(lead) === 48) lead++;
  const whole = digits.slice(lead, point);
  // Integer-part digits: up to 11 seconds, 14 milliseconds, 17 microseconds, more nanoseconds.
  const unit = whole.length <= 11 ? 0 : whole.length <= 14 ? 1 : whole.length <= 17 ? 2 : 3;
  const fractionDigits = 9 - 3 * unit;
  const fraction = fractionDigits === 0 ? 0n : BigInt(digits.slice(point, point + fractionDigits).padEnd(fractionDigits, '0'));
  const ns = BigInt(whole) * NS_PER_UNIT[unit]! + fraction;
  return intStart === 1 ? -ns : ns;
}

/** RFC 3339 (`2023-11-14T22:13:20.123456789Z`, `+01:00`, `+0100`, `+01`, or no offset for UTC) in Unix nanoseconds. */
function rfc3339ToNs(s: string): bigint | undefined {
  const n = s.length;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  const hour = digitsAt(s, 11, 2);
  const minute = digitsAt(s, 14, 2);
  const second = digitsAt(s, 17, 2);
  const t = s.charCodeAt(10);
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || !(t === 84 || t === 116 || t === 32) || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return undefined;
  let i = 19;
  let fraction = 0;
  if (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44) {
    const start = ++i;
    for (; i < n && isDigit(s.charCodeAt(i)); i++) if (i - start < 9) fraction = fraction * 10 + s.charCodeAt(i) - 48;
    if (i === start) return undefined;
    for (let k = i - start; k < 9; k++) fraction *= 10;
  }
  let offset = 0;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) i++;
  else if (z === 43 || z === 45) {
    const oh = digitsAt(s, i + 1, 2);
    let om = 0;
    i += 3;
    if (i < n) {
      if (s.charCodeAt(i) === 58) i++;
      om = digitsAt(s, i, 2);
      i += 2;
    }
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offset = (z === 45 ? -1 : 1) * (oh * 3600 + om * 60);
  }
  if (i !== n) return undefined;
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
  return BigInt(seconds) * 1_000_000_000n + BigInt(fraction);
}

/** The decimal value of `count` digits at `at`, or -1. */
function digitsAt(s: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return -1;
    v = v * 10 + c - 48;
  }
  return v;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}
