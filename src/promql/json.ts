/**
 * A query result as the Prometheus API's JSON text, written a series at a time with the event loop
 * let through between pieces: a matrix of a million points is tens of megabytes of JSON, which one
 * JSON.stringify (fastify's serialiser) would write in a single turn of a few hundred milliseconds,
 * holding up every receiver of the process (docs/adr/0019-query-isolation.md).
 */
import type { QueryResult } from './types.js';

/** Points written between two chances to yield (about a millisecond of JSON.stringify). */
const POINTS_PER_PIECE = 4096;

/** `{"status":"success","data":<result>}` as JSON.stringify would write it, built in pieces with `pace()` between them. */
export async function successJson(result: QueryResult, pace: () => Promise<void>): Promise<string> {
  return (await successJsonChunks(result, pace)).join('');
}

/** Bytes (UTF-16 units) of JSON per chunk handed to the socket: one write per chunk, with the event loop turning between writes. */
const CHUNK_CHARS = 256 * 1024;

/**
 * The same JSON as chunks of about CHUNK_CHARS, to be streamed (`Readable.from`): joining tens of
 * megabytes into one string and writing it to the socket at once held the loop 80-180 ms in the
 * heavy-query bench; chunks are written one per turn, as the socket drains.
 */
export async function successJsonChunks(result: QueryResult, pace: () => Promise<void>): Promise<string[]> {
  if (result.resultType !== 'matrix' && result.resultType !== 'vector') return [JSON.stringify({ status: 'success', data: result })];
  const chunks: string[] = [];
  let parts: string[] = [`{"status":"success","data":{"resultType":"${result.resultType}","result":[`];
  let chars = parts[0]!.length;
  let points = 0;
  for (let i = 0; i < result.result.length; i++) {
    const s = result.result[i]!;
    const text = i === 0 ? JSON.stringify(s) : `,${JSON.stringify(s)}`;
    parts.push(text);
    chars += text.length;
    if (chars >= CHUNK_CHARS) {
      chunks.push(parts.join(''));
      parts = [];
      chars = 0;
    }
    points += 'values' in s ? s.values.length : 1;
    if (points >= POINTS_PER_PIECE) {
      points = 0;
      await pace();
    }
  }
  parts.push(']}}');
  chunks.push(parts.join(''));
  return chunks;
}
