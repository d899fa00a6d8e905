import { describe, expect, it } from 'vitest';
import { compareIso, durationError, formatDuration, formatTimestamp, fromDatetimeLocal, isoToMicros, parseDuration, toDatetimeLocal } from '../../web/src/format.js';

describe('parseDuration (Go durations, as the Jaeger API reads minDuration/maxDuration)', () => {
  it.each([
    ['100ms', 100_000],
    ['1.5s', 1_500_000],
    ['1m30s', 90_000_000],
    ['250us', 250],
    ['250µs', 250],
    ['2h', 7_200_000_000],
    [' 10ms ', 10_000],
    ['.5ms', 500],
  ])('%s is %i µs', (text, us) => {
    expect(parseDuration(text)).toBe(us);
  });

  it.each(['', '100', 'ms', '10 ms', '1d', '5m-'])('rejects %j naming it', (text) => {
    expect(() => parseDuration(text)).toThrow(`invalid duration "${text}": expected a number and a unit, e.g. 100ms, 1.5s, 1m30s`);
  });

  it('durationError: undefined for empty and valid input, the message otherwise', () => {
    expect([durationError(undefined), durationError(''), durationError('3s')]).toEqual([undefined, undefined, undefined]);
    expect(durationError('3 s')).toBe('invalid duration "3 s": expected a number and a unit, e.g. 100ms, 1.5s, 1m30s');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0µs'],
    [850, '850µs'],
    [1_250, '1.25ms'],
    [12_340, '12.3ms'],
    [480_000, '480ms'],
    [3_400_000, '3.4s'],
    [125_000_000, '2m 5s'],
    [3_720_000_000, '1h 2m'],
    [-1_500, '-1.5ms'],
  ])('%i µs is %s', (us, text) => {
    expect(formatDuration(us)).toBe(text);
  });
});

describe('times', () => {
  it('formatTimestamp shows UTC to the millisecond', () => {
    expect(formatTimestamp(Date.UTC(2026, 11, 6, 7, 5, 9, 42) * 1_000 + 999)).toBe('2026-12-06 07:05:09.042');
  });

  it('isoToMicros keeps the microseconds of a nanosecond timestamp', () => {
    expect(isoToMicros('2026-12-06T07:05:09.123456789Z')).toBe(Date.UTC(2026, 11, 6, 7, 5, 9) * 1_000 + 123_456);
    expect(isoToMicros('2026-12-06T08:05:09.5+01:00')).toBe(Date.UTC(2026, 11, 6, 7, 5, 9) * 1_000 + 500_000);
    expect(isoToMicros('not a time')).toBeNaN();
  });

  it('compareIso orders to the nanosecond, across offsets', () => {
    const times = ['2026-12-06T07:05:09.000000300Z', '2026-12-06T08:05:09.000000100+01:00', '2026-12-06T07:05:09Z', '2026-12-06T07:05:08.999999999Z'];
    expect([...times].sort(compareIso)).toEqual(['2026-12-06T07:05:08.999999999Z', '2026-12-06T07:05:09Z', '2026-12-06T08:05:09.000000100+01:00', '2026-12-06T07:05:09.000000300Z']);
  });

  it('datetime-local values round-trip to the second, and bad ones are NaN', () => {
    const us = new Date(2026, 11, 6, 7, 5, 9).getTime() * 1_000;
    expect(toDatetimeLocal(us)).toBe('2026-12-06T07:05:09');
    expect(fromDatetimeLocal(toDatetimeLocal(us))).toBe(us);
    expect(fromDatetimeLocal('')).toBeNaN();
    expect(fromDatetimeLocal('yesterday')).toBeNaN();
  });
});
