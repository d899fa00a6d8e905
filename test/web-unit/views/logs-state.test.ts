import { describe, expect, it } from 'vitest';
import { FIRST_PAGE, logsApiParams, logsStateFrom, logsUrl, nextPageUrl, prevPageUrl } from '../../../web/src/views/logs-state.js';

const state = (url: string) => logsStateFrom(new URL(url, 'http://braid').searchParams);
const query = (url: string) => Object.fromEntries(new URL(url, 'http://braid').searchParams);

describe('logs view state in the URL', () => {
  it('reads the filter with its defaults', () => {
    expect(state('/logs')).toEqual({ service: '', level: '', traceId: '', q: '', lookback: '1h', start: '', end: '', limit: '100', cursor: '', prev: [] });
    const s = state('/logs?service=checkout&level=ERROR&q=cache+cold&start=2026-11-23T17:00:00Z&cursor=WzJd&prev=-,WzFd');
    expect(s).toMatchObject({ service: 'checkout', level: 'error', q: 'cache cold', lookback: 'custom', start: '2026-11-23T17:00:00Z', cursor: 'WzJd', prev: [FIRST_PAGE, 'WzFd'] });
  });

  it('writes the first page of a filter, leaving defaults and empty fields out', () => {
    const s = state('/logs?service=a&lookback=6h&cursor=WzJd&prev=-');
    expect(logsUrl(s)).toBe('/logs?service=a&lookback=6h');
    expect(logsUrl({ ...s, service: '', lookback: '1h' })).toBe('/logs');
    expect(logsUrl({ ...s, lookback: 'custom', start: '1700000000000', end: '' })).toBe('/logs?service=a&start=1700000000000');
  });

  it('pages forward and back through the cursors, also after a reload', () => {
    const first = state('/logs?service=a&level=warn');
    const second = nextPageUrl(first, 'WzFd');
    expect(query(second)).toEqual({ service: 'a', level: 'warn', cursor: 'WzFd', prev: '-' });
    const third = nextPageUrl(state(second), 'WzJd');
    expect(query(third)).toEqual({ service: 'a', level: 'warn', cursor: 'WzJd', prev: '-,WzFd' });
    // Back from the third page: the second, whose own back link is the first page.
    const back = prevPageUrl(state(third))!;
    expect(query(back)).toEqual(query(second));
    expect(prevPageUrl(state(back))).toBe('/logs?service=a&level=warn');
    expect(prevPageUrl(first)).toBeUndefined();
  });

  it('builds the /braid/v1/logs query', () => {
    const q = logsApiParams(state('/logs?service=a&level=error&traceId=5B8EFFF798038103D269B633813FC60C&q=timeout&cursor=WzFd'));
    expect(Object.fromEntries(q)).toEqual({ service: 'a', level: 'error', traceId: '5b8efff798038103d269b633813fc60c', q: 'timeout', lookback: '1h', limit: '100', cursor: 'WzFd' });
    expect(Object.fromEntries(logsApiParams(state('/logs?start=2026-11-23T17:00:00.5Z&end=1700000000000&limit=20')))).toEqual({ start: '2026-11-23T17:00:00.5Z', end: '1700000000000', limit: '20' });
  });

  it.each([
    ['/logs?level=loud', 'level: "loud" is not one of trace, debug, info, warn, error, fatal'],
    ['/logs?traceId=xyz', 'traceId: "xyz" is not a trace ID (16 or 32 hex digits)'],
    ['/logs?lookback=2 hours', 'lookback: invalid duration "2 hours": expected a number and a unit, e.g. 100ms, 1.5s, 1m30s'],
    ['/logs?start=yesterday', 'start: "yesterday" is neither RFC 3339 (2026-11-23T17:00:00Z) nor epoch milliseconds'],
    ['/logs?start=1&end=2026-13-01T00:00:00Z', 'end: "2026-13-01T00:00:00Z" is neither RFC 3339 (2026-11-23T17:00:00Z) nor epoch milliseconds'],
    ['/logs?lookback=custom', 'start: a custom range needs a start time'],
    ['/logs?limit=5000', 'limit: "5000" is not a whole number from 1 to 1000'],
  ])('names what is wrong in %s', (url, message) => {
    expect(() => logsApiParams(state(url))).toThrow(message);
  });
});
