/**
 * The details of the selected span: service and resource, status, timing, attributes, events, its
 * logs, the exemplars that point at it, and links to the Prometheus queries of its RED series.
 */
import type { ExemplarView, JaegerTag, SpanNode } from '../api.js';
import { formatDuration, formatOffset, formatTimestamp, isoToMicros } from '../format.js';
import { traceUrl } from '../route.js';
import { redLinks } from './red.js';
import { Empty, KeyValues } from './widgets.js';
import type { Row } from './waterfall/layout.js';

/**
 * What the panel shows. `resource` is the span's process tags once loaded, undefined while loading,
 * or "ask" when they are loaded on request (`onLoadResource`).
 */
export interface SpanDetailProps {
  row: Row;
  traceStartUs: number;
  exemplars: ExemplarView[];
  resource: JaegerTag[] | undefined | 'ask';
  onLoadResource: () => void;
  onClose: () => void;
}

/** The span detail panel. */
export function SpanDetail({ row, traceStartUs, exemplars, resource, onLoadResource, onClose }: SpanDetailProps) {
  const s: SpanNode = row.span;
  const status = s.status.code.toUpperCase();
  return (
    <aside class="span-detail" data-testid="span-detail" data-span-id={s.spanId} aria-label={`Span ${s.name}`}>
      <button type="button" class="close" onClick={onClose} aria-label="Close span details">
        ✕
      </button>
      <h2>{s.name}</h2>
      <p>
        <span class="badge">{s.service}</span>
        <span class="badge">{s.kind}</span>
        <span class={row.error ? 'badge error' : 'badge'}>status {status}</span>
        <span class="badge">{formatDuration(s.durationUs)}</span>
        <span class="badge">start {formatOffset(s.startTimeUs, traceStartUs)}</span>
      </p>
      {s.status.message ? <p class="error-box">{s.status.message}</p> : null}
      <p class="mono">span {s.spanId}</p>
      <h3>Metrics (RED)</h3>
      <RedLinks span={s} />
      {exemplars.length > 0 ? (
        <>
          <h3>Exemplars of this span</h3>
          <ExemplarList exemplars={exemplars} testid={false} />
        </>
      ) : null}
      <h3>Logs ({row.logs.length})</h3>
      {row.logs.length === 0 ? (
        <Empty>No logs for this span</Empty>
      ) : (
        <ul class="span-logs">
          {row.logs.map((l, i) => (
            <li key={i}>
              <span class="log-time mono">{formatOffset(isoToMicros(l.timestamp), traceStartUs)}</span>
              <span class={`log-level ${l.level.toLowerCase()}`}>{l.level}</span>
              <span>{l.message}</span>
            </li>
          ))}
        </ul>
      )}
      <h3>Attributes</h3>
      <KeyValues values={s.attributes} label="Attributes" />
      <h3>Events ({s.events.length})</h3>
      {s.events.length === 0 ? (
        <Empty>No events</Empty>
      ) : (
        <ul class="span-logs">
          {s.events.map((e, i) => (
            <li key={i}>
              <span class="log-time mono">{formatOffset(e.timeUs, traceStartUs)}</span>
              <strong>{e.name}</strong>
              {e.attributes ? <KeyValues values={e.attributes} label="Event attributes" /> : null}
            </li>
          ))}
        </ul>
      )}
      <h3>Resource</h3>
      {resource === undefined ? (
        <p class="loading">Loading resource…</p>
      ) : resource === 'ask' ? (
        <>
          <KeyValues values={{ 'service.name': s.service }} label="Resource" />
          <button type="button" onClick={onLoadResource}>
            Load all resource attributes (fetches the whole trace again)
          </button>
        </>
      ) : (
        <KeyValues values={{ 'service.name': s.service, ...Object.fromEntries(resource.map((t) => [t.key, t.value])) }} label="Resource" />
      )}
    </aside>
  );
}

/** Links to the Prometheus queries of a span's rate, errors and duration (its service and span name). */
export function RedLinks({ span }: { span: SpanNode }) {
  return (
    <span class="red-links">
      {redLinks(span.service, span.name, span.startTimeUs, Date.now()).map((l) => (
        <a key={l.label} data-testid="red-link" href={l.href} target="_blank" rel="noopener" title={l.query}>
          {l.label}
        </a>
      ))}
    </span>
  );
}

/**
 * Exemplars: metric, sample value, exemplar value and labels, and a link to the span the exemplar
 * names (when `traceId` is given). `testid` marks the trace-level list.
 */
export function ExemplarList({ exemplars, testid, traceId }: { exemplars: ExemplarView[]; testid: boolean; traceId?: string }) {
  return (
    <ul class="exemplars">
      {exemplars.map((e, i) => (
        <li key={i} class="exemplar" data-testid={testid ? 'exemplar' : undefined} data-span-id={e.exemplar.spanId}>
          <span class="metric mono">{e.metric}</span>
          <span>
            value <b>{e.exemplar.value ?? e.value ?? '-'}</b>
          </span>
          {e.value !== null && e.exemplar.value !== null && e.value !== e.exemplar.value ? <span>sample {e.value}</span> : null}
          <span class="mono">{Object.entries(e.labels).map(([k, v]) => `${k}="${v}"`).join(', ')}</span>
          {e.exemplar.timestamp ? <span class="log-time">{formatTimestamp(isoToMicros(e.exemplar.timestamp))}</span> : null}
          {traceId && e.exemplar.spanId ? <a href={traceUrl(traceId, e.exemplar.spanId)}>span {e.exemplar.spanId}</a> : null}
        </li>
      ))}
    </ul>
  );
}
