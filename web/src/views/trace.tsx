/**
 * /trace/{traceId}?span={spanId}: the header, the virtualised waterfall with the critical path and
 * each span's logs under it, the selected span's details, the trace's logs without a span, and the
 * exemplars pointing at the trace. The selected span is in the URL, so a reload shows the same view.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type ExemplarView, type JaegerTag, type LogView, type TraceView as TraceData } from '../api.js';
import { ExemplarList, RedLinks, SpanDetail } from '../components/span-detail.js';
import { ancestorRows, criticalPath, layoutTrace, rootCauseErrors, serviceHue, sortLogs, visibleItems, type TraceLayout } from '../components/waterfall/layout.js';
import { Waterfall } from '../components/waterfall/waterfall.js';
import { Empty, ErrorBox, Loading, useAsync } from '../components/widgets.js';
import { formatDuration, formatTimestamp, isoToMicros } from '../format.js';
import { setQuery, traceUrl, urlWith, useRoute } from '../router.js';

/** The trace view. */
export default function TraceView() {
  const route = useRoute();
  const traceId = route.traceId ?? '';
  const trace = useAsync((signal) => api.trace(traceId, signal), [traceId]);
  if (trace.status === 'loading') return <Loading what={`trace ${traceId}`} />;
  if (trace.status === 'error') return <ErrorBox title={`Cannot show trace ${traceId}`} error={trace.error} />;
  return <TraceBody key={traceId} data={trace.value!} selectedId={route.query.get('span') ?? undefined} />;
}

