import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDemoArgs, parseDuration } from '../../../examples/shop/demo.js';
import { findServices, parseSwitches, serviceName } from '../../../examples/shop/faults.js';
import { DEFAULT_MIX } from '../../../examples/shop/load.js';
import { renderRsyslogConf, targetsFileContent } from '../../../examples/shop/shop.js';

describe('demo options', () => {
  it('defaults: 10 requests/s, the default mix, payment failure ratio 0.02, no end', () => {
    expect(parseDemoArgs([])).toEqual({ rate: 10, mix: DEFAULT_MIX, failureRatio: 0.02 });
  });
  it('reads --rate, --duration, --mix and --failure-ratio, spaced or with =', () => {
    expect(parseDemoArgs(['--rate', '25', '--duration=2m', '--mix', 'order=1', '--failure-ratio', '0'])).toEqual({ rate: 25, durationS: 120, mix: { order: 1, user: 0, product: 0 }, failureRatio: 0 });
  });
  it.each([
    [['--rate', '0'], '--rate: requests per second must be a number in (0, 1000], got "0"'],
    [['--rate', 'fast'], '--rate: requests per second must be a number in (0, 1000], got "fast"'],
    [['--rate'], '--rate: a value is required'],
    [['--duration', '5 minutes'], '--duration: "5 minutes" is not a duration (e.g. 90s, 5m, 1h)'],
    [['--failure-ratio', '1.5'], '--failure-ratio: must be a number in [0, 1], got "1.5"'],
    [['--speed', '3'], 'unknown option "--speed"'],
  ])('refuses %j naming the option', (argv, message) => {
    expect(() => parseDemoArgs(argv)).toThrow(message);
  });
  it('parses durations in s, m, h', () => {
    expect([parseDuration('90'), parseDuration('90s'), parseDuration('1.5m'), parseDuration('1h')]).toEqual([90, 90, 90, 3600]);
  });
});

describe('fault CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'braid-shop-targets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses name=value switches as numbers', () => {
    expect(parseSwitches(['failure_ratio=0.3', 'latency_ms=800'])).toEqual({ failure_ratio: 0.3, latency_ms: 800 });
  });
  it.each([
    [['failure_ratio'], 'fault: "failure_ratio" is not name=value (e.g. failure_ratio=0.3)'],
    [['failure_ratio=lots'], 'fault: failure_ratio must be a number, got "lots"'],
  ])('refuses %j', (args, message) => {
    expect(() => parseSwitches(args)).toThrow(message);
  });
  it('names the services it knows', () => {
    expect(serviceName('payment')).toBe('payment');
    expect(() => serviceName('billing')).toThrow('fault: unknown service "billing" (one of user, product, order, payment)');
  });
  it('finds a running shop from the targets file the shop writes, skipping incomplete files', () => {
    const ports = { user: 1001, product: 1002, order: 1003, payment: 1004 };
    writeFileSync(join(dir, '1.json'), targetsFileContent(ports));
    writeFileSync(join(dir, '2.json'), JSON.stringify([{ targets: ['127.0.0.1:9'], labels: { shop_service: 'user' } }]));
    expect(findServices(dir)).toEqual([{ user: 'http://127.0.0.1:1001', product: 'http://127.0.0.1:1002', order: 'http://127.0.0.1:1003', payment: 'http://127.0.0.1:1004' }]);
    expect(findServices(join(dir, 'absent'))).toEqual([]);
  });
});

describe('rsyslog config', () => {
  it('fills in the work dir, the log file and the bulk endpoint, leaving no placeholder', () => {
    const conf = renderRsyslogConf('/tmp/w', '/tmp/w/payment.log', 'http://127.0.0.1:19201');
    expect(conf).toContain('global(workDirectory="/tmp/w")');
    expect(conf).toContain('input(type="imfile" File="/tmp/w/payment.log"');
    expect(conf).toContain('server="127.0.0.1" serverport="19201"');
    expect(conf).not.toMatch(/@\w+@/);
  });
});
