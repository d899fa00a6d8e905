/**
 * Queue records from an export already grouped (traces and logs by trace ID), for the
 * *-records.ts files: one OTLP protobuf request per group, and a group whose request exceeds the
 * topic's record limit halved by item until each piece fits, never dropped.
 */
import { BraidError } from '../errors.js';
import type { ExportLayout, ResourceGroup, ScopeGroup } from '../model/otlp/split.js';
import type { QueueRecord } from '../queue/queue.js';

/** How to encode one kind of export as a request, and find its items to count and cut them. */
export interface RecordEncoding<D, R extends ResourceGroup, S extends ScopeGroup, I> {
  layout: ExportLayout<D, R, S, I>;
  encode(data: D): Uint8Array;
  /** What one item is called in the error for an item too large to send: 'span', 'log record'. */
  item: string;
}

/** Queue records for `groups` (trace ID to its part of the export), each value at most `maxBytes` long, keyed by `keyOf`. */
export function groupRecords<D, R extends ResourceGroup, S extends ScopeGroup, I>(
  groups: Map<string, D>, maxBytes: number, encoding: RecordEncoding<D, R, S, I>, keyOf: (traceId: string) => Buffer | null,
): QueueRecord[] {
  const out: QueueRecord[] = [];
  for (const [traceId, part] of groups) {
    const key = keyOf(traceId);
    for (const value of encodeWithin(part, maxBytes, encoding)) out.push({ key, value });
  }
  return out;
}

function encodeWithin<D, R extends ResourceGroup, S extends ScopeGroup, I>(
  data: D, maxBytes: number, encoding: RecordEncoding<D, R, S, I>,
): Buffer[] {
  const bytes = encoding.encode(data);
  if (bytes.length <= maxBytes) return [Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)];
  const n = countItems(encoding.layout, data);
  if (n <= 1) {
    throw new BraidError('BRAID_ERR_QUEUE_MESSAGE_TOO_LARGE', `one ${encoding.item} encodes to ${bytes.length} bytes, more than the largest record the topic takes (${maxBytes} bytes, from its max.message.bytes)`);
  }
  const [a, b] = halve(encoding.layout, data, Math.floor(n / 2));
  return [...encodeWithin(a, maxBytes, encoding), ...encodeWithin(b, maxBytes, encoding)];
}

function countItems<D, R extends ResourceGroup, S extends ScopeGroup, I>(layout: ExportLayout<D, R, S, I>, data: D): number {
  let n = 0;
  for (const rs of layout.resources(data)) for (const ss of layout.scopes(rs)) n += layout.items(ss).length;
  return n;
}

/** Splits an export into its first `k` items and the rest, keeping resources and scopes. */
function halve<D, R extends ResourceGroup, S extends ScopeGroup, I>(layout: ExportLayout<D, R, S, I>, data: D, k: number): [D, D] {
  const first: R[] = [];
  const second: R[] = [];
  let seen = 0;
  for (const rs of layout.resources(data)) {
    for (const ss of layout.scopes(rs)) {
      const items = layout.items(ss);
      const take = Math.max(0, Math.min(items.length, k - seen));
      if (take > 0) first.push(layout.makeResource(rs.resource, rs.schemaUrl, [layout.makeScope(ss.scope, ss.schemaUrl, items.slice(0, take))]));
      if (take < items.length) second.push(layout.makeResource(rs.resource, rs.schemaUrl, [layout.makeScope(ss.scope, ss.schemaUrl, items.slice(take))]));
      seen += items.length;
    }
  }
  return [layout.makeExport(first), layout.makeExport(second)];
}
