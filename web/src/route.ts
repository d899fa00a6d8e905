/**
 * The explorer's state lives only in the URL. This module reads and writes that state; pure (no
 * DOM), so unit tests import it. router.ts re-exports it with the History API hooks.
 */
import { parseDuration } from './format.js';

/** The five views, and what an unknown path gets. */
export type ViewName = 'search' | 'trace' | 'logs' | 'services' | 'alerts' | 'notfound';

/** The current location, parsed. `query` is the URL's search parameters. */
export interface Route {
  view: ViewName;
  path: string;
  query: URLSearchParams;
  /** For /trace/{traceId}. */
  traceId?: string;
}

const STATIC_VIEWS: Record<string, ViewName> = { '': 'search', search: 'search', logs: 'logs', services: 'services', alerts: 'alerts' };

/** Parses a pathname and search string (with or without its "?") into a Route. */
export function parseRoute(pathname: string, search: string): Route {
  const query = new URLSearchParams(search);
  const path = pathname.replace(/\/+$/, '') || '/';
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 2 && parts[0] === 'trace') return { view: 'trace', path, query, traceId: decodeURIComponent(parts[1] as string) };
  const view = parts.length <= 1 ? STATIC_VIEWS[parts[0] ?? ''] : undefined;
  return { view: view ?? 'notfound', path, query };
}

/** A path with query parameters; empty and undefined values are left out. */
export function urlWith(path: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s === '' ? path : `${path}?${s}`;
}

/** The link to a trace, optionally with one span selected. */
export function traceUrl(traceId: string, spanId?: string): string {
  return urlWith(`/trace/${encodeURIComponent(traceId)}`, { span: spanId });
}

/** The search form's fields as the URL keeps them (Jaeger UI's parameter names). */
export interface SearchState {
  service: string;
  operation: string;
  /** logfmt-style `key=value` pairs, as typed into Jaeger UI's Tags field. */
  tags: string;
  minDuration: string;
  maxDuration: string;
  /** A Go duration, or "custom" for start/end. */
  lookback: string;
  /** Microseconds since the epoch, for a custom range. */
  start: string;
  end: string;
  limit: string;
}

export const SEARCH_KEYS = ['service', 'operation', 'tags', 'minDuration', 'maxDuration', 'lookback', 'start', 'end', 'limit'] as const;
export const DEFAULT_LOOKBACK = '1h';
export const DEFAULT_LIMIT = '20';

/** Reads the search state from a URL's parameters, with Jaeger UI's defaults. */
export function searchStateFrom(query: URLSearchParams): SearchState {
  const get = (k: string) => query.get(k) ?? '';
  const start = get('start');
  const end = get('end');
  return {
    service: get('service'), operation: get('operation'), tags: get('tags'), minDuration: get('minDuration'), maxDuration: get('maxDuration'),
    lookback: get('lookback') || (start !== '' ? 'custom' : DEFAULT_LOOKBACK), start, end, limit: get('limit') || DEFAULT_LIMIT,
  };
}

/** The URL of a search. */
export function searchUrl(s: SearchState): string {
  const custom = s.lookback === 'custom';
  return urlWith('/search', {
    service: s.service, operation: s.operation, tags: s.tags, minDuration: s.minDuration, maxDuration: s.maxDuration,
    lookback: s.lookback, start: custom ? s.start : undefined, end: custom ? s.end : undefined, limit: s.limit,
  });
}

/**
 * Parses Jaeger UI's tag syntax: whitespace-separated `key=value` pairs, values optionally in double
 * quotes (with \" and \\ escapes). Throws naming the part that is not a pair.
 */
export function parseTags(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /\s*([^\s=]+)=("(?:[^"\\]|\\.)*"|[^\s"]*)\s*/y;
  let i = 0;
  const s = text.trim();
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) {
      const rest = s.slice(i).split(/\s+/)[0];
      throw new Error(`invalid tag "${rest}": expected key=value, e.g. http.status_code=500 or error=true`);
    }
    const raw = m[2] as string;
    out[m[1] as string] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    i = re.lastIndex;
  }
  return out;
}

/** The query of GET /api/traces for a search state, at `nowUs`; throws naming the field in error. */
export function traceSearchParams(s: SearchState, nowUs: number): URLSearchParams {
  const q = new URLSearchParams();
  if (s.service === '') throw new Error('service: choose a service to search');
  q.set('service', s.service);
  if (s.operation !== '') q.set('operation', s.operation);
  const tags = parseTags(s.tags);
  if (Object.keys(tags).length > 0) q.set('tags', JSON.stringify(tags));
  for (const k of ['minDuration', 'maxDuration'] as const) {
    if (s[k].trim() === '') continue;
    try {
      parseDuration(s[k]);
    } catch (e) {
      throw new Error(`${k}: ${(e as Error).message}`);
    }
    q.set(k, s[k].trim());
  }
  const limit = Number(s.limit);
  if (!Number.isInteger(limit) || limit <= 0) throw new Error(`limit: "${s.limit}" is not a positive whole number`);
  q.set('limit', String(limit));
  let startUs: number;
  let endUs: number;
  if (s.lookback === 'custom') {
    startUs = Number(s.start);
    endUs = s.end === '' ? nowUs : Number(s.end);
    if (s.start === '' || !Number.isFinite(startUs)) throw new Error('start: a custom range needs a start time');
    if (!Number.isFinite(endUs) || endUs <= startUs) throw new Error('end: must be after start');
  } else {
    endUs = nowUs;
    try {
      startUs = nowUs - parseDuration(s.lookback);
    } catch (e) {
      throw new Error(`lookback: ${(e as Error).message}`);
    }
  }
  q.set('start', String(Math.floor(startUs)));
  q.set('end', String(Math.ceil(endUs)));
  return q;
}
