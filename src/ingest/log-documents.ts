/**
 * Builds stored log documents from decoded OTLP logs, with the ECS correlation fields
 * (`@timestamp`, `trace.id`, `span.id`, `service.name`, `log.level`, `message`).
 */
import { createHash } from 'node:crypto';
import type { LogRecord, LogsData } from '../model/logs.js';
import { nanosToIso } from '../model/text/time.js';
import type { LogDocument, StoredValue } from '../storage/store.js';
import { toStoredAttributes, toStoredValue } from './documents.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** The canonical level of an OTLP SeverityNumber (1-4 trace ... 21-24 fatal); undefined for 0. */
export function levelOf(severityNumber: number): string | undefined {
  return severityNumber >= 1 && severityNumber <= 24 ? LEVELS[Math.floor((severityNumber - 1) / 4)] : undefined;
}

function message(body: LogRecord['body']): string {
  if (body === null) return '';
  if (typeof body === 'string') return body;
  return JSON.stringify(toStoredValue(body));
}

/**
 * The log documents of an export request, one per record. A record's ID hashes its content, so a
 * replay of the same queue record gives the same IDs; identical records within one request are
 * told apart by their occurrence.
 */
export function logDocuments(data: LogsData): LogDocument[] {
  const out: LogDocument[] = [];
  const seen = new Map<string, number>();
  for (const rl of data.resourceLogs) {
    const resource = toStoredAttributes(rl.resource.attributes);
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown_service';
    for (const sl of rl.scopeLogs) {
      for (const r of sl.logRecords) {
        const time = r.timeUnixNano !== 0n ? r.timeUnixNano : r.observedTimeUnixNano;
        const attributes: Record<string, StoredValue> = toStoredAttributes(r.attributes);
        const doc: LogDocument = {
          '@timestamp': nanosToIso(time),
          'log.id': '',
          'service.name': service,
          'log.level': levelOf(r.severityNumber) ?? (r.severityText.toLowerCase() || 'unspecified'),
          'severity.number': r.severityNumber,
          message: message(r.body),
          attributes,
          'resource.attributes': resource,
        };
        if (r.traceId) doc['trace.id'] = r.traceId;
        if (r.spanId) doc['span.id'] = r.spanId;
        if (r.eventName) doc['event.name'] = r.eventName;
        if (sl.scope.name) doc['scope.name'] = sl.scope.name;
        const hash = createHash('sha1')
          .update(`${r.timeUnixNano}\u0000${r.observedTimeUnixNano}\u0000${r.traceId}\u0000${r.spanId}\u0000${r.severityNumber}\u0000${r.severityText}\u0000${service}\u0000${doc.message}\u0000`)
          .update(JSON.stringify(attributes))
          .digest()
          // 12 of SHA-1's 20 bytes (96 bits: a collision among ten billion records has odds of
          // about 1 in 10^9): 16 characters instead of 27 in every _id, log.id and _source.
          .subarray(0, 12)
          .toString('base64url');
        const n = seen.get(hash) ?? 0;
        seen.set(hash, n + 1);
        doc['log.id'] = n === 0 ? hash : `${hash}-${n}`;
        out.push(doc);
      }
    }
  }
  return out;
}