function TraceBody({ data, selectedId }: { data: TraceData; selectedId: string | undefined }) {
  const layout = useMemo(() => layoutTrace(data.spans), [data]);
  const critical = useMemo(() => criticalPath(layout), [layout]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const selectedRow = selectedId === undefined ? undefined : layout.indexById.get(selectedId);
  // A newly selected span (a deep link, a link from elsewhere) is shown: its collapsed ancestors open.
  // Collapsing an ancestor afterwards is the user's choice and stays.
  useEffect(() => {
    if (selectedRow === undefined) return;
    const hidden = ancestorRows(layout, selectedRow).map((i) => layout.rows[i]!.span.spanId);
    setCollapsed((c) => (hidden.some((id) => c.has(id)) ? new Set([...c].filter((id) => !hidden.includes(id))) : c));
  }, [selectedRow, layout]);
  const items = useMemo(() => visibleItems(layout, collapsed), [layout, collapsed]);
  // Resource attributes come from the Jaeger API, which sends the whole trace again: automatic for
  // ordinary traces, on request for large ones (20,000 spans cost the server seconds and ~1 GB).
  const [resourceAsked, setResourceAsked] = useState(false);
  const autoResource = layout.rows.length <= AUTO_RESOURCE_SPANS;
  const resource = useResource(data.traceId, selectedRow !== undefined && (autoResource || resourceAsked));
  const row = selectedRow === undefined ? undefined : layout.rows[selectedRow];

  const toggle = (spanId: string, collapse: boolean) => {
    const next = new Set(collapsed);
    if (collapse) next.add(spanId);
    else next.delete(spanId);
    setCollapsed(next);
  };

  return (
    <section class="trace-view" data-testid="trace-view" data-trace-id={data.traceId}>
      <TraceHeader data={data} layout={layout} />
      <FailingSpans layout={layout} traceId={data.traceId} />
      {selectedId !== undefined && row === undefined ? <ErrorBox title="Span not found" error={`span ${selectedId} is not in this trace`} /> : null}
      <div class="legend">
        <span class="crit">critical path</span>
        <span>⚠ error</span>
        <span>↑↓ move · Enter details · ←→ collapse/expand</span>
      </div>
      <div class={row ? 'trace-layout' : 'trace-layout no-detail'}>
        <Waterfall
          layout={layout}
          items={items}
          critical={critical}
          collapsed={collapsed}
          selectedId={row ? selectedId : undefined}
          onSelect={(id) => setQuery({ span: id }, { replace: true })}
          onToggle={toggle}
        />
        {row ? (
          <SpanDetail
            row={row}
            traceStartUs={layout.startUs}
            exemplars={data.exemplars.filter((e) => e.exemplar.spanId === row.span.spanId)}
            resource={resource?.get(row.span.spanId) ?? (resource ? [] : autoResource || resourceAsked ? undefined : 'ask')}
            onLoadResource={() => setResourceAsked(true)}
            onClose={() => setQuery({ span: undefined }, { replace: true })}
          />
        ) : null}
      </div>
      <TraceLogs logs={data.logs} />
      <TraceExemplars exemplars={data.exemplars} traceId={data.traceId} />
    </section>
  );
}

/** The process tags (resource attributes) of each span, from the Jaeger API, once a span is opened. */
function useResource(traceId: string, wanted: boolean): Map<string, JaegerTag[]> | undefined {
  const state = useAsync(
    wanted
      ? async (signal) => {
          const t = await api.jaegerTrace(traceId, signal);
          const out = new Map<string, JaegerTag[]>();
          for (const s of t?.spans ?? []) out.set(s.spanID, t?.processes[s.processID]?.tags ?? []);
          return out;
        }
      : undefined,
    [traceId, wanted],
  );
  if (state.status === 'error') return new Map();
  return state.status === 'done' ? state.value : undefined;
}

function TraceHeader({ data, layout }: { data: TraceData; layout: TraceLayout }) {
  const root = layout.rows[0]?.span;
  const logCount = data.logs.length + layout.rows.reduce((n, r) => n + r.logs.length, 0);
  return (
    <header class="trace-header">
      <h1>
        {root ? `${root.service}: ${root.name}` : 'Trace'} <span class="mono">{data.traceId}</span>
      </h1>
      <span class="stat">
        Start <b>{formatTimestamp(layout.startUs)} UTC</b>
      </span>
      <span class="stat">
        Duration <b>{formatDuration(layout.endUs - layout.startUs)}</b>
      </span>
      <span class="stat">
        Spans <b data-testid="trace-span-count">{layout.rows.length}</b>
      </span>
      <span class="stat">
        Errors <b class={layout.errorCount > 0 ? 'badge error' : undefined}>{layout.errorCount}</b>
      </span>
      <span class="stat">
        Logs <b>{logCount}</b> {logCount > 0 ? <a href={urlWith('/logs', { traceId: data.traceId, start: String(Math.floor(layout.startUs / 1_000) - 300_000), end: String(Math.ceil(layout.endUs / 1_000) + 300_000) })}>in the logs view</a> : null}
      </span>
      <span class="stat">
        Services{' '}
        {layout.services.map((s) => (
          <span key={s} class="badge svc" style={{ '--svc-hue': serviceHue(s) }}>
            {s}
          </span>
        ))}
      </span>
    </header>
  );
}

const MAX_FAILING = 5;

/** Where the trace's failures start (error spans without failed children), with their RED links. */
function FailingSpans({ layout, traceId }: { layout: TraceLayout; traceId: string }) {
  const rows = useMemo(() => rootCauseErrors(layout), [layout]);
  if (rows.length === 0) return null;
  return (
    <section class="failing" aria-label="Where the errors start">
      <h2>Errors start at</h2>
      <ul>
        {rows.slice(0, MAX_FAILING).map((i) => {
          const r = layout.rows[i]!;
          const why = r.span.status.message ?? r.logs.find((l) => ['error', 'fatal'].includes(l.level.toLowerCase()))?.message;
          return (
            <li key={r.span.spanId}>
              <a href={traceUrl(traceId, r.span.spanId)}>
                {r.span.service}: {r.span.name}
              </a>
              {why ? <span class="why">{why}</span> : null}
              <RedLinks span={r.span} />
            </li>
          );
        })}
      </ul>
      {rows.length > MAX_FAILING ? <p class="empty">and {rows.length - MAX_FAILING} more operations</p> : null}
    </section>
  );
}

const EXEMPLARS_PAGE = 50;
const AUTO_RESOURCE_SPANS = 2_000;
const LOGS_PAGE = 200;

/** "Show more" under a list cut short (lists outside the waterfall are not virtualised). */
function MoreButton({ total, shown, onMore }: { total: number; shown: number; onMore: () => void }) {
  if (total <= shown) return null;
  return (
    <button type="button" class="more" onClick={onMore}>
      Show more ({total - shown} not shown)
    </button>
  );
}

/**
 * The exemplars pointing at the trace: a count per metric, then the first 50 (a large trace has one
 * per span-metrics sample; thousands of them would be most of the page's DOM), more on demand.
 */
function TraceExemplars({ exemplars, traceId }: { exemplars: ExemplarView[]; traceId: string }) {
  const [shown, setShown] = useState(EXEMPLARS_PAGE);
  const perMetric = useMemo(() => {
    const m = new Map<string, number>();
    for (const e of exemplars) m.set(e.metric, (m.get(e.metric) ?? 0) + 1);
    return [...m].sort((a, b) => b[1] - a[1]);
  }, [exemplars]);
  return (
    <section class="trace-extra">
      <h2>Exemplars ({exemplars.length})</h2>
      {exemplars.length === 0 ? (
        <Empty>No metric samples point at this trace</Empty>
      ) : (
        <>
          {perMetric.length > 1 || exemplars.length > EXEMPLARS_PAGE ? (
            <p class="empty">
              {perMetric.map(([metric, n]) => (
                <span key={metric} class="badge mono">
                  {metric} × {n}
                </span>
              ))}
            </p>
          ) : null}
          <ExemplarList exemplars={exemplars.slice(0, shown)} testid traceId={traceId} />
          <MoreButton total={exemplars.length} shown={shown} onMore={() => setShown(shown + EXEMPLARS_PAGE * 4)} />
        </>
      )}
    </section>
  );
}

/** Logs of the trace that carry no span of it, in time order. */
function TraceLogs({ logs }: { logs: LogView[] }) {
  const sorted = useMemo(() => sortLogs(logs), [logs]);
  const [shown, setShown] = useState(LOGS_PAGE);
  return (
    <section class="trace-extra" data-testid="trace-logs">
      <h2>Logs without a span ({logs.length})</h2>
      {sorted.length === 0 ? (
        <Empty>Every log line of this trace belongs to one of its spans</Empty>
      ) : (
        <ul class="span-logs">
          {sorted.slice(0, shown).map((l, i) => (
            <li key={i}>
              <span class="log-time mono" title={l.timestamp}>
                {formatTimestamp(isoToMicros(l.timestamp))}
              </span>
              <span class={`log-level ${l.level.toLowerCase()}`}>{l.level}</span>
              <span class="badge">{l.service}</span>
              <span>{l.message}</span>
            </li>
          ))}
        </ul>
      )}
      <MoreButton total={sorted.length} shown={shown} onMore={() => setShown(shown + LOGS_PAGE)} />
    </section>
  );
}
