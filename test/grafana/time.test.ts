/**
 * The interval maths of the Grafana emulation against the expectations of Grafana's own tests:
 * packages/grafana-data rangeutil.test.ts (roundInterval), grafana-plugin-sdk-go gtime_test.go
 * (RoundInterval, FormatInterval), pkg/promlib/models prometheus_interval_test.go
 * (calculatePrometheusInterval, calculateRateInterval) and query_test.go (interpolated built-ins,
 * AlignTimeRange).
 */
import { describe, expect, it } from 'vitest';
import {
  alignToStep, calculateInterval, formatInterval, goDurationString, interpolatePromBuiltins, intervalToMs, parseGoDuration, prometheusStep, rateInterval, roundInterval, secondsToHms,
} from '../helpers/grafana-time.js';

const S = 1e9;
const MIN = 60 * S;
const H = 60 * MIN;

describe('roundInterval', () => {
  // rangeutil.test.ts: [input ms, expected ms]
  const frontend: Array<[number, number]> = [
    [9, 1], [34, 20], [74, 50], [149, 100], [349, 200], [749, 500], [1499, 1000], [3499, 2000], [7499, 5000], [12499, 10000],
    [17499, 15000], [24999, 20000], [44999, 30000], [89999, 60000], [209999, 120000], [449999, 300000], [749999, 600000],
    [1049999, 900000], [1499999, 1200000], [2699999, 1800000], [5399999, 3600000], [8999999, 7200000], [16199999, 10800000],
    [32399999, 21600000], [86399999, 43200000], [604799999, 86400000], [1814399999, 604800000], [3628799999, 2592000000], [3628800000, 31536000000],
  ];
  it.each(frontend)('rangeutil: %d ms -> %d ms', (input, expected) => expect(roundInterval(input)).toBe(expected));

  // gtime_test.go TestRoundInterval: the same brackets on the Go side.
  const backend: Array<[number, number]> = [
    [14, 10], [140, 100], [320, 200], [740, 500], [1400, 1000], [3200, 2000], [7400, 5000], [12400, 10000], [17250, 15000], [23000, 20000], [42000, 30000],
    [85000, 60000], [200000, 120000], [420000, 300000], [720000, 600000], [1000000, 900000], [1250000, 1200000], [2500000, 1800000], [5200000, 3600000],
    [8500000, 7200000], [15000000, 10800000], [30000000, 21600000], [85000000, 43200000], [150000000, 86400000], [600000000, 86400000],
    [1500000000, 604800000], [3500000000, 2592000000], [40000000000, 31536000000],
  ];
  it.each(backend)('gtime: %d ms -> %d ms', (input, expected) => expect(roundInterval(input)).toBe(expected));
});

describe('frontend request interval', () => {
  it('parses interval strings as rangeutil does', () => {
    expect(intervalToMs('15s')).toBe(15_000);
    expect(intervalToMs('123')).toBe(123_000);
    expect(intervalToMs('2m')).toBe(120_000);
    expect(() => intervalToMs('123xyz')).toThrow(/invalid interval "123xyz"/);
  });

  it('prints the largest unit as secondsToHms does', () => {
    expect(secondsToHms(60)).toBe('1m');
    expect(secondsToHms(15)).toBe('15s');
    expect(secondsToHms(0.5)).toBe('500ms');
    expect(secondsToHms(86_400)).toBe('1d');
  });

  it('divides the range by the panel width, rounds, and never goes below the data source interval', () => {
    // 1 h over 900 px: 4 s -> 5 s, below the 15 s scrape interval.
    expect(calculateInterval(0, 3_600_000, 900, '15s')).toEqual({ intervalMs: 15_000, interval: '15s' });
    // 6 h over 900 px: 24 s -> 20 s.
    expect(calculateInterval(0, 6 * 3_600_000, 900, '15s')).toEqual({ intervalMs: 20_000, interval: '20s' });
    // No limit (Elasticsearch without timeInterval): 15 min over 1000 px = 900 ms -> 1 s.
    expect(calculateInterval(0, 900_000, 1000)).toEqual({ intervalMs: 1_000, interval: '1s' });
  });
});

