/**
 * The date functions' calendar, as Go computes `time.Unix(int64(v), 0).UTC()` (promql/functions.go
 * dateWrapper): proleptic Gregorian for any year, and Go's float-to-int64 conversion, which on amd64
 * turns NaN, ±Inf and values beyond int64 into math.MinInt64 (a fixed date in year 292277026596).
 */

/** The fields the date functions read. */
export interface CivilTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday. */
  weekday: number;
  yearDay: number;
  daysInMonth: number;
}

/** time.Unix(math.MinInt64, 0).UTC(), as Go 1.26 prints it (its internal seconds wrap). */
const MIN_INT64_TIME: CivilTime = { year: 292277026596, month: 12, day: 4, hour: 15, minute: 30, weekday: 0, yearDay: 339, daysInMonth: 31 };

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
function daysFromCivil(y0: number, m: number, d: number): number {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of a day count since 1970-01-01 (H. Hinnant's civil_from_days). */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** The UTC calendar fields of `v` seconds since the epoch, as Go's time package gives them. */
export function civilTime(v: number): CivilTime {
  if (!Number.isFinite(v) || Math.abs(v) >= 2 ** 63) return MIN_INT64_TIME;
  const sec = BigInt(Math.trunc(v));
  let days = sec / 86400n;
  let rest = sec % 86400n;
  if (rest < 0n) {
    days -= 1n;
    rest += 86400n;
  }
  const dayNum = Number(days);
  const [year, month, day] = civilFromDays(dayNum);
  const s = Number(rest);
  return {
    year, month, day,
    hour: Math.floor(s / 3600),
    minute: Math.floor((s % 3600) / 60),
    weekday: (((dayNum + 4) % 7) + 7) % 7,
    yearDay: dayNum - daysFromCivil(year, 1, 1) + 1,
    daysInMonth: month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1]!,
  };
}
