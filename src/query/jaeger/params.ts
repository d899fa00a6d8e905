/** Parsing of the Jaeger query API's parameters, with Jaeger's defaults and error texts. */
import { BraidError } from '../../errors.js';
import type { TraceQuery } from '../../storage/store.js';

const UNIT_US: Record<string, number> = { ns: 0.001, us: 1, 'µs': 1, 'μs': 1, ms: 1_000, s: 1_000_000, m: 60_000_000, h: 3_600_000_000 };

/** Parses a Go duration ("100ms", "1.5s", "1m30s") into microseconds. */
export function parseGoDuration(text: string, name: string): number {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (UNIT_US[m[2] as string] as number);
    matched = re.lastIndex;
  }
  if (text === '' || matched !== text.length) {
    throw new BraidError('BRAID_ERR_QUERY_INVALID', `unable to parse param '${name}': time: invalid duration "${text}" (expected e.g. 100ms, 1.5s, 1m30s)`);
  }
  return Math.round(total);
}

/** Query-string values: fastify gives a string, or an array for repeated keys. */
export type QueryValue = string | string[] | undefined;

const all = (v: QueryValue): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const one = (v: QueryValue): string | undefined => all(v).at(-1);

function integer(v: QueryValue, name: string): number | undefined {
  const s = one(v);
  if (s === undefined || s === '') return undefined;
  if (!/^-?\d+$/.test(s)) throw new BraidError('BRAID_ERR_QUERY_INVALID', `unable to parse param '${name}': "${s}" is not an integer`);
  return Number(s);
}

/** Parses /api/traces search parameters (jaeger cmd/query/app/query_parser.go semantics). */
export function parseTraceQuery(q: Record<string, QueryValue>, nowUs: number): TraceQuery {
  const endUs = integer(q.end, 'end') ?? nowUs;
  const lookback = one(q.lookback);
  const startUs = integer(q.start, 'start') ?? (lookback && lookback !== 'custom' ? endUs - parseGoDuration(lookback, 'lookback') : endUs - 2 * 24 * 3_600_000_000);
  const tags: Record<string, string> = {};
  for (const t of all(q.tag)) {
    const i = t.indexOf(':');
    if (i <= 0) throw new BraidError('BRAID_ERR_QUERY_INVALID', `malformed 'tag' parameter "${t}": expected key:value`);
    tags[t.slice(0, i)] = t.slice(i + 1);
  }
  const json = one(q.tags);
  if (json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new BraidError('BRAID_ERR_QUERY_INVALID', `malformed 'tags' parameter: expected a JSON object of strings, got ${json}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new BraidError('BRAID_ERR_QUERY_INVALID', `malformed 'tags' parameter: expected a JSON object of strings, got ${json}`);
    }
    for (const [k, v] of Object.entries(parsed)) tags[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  const min = one(q.minDuration);
  const max = one(q.maxDuration);
  const limit = integer(q.limit, 'limit') ?? 100;
  if (limit <= 0) throw new BraidError('BRAID_ERR_QUERY_INVALID', `'limit' must be positive, got ${limit}`);
  const query: TraceQuery = { tags, startUs, endUs, limit: Math.min(limit, 10_000) };
  const service = one(q.service);
  const operation = one(q.operation);
  if (service) query.service = service;
  if (operation) query.operation = operation;
  if (min) query.minDurationUs = parseGoDuration(min, 'minDuration');
  if (max) query.maxDurationUs = parseGoDuration(max, 'maxDuration');
  if (query.minDurationUs !== undefined && query.maxDurationUs !== undefined && query.maxDurationUs < query.minDurationUs) {
    throw new BraidError('BRAID_ERR_QUERY_INVALID', "'maxDuration' should be greater than 'minDuration'");
  }
  return query;
}

/** Trace IDs given as repeated `traceID` parameters. */
export function traceIdsParam(q: Record<string, QueryValue>): string[] {
  return all(q.traceID);
}

export { all as allParams, integer as integerParam, one as oneParam };
