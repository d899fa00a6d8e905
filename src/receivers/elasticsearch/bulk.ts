/**
 * The Elasticsearch bulk format (NDJSON of action and source lines), as log shippers send it:
 * `index` and `create` actions with a source line each. `update` and `delete` are answered per
 * item as unsupported (their source line, if any, is skipped), as Elasticsearch answers items it
 * cannot apply: the rest of the request goes on.
 */
import { randomBytes } from 'node:crypto';

/** One item of a bulk request, in request order. */
export interface BulkItem {
  action: string;
  index: string;
  id: string;
  /** The source line (a JSON object as text) for index/create. */
  source?: string;
  /** Set when the item can never be stored: ES-like error type and reason. */
  error?: { type: string; reason: string };
}

const SUPPORTED = new Set(['index', 'create']);
const ALL = new Set(['index', 'create', 'update', 'delete']);

/** An Elasticsearch-style auto-generated ID (20 URL-safe characters). */
export const newDocumentId = () => randomBytes(15).toString('base64url');

function invalid(action: string, index: string, reason: string): BulkItem {
  return { action, index, id: '', error: { type: 'illegal_argument_exception', reason } };
}

/**
 * Parses a bulk body. `defaultIndex` is the index of the URL (`/{index}/_bulk`). A malformed
 * action line makes that item an error; the following line is then read as the next action, as
 * Elasticsearch does.
 */
export function parseBulk(body: string, defaultIndex: string | undefined): BulkItem[] {
  const lines = body.split('\n');
  const items: BulkItem[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      items.push(invalid('index', defaultIndex ?? '', `line ${i + 1}: malformed action/metadata line: ${(err as Error).message}`));
      continue;
    }
    const keys = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.keys(parsed) : [];
    const action = keys[0];
    if (keys.length !== 1 || action === undefined || !ALL.has(action)) {
      items.push(invalid('index', defaultIndex ?? '', `line ${i + 1}: malformed action/metadata line: expected one of index, create, update, delete, got ${line.slice(0, 100)}`));
      continue;
    }
    const meta = (parsed as Record<string, unknown>)[action];
    const m = meta !== null && typeof meta === 'object' ? (meta as Record<string, unknown>) : {};
    const index = typeof m._index === 'string' ? m._index : defaultIndex;
    const id = typeof m._id === 'string' || typeof m._id === 'number' ? String(m._id) : newDocumentId();
    const hasSource = action !== 'delete';
    const source = hasSource ? lines[++i]?.trim() : undefined;
    if (index === undefined || index === '') {
      items.push({ action, index: '', id, error: { type: 'action_request_validation_exception', reason: `line ${i + 1}: index is missing` } });
    } else if (!SUPPORTED.has(action)) {
      items.push({ action, index, id, error: { type: 'illegal_argument_exception', reason: `${action} is not supported: Braid keeps log records as written (use index or create)` } });
    } else if (source === undefined || source === '') {
      items.push({ action, index, id, error: { type: 'action_request_validation_exception', reason: `line ${i + 1}: source is missing` } });
    } else {
      items.push({ action, index, id, source });
    }
  }
  return items;
}
