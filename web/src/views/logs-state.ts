/**
 * The logs view's state, kept only in the URL: /logs?service=&level=&traceId=&q=&lookback=|start=&end=
 * &limit=&cursor=&prev=. `cursor` is the server's opaque cursor of the page shown; `prev` the cursors
 * of the pages before it (comma-separated, FIRST_PAGE for the first), so "previous" works after a
 * reload or from a shared link. Pure: no DOM, unit tests import it.
 */
import { parseDuration } from '../format.js';
import { urlWith } from '../route.js';

/** The first page has no cursor; in `prev` it is written as this. */
export const FIRST_PAGE = '-';
export const DEFAULT_LOGS_LOOKBACK = '1h';
export const DEFAULT_LOGS_LIMIT = '100';
/** Severity names the store keeps (log.level, lower case). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** The filter fields as the URL keeps them. */
export interface LogsFilter {
  service: string;
  level: string;
  traceId: string;
  q: string;
  /** A Go duration, or "custom" for start/end. */
  lookback: string;
  /** RFC 3339 or epoch milliseconds, as /braid/v1/logs reads them. */
  start: string;
  end: string;
  limit: string;
}

/** The filter plus where in the pages the URL points. */
export interface LogsState extends LogsFilter {
  cursor: string;
  /** Cursors of the earlier pages, oldest first. */
  prev: string[];
}

/** Reads the logs state from a URL's parameters. */
export function logsStateFrom(query: URLSearchParams): LogsState {
  const get = (k: string) => (query.get(k) ?? '').trim();
  const start = get('start');
  const prev = get('prev');
  return {
    service: get('service'), level: get('level').toLowerCase(), traceId: get('traceId'), q: get('q'),
    lookback: get('lookback') || (start !== '' ? 'custom' : DEFAULT_LOGS_LOOKBACK), start, end: get('end'), limit: get('limit') || DEFAULT_LOGS_LIMIT,
    cursor: get('cursor'), prev: prev === '' ? [] : prev.split(','),
  };
}

/** The URL of the first page of a filter. */
export function logsUrl(f: LogsFilter): string {
  const custom = f.lookback === 'custom';
  return urlWith('/logs', {
    service: f.service, level: f.level, traceId: f.traceId, q: f.q,
    lookback: custom || f.lookback === DEFAULT_LOGS_LOOKBACK ? undefined : f.lookback,
    start: custom ? f.start : undefined, end: custom ? f.end : undefined,
    limit: f.limit === DEFAULT_LOGS_LIMIT ? undefined : f.limit,
  });
}

function pageUrl(s: LogsState, cursor: string, prev: string[]): string {
  const first = logsUrl(s);
  const q = new URLSearchParams(first.includes('?') ? first.slice(first.indexOf('?') + 1) : '');
  if (cursor !== '') q.set('cursor', cursor);
  if (prev.length > 0) q.set('prev', prev.join(','));
  const text = q.toString();
  return text === '' ? '/logs' : `/logs?${text}`;
}

/** The URL of the page after this one, whose cursor the server answered as `next`. */
export function nextPageUrl(s: LogsState, next: string): string {
  return pageUrl(s, next, [...s.prev, s.cursor === '' ? FIRST_PAGE : s.cursor]);
}

/** The URL of the page before this one; undefined on the first page. */
export function prevPageUrl(s: LogsState): string | undefined {
  if (s.prev.length === 0) return undefined;
  const before = s.prev[s.prev.length - 1] as string;
  return pageUrl(s, before === FIRST_PAGE ? '' : before, s.prev.slice(0, -1));
}

/** A time bound the API accepts (RFC 3339 or epoch ms); the error names the field. */
function checkTime(field: 'start' | 'end', v: string): void {
  if (v === '' || /^\d+$/.test(v)) return;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(Date.parse(v))) {
    throw new Error(`${field}: "${v}" is neither RFC 3339 (2026-11-23T17:00:00Z) nor epoch milliseconds`);
  }
}

/** The query of GET /braid/v1/logs for a state; throws naming the field in error. */
export function logsApiParams(s: LogsState): URLSearchParams {
  const q = new URLSearchParams();
  if (s.service !== '') q.set('service', s.service);
  if (s.level !== '') {
    if (!(LOG_LEVELS as readonly string[]).includes(s.level)) throw new Error(`level: "${s.level}" is not one of ${LOG_LEVELS.join(', ')}`);
    q.set('level', s.level);
  }
  if (s.traceId !== '') {
    if (!/^[0-9a-fA-F]{16}$|^[0-9a-fA-F]{32}$/.test(s.traceId)) throw new Error(`traceId: "${s.traceId}" is not a trace ID (16 or 32 hex digits)`);
    q.set('traceId', s.traceId.toLowerCase());
  }
  if (s.q !== '') q.set('q', s.q);
  if (s.lookback === 'custom') {
    if (s.start === '') throw new Error('start: a custom range needs a start time');
    checkTime('start', s.start);
    checkTime('end', s.end);
    q.set('start', s.start);
    if (s.end !== '') q.set('end', s.end);
  } else {
    try {
      parseDuration(s.lookback);
    } catch (e) {
      throw new Error(`lookback: ${(e as Error).message}`);
    }
    q.set('lookback', s.lookback);
  }
  const limit = Number(s.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw new Error(`limit: "${s.limit}" is not a whole number from 1 to 1000`);
  q.set('limit', String(limit));
  if (s.cursor !== '') q.set('cursor', s.cursor);
  return q;
}