describe('Go durations', () => {
  it('formats as gtime.FormatInterval (gtime_test.go)', () => {
    expect(formatInterval(61 * S)).toBe('1m');
    expect(formatInterval(30e6)).toBe('30ms');
    expect(formatInterval(23 * H)).toBe('23h');
    expect(formatInterval(24 * H)).toBe('1d');
    expect(formatInterval(367 * 24 * H)).toBe('1y');
  });

  it('prints as time.Duration.String', () => {
    expect(goDurationString(130 * S)).toBe('2m10s');
    expect(goDurationString(20 * MIN)).toBe('20m0s');
    expect(goDurationString(H)).toBe('1h0m0s');
    expect(goDurationString(1.5 * S)).toBe('1.5s');
    expect(goDurationString(500e6)).toBe('500ms');
    expect(goDurationString(15 * S)).toBe('15s');
  });

  it('parses as time.ParseDuration with gtime units', () => {
    expect(parseGoDuration('1m30s')).toBe(90 * S);
    expect(parseGoDuration('1.5h')).toBe(1.5 * H);
    expect(parseGoDuration('2w')).toBe(14 * 24 * H);
    expect(() => parseGoDuration('invalid-duration')).toThrow('time: invalid duration "invalid-duration"');
  });
});

describe('Prometheus step (calculatePrometheusInterval, prometheus_interval_test.go)', () => {
  const cases: Array<[string, { queryInterval: string; dsScrapeInterval: string; intervalMs: number; intervalFactor: number; rangeMs: number; maxDataPoints: number }, number]> = [
    ['min step bigger than the calculated value', { queryInterval: '10m', dsScrapeInterval: '', intervalMs: 300_000, intervalFactor: 1, rangeMs: 48 * 3_600_000, maxDataPoints: 761 }, 10 * MIN],
    ['calculated value when min step is smaller', { queryInterval: '2m', dsScrapeInterval: '', intervalMs: 300_000, intervalFactor: 1, rangeMs: 48 * 3_600_000, maxDataPoints: 761 }, 5 * MIN],
    ['with step parameter', { queryInterval: '', dsScrapeInterval: '15s', intervalMs: 0, intervalFactor: 1, rangeMs: 12 * 3_600_000, maxDataPoints: 0 }, 30 * S],
    ['high intervalFactor', { queryInterval: '', dsScrapeInterval: '15s', intervalMs: 0, intervalFactor: 10, rangeMs: 48 * 3_600_000, maxDataPoints: 0 }, 20 * MIN],
    ['scrape interval of the data source', { queryInterval: '', dsScrapeInterval: '240s', intervalMs: 0, intervalFactor: 1, rangeMs: 48 * 3_600_000, maxDataPoints: 0 }, 4 * MIN],
    ['$__interval as min step', { queryInterval: '$__interval', dsScrapeInterval: '15s', intervalMs: 60_000, intervalFactor: 1, rangeMs: 48 * 3_600_000, maxDataPoints: 0 }, 2 * MIN],
    ['$__rate_interval as min step', { queryInterval: '$__rate_interval', dsScrapeInterval: '30s', intervalMs: 100_000, intervalFactor: 1, rangeMs: 48 * 3_600_000, maxDataPoints: 12_384 }, 130 * S],
    ['$__rate_interval, 1 h', { queryInterval: '$__rate_interval', dsScrapeInterval: '30s', intervalMs: 30_000, intervalFactor: 1, rangeMs: 3_600_000, maxDataPoints: 12_384 }, 2 * MIN],
    ['very small MaxDataPoints', { queryInterval: '', dsScrapeInterval: '15s', intervalMs: 0, intervalFactor: 1, rangeMs: 3_600_000, maxDataPoints: 10 }, 5 * MIN],
    ['very long time range', { queryInterval: '', dsScrapeInterval: '15s', intervalMs: 0, intervalFactor: 1, rangeMs: 30 * 24 * 3_600_000, maxDataPoints: 0 }, 30 * MIN],
    ['auto min step, 5 minutes', { queryInterval: '', dsScrapeInterval: '15s', intervalMs: 15_000, intervalFactor: 1, rangeMs: 300_000, maxDataPoints: 1055 }, 15 * S],
  ];
  it.each(cases)('%s', (_name, input, expected) => expect(prometheusStep(input)).toBe(expected));

  it('rate interval is max(interval + scrape, 4 x scrape) (TestCalculateRateInterval)', () => {
    expect(rateInterval(100 * S, '30s')).toBe(130 * S);
    expect(rateInterval(60 * S, '30s')).toBe(120 * S);
    expect(rateInterval(60 * S, '')).toBe(75 * S);
  });
});

