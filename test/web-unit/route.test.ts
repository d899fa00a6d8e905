import { describe, expect, it } from 'vitest';
import { parseRoute, parseTags, searchStateFrom, searchUrl, traceSearchParams, traceUrl, urlWith } from '../../web/src/route.js';

describe('parseRoute', () => {
  it.each([
    ['/', 'search'],
    ['/search', 'search'],
    ['/search/', 'search'],
    ['/logs', 'logs'],
    ['/services', 'services'],
    ['/alerts', 'alerts'],
    ['/nope', 'notfound'],
    ['/logs/extra', 'notfound'],
    ['/trace', 'notfound'],
  ])('%s is the %s view', (path, view) => {
    expect(parseRoute(path, '').view).toBe(view);
  });

  it('reads the trace ID and the selected span of /trace/{id}?span=', () => {
    const r = parseRoute('/trace/4bf92f3577b34da6a3ce929d0e0e4736', '?span=00f067aa0ba902b7');
    expect({ view: r.view, traceId: r.traceId, span: r.query.get('span') }).toEqual({ view: 'trace', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', span: '00f067aa0ba902b7' });
  });
});

describe('URLs', () => {
  it('urlWith leaves out empty values; traceUrl adds the span only when given', () => {
    expect(urlWith('/logs', { service: 'a b', level: '', q: undefined, traceId: 'x' })).toBe('/logs?service=a+b&traceId=x');
    expect(traceUrl('abc')).toBe('/trace/abc');
    expect(traceUrl('abc', 'def')).toBe('/trace/abc?span=def');
  });

  it('a search survives the URL round trip', () => {
    const s = { service: 'frontend', operation: 'GET /x', tags: 'http.route=/checkout error=true', minDuration: '10ms', maxDuration: '1s', lookback: '2h', start: '', end: '', limit: '50' };
    const url = new URL(searchUrl(s), 'http://h');
    expect(url.pathname).toBe('/search');
    expect(searchStateFrom(url.searchParams)).toEqual(s);
  });

  it('a custom range keeps start and end; a lookback drops them', () => {
    const base = searchStateFrom(new URLSearchParams('service=a'));
    expect(base).toMatchObject({ lookback: '1h', limit: '20' });
    expect(searchUrl({ ...base, lookback: 'custom', start: '1000', end: '2000' })).toBe('/search?service=a&lookback=custom&start=1000&end=2000&limit=20');
    expect(searchUrl({ ...base, start: '1000', end: '2000' })).toBe('/search?service=a&lookback=1h&limit=20');
    expect(searchStateFrom(new URLSearchParams('service=a&start=5')).lookback).toBe('custom');
  });
});

describe('parseTags (Jaeger UI syntax)', () => {
  it('reads key=value pairs, quoted values with spaces and escapes', () => {
    expect(parseTags(' http.status_code=500  error=true msg="card \\"declined\\" now" empty= ')).toEqual({ 'http.status_code': '500', error: 'true', msg: 'card "declined" now', empty: '' });
    expect(parseTags('')).toEqual({});
  });

  it('names the part that is not a pair', () => {
    expect(() => parseTags('error=true oops')).toThrow('invalid tag "oops": expected key=value, e.g. http.status_code=500 or error=true');
    expect(() => parseTags('=x')).toThrow('invalid tag "=x"');
  });
});

describe('traceSearchParams (GET /api/traces)', () => {
  const nowUs = 1_765_000_000_000_000;
  const state = searchStateFrom(new URLSearchParams('service=frontend&operation=POST+%2Fcheckout&tags=http.route%3D%2Fcheckout&minDuration=10ms&limit=10&lookback=15m'));

  it('sends tags as a JSON object and the lookback as start/end in µs', () => {
    const q = traceSearchParams(state, nowUs);
    expect(Object.fromEntries(q)).toEqual({
      service: 'frontend', operation: 'POST /checkout', tags: '{"http.route":"/checkout"}', minDuration: '10ms', limit: '10',
      start: String(nowUs - 900_000_000), end: String(nowUs),
    });
  });

  it('sends a custom range as it is', () => {
    const q = traceSearchParams({ ...state, lookback: 'custom', start: '1000', end: '5000' }, nowUs);
    expect([q.get('start'), q.get('end')]).toEqual(['1000', '5000']);
  });

  it.each([
    [{ service: '' }, 'service: choose a service to search'],
    [{ maxDuration: '1 s' }, 'maxDuration: invalid duration "1 s"'],
    [{ limit: '0' }, 'limit: "0" is not a positive whole number'],
    [{ limit: '2.5' }, 'limit: "2.5" is not a positive whole number'],
    [{ lookback: 'forever' }, 'lookback: invalid duration "forever"'],
    [{ lookback: 'custom', start: '' }, 'start: a custom range needs a start time'],
    [{ lookback: 'custom', start: '5000', end: '1000' }, 'end: must be after start'],
    [{ tags: 'a=b c' }, 'invalid tag "c"'],
  ])('rejects %j naming the field', (patch, message) => {
    expect(() => traceSearchParams({ ...state, ...patch }, nowUs)).toThrow(message);
  });
});