describe('Prometheus built-ins (query_test.go)', () => {
  const twoDays = 48 * 3_600_000;
  /** Parse() of query_test.go: step from the JSON's intervalMs, built-ins from the request's Interval. */
  const parse = (expr: string, o: { interval?: string; jsonIntervalMs?: number; queryIntervalMs: number; rangeMs: number }) => {
    const stepNs = prometheusStep({ queryInterval: o.interval ?? '', dsScrapeInterval: '15s', intervalMs: o.jsonIntervalMs ?? 0, intervalFactor: 1, rangeMs: o.rangeMs, maxDataPoints: 0 });
    return { stepNs, expr: interpolatePromBuiltins(expr, { intervalMs: o.queryIntervalMs, stepNs, requestedMinStep: o.interval ?? '', dsScrapeInterval: '15s', rangeMs: o.rangeMs }) };
  };

  it('$__interval and $__interval_ms', () => {
    const r = parse('rate(ALERTS{job="test" [$__interval_ms]}) + rate(ALERTS{job="test" [${__interval}]})', { jsonIntervalMs: 60_000, queryIntervalMs: 60_000, rangeMs: twoDays });
    expect(r.expr).toBe('rate(ALERTS{job="test" [120000]}) + rate(ALERTS{job="test" [2m]})');
    expect(r.stepNs).toBe(2 * MIN);
  });

  it('$__range, $__range_s, $__range_ms', () => {
    expect(parse('[$__range] [$__range_s] [${__range_s}s] [$__range_ms]', { queryIntervalMs: 60_000, rangeMs: twoDays }).expr).toBe('[172800s] [172800] [172800s] [172800000]');
    expect(parse('[$__range_s]', { queryIntervalMs: 60_000, rangeMs: 40 }).expr).toBe('[0]');
    expect(parse('[$__range_s]', { queryIntervalMs: 60_000, rangeMs: 800 }).expr).toBe('[1]');
  });

  it('$__rate_interval with a min step, as the min step, and in ms', () => {
    expect(parse('rate(x[$__rate_interval])', { interval: '5m', queryIntervalMs: 60_000, rangeMs: 300_000 }).expr).toBe('rate(x[20m0s])');
    const asStep = parse('rate(x[$__rate_interval])', { interval: '$__rate_interval', queryIntervalMs: 60_000, rangeMs: 300_000 });
    expect(asStep.expr).toBe('rate(x[1m0s])');
    expect(asStep.stepNs).toBe(MIN);
    expect(parse('[$__rate_interval_ms] [${__rate_interval}]', { queryIntervalMs: 120_000, rangeMs: twoDays }).expr).toBe('[135000] [2m15s]');
  });

  it('aligns start and end down to the step (TestAlignTimeRange)', () => {
    expect(alignToStep(1664816826_000, 10 * S)).toBe(1664816820_000);
    expect(alignToStep(1664816825_005, 10e6)).toBe(1664816825_000);
    expect(alignToStep(1664816825_005, 2 * S, -3)).toBe(1664816825_000);
    expect(alignToStep(1704672000_000, 604_800 * S)).toBe(1704326400_000);
  });
});
