/**
 * The virtualised waterfall: one fixed-height line per visible span and per log under it; only the
 * lines in view plus a margin are in the DOM. Keyboard: Tab reaches the rows (one tab stop),
 * ArrowUp/ArrowDown/Home/End move between span rows, Enter or Space opens a span's details,
 * ArrowLeft/ArrowRight collapse/expand its subtree.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { LogView } from '../../api.js';
import { formatDuration, formatOffset, isoToMicros } from '../../format.js';
import { serviceHue, type Item, type Row, type TraceLayout } from './layout.js';
import { scrollToCentre, scrollToReveal, visibleRange } from './window.js';

/** Height of a line in px; matches --row-h in styles.css. */
export const ROW_HEIGHT = 28;
const RULER_HEIGHT = 22;
const OVERSCAN = 12;
const MAX_INDENT = 30;

/** What the waterfall shows and reports. */
export interface WaterfallProps {
  layout: TraceLayout;
  items: Item[];
  critical: Map<string, Array<[number, number]>>;
  collapsed: ReadonlySet<string>;
  selectedId: string | undefined;
  onSelect: (spanId: string) => void;
  onToggle: (spanId: string, collapse: boolean) => void;
}

/** The waterfall of a trace. */
export function Waterfall(props: WaterfallProps) {
  const { layout, items, selectedId } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState(600);
  const [range, setRange] = useState(() => visibleRange(0, 600, ROW_HEIGHT, items.length, OVERSCAN));
  const selectedItem = useMemo(() => (selectedId === undefined ? -1 : items.findIndex((it) => it.kind === 'span' && layout.rows[it.row]?.span.spanId === selectedId)), [items, selectedId, layout]);
  const [focusItem, setFocusState] = useState(Math.max(0, selectedItem));
  // The latest focus, read by key handlers before the re-render (keys can repeat faster than frames).
  const focusRef = useRef(focusItem);
  const focusPending = useRef(false);
  const setFocusItem = (i: number) => {
    focusRef.current = i;
    setFocusState(i);
  };

  const updateRange = () => {
    const el = scroller.current;
    if (!el) return;
    const next = visibleRange(el.scrollTop, el.clientHeight - RULER_HEIGHT, ROW_HEIGHT, items.length, OVERSCAN);
    setRange((r) => (r.first === next.first && r.last === next.last ? r : next));
  };

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      setViewport(el.clientHeight);
      updateRange();
    });
    ro.observe(el);
    return () => ro.disconnect();
    // The observer reads `items` through updateRange; re-subscribe when they change.
  }, [items]);

  // A deep link or a selection made elsewhere: bring the span into view once.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || selectedItem < 0) return;
    const top = scrollToReveal(selectedItem, el.scrollTop, el.clientHeight, ROW_HEIGHT, RULER_HEIGHT);
    if (top !== undefined) el.scrollTop = el.scrollTop === 0 ? scrollToCentre(selectedItem, el.clientHeight, ROW_HEIGHT) : top;
    setFocusItem(selectedItem);
    updateRange();
  }, [selectedItem]);

  useLayoutEffect(updateRange, [items]);

  useEffect(() => {
    if (!focusPending.current) return;
    focusPending.current = false;
    scroller.current?.querySelector<HTMLElement>(`[data-item="${focusRef.current}"]`)?.focus({ preventScroll: true });
  });

  const moveFocus = (from: number, to: number) => {
    const el = scroller.current;
    if (!el || items.length === 0) return;
    let i = Math.max(0, Math.min(items.length - 1, to));
    const step = to >= from ? 1 : -1;
    while (items[i]?.kind === 'log' && i + step >= 0 && i + step < items.length) i += step;
    if (items[i]?.kind === 'log') return;
    const top = scrollToReveal(i, el.scrollTop, el.clientHeight, ROW_HEIGHT, RULER_HEIGHT);
    if (top !== undefined) el.scrollTop = top;
    setFocusItem(i);
    updateRange();
    const target = el.querySelector<HTMLElement>(`[data-item="${i}"]`);
    if (target) target.focus({ preventScroll: true });
    else focusPending.current = true;
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const at = focusRef.current;
    const item = items[at];
    const row = item ? layout.rows[item.row] : undefined;
    const page = Math.max(1, Math.floor((viewport - RULER_HEIGHT) / ROW_HEIGHT) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => moveFocus(at, at + 1),
      ArrowUp: () => moveFocus(at, at - 1),
      PageDown: () => moveFocus(at, at + page),
      PageUp: () => moveFocus(at, at - page),
      Home: () => moveFocus(at, 0),
      End: () => moveFocus(at, items.length - 1),
      Enter: () => row && props.onSelect(row.span.spanId),
      ' ': () => row && props.onSelect(row.span.spanId),
      ArrowLeft: () => row && row.end > focusRow(item) + 1 && !props.collapsed.has(row.span.spanId) && props.onToggle(row.span.spanId, true),
      ArrowRight: () => row && props.collapsed.has(row.span.spanId) && props.onToggle(row.span.spanId, false),
    };
    const action = keys[e.key];
    if (!action || (e.target as HTMLElement).tagName === 'BUTTON' && (e.key === 'Enter' || e.key === ' ')) return;
    e.preventDefault();
    action();
  };

  const total = Math.max(1, layout.endUs - layout.startUs);
  const pct = (us: number) => `${(((us - layout.startUs) / total) * 100).toFixed(3)}%`;
  const width = (us: number) => `${((us / total) * 100).toFixed(3)}%`;
  const shown = items.slice(range.first, range.last);

  return (
    <div
      class="waterfall"
      data-testid="waterfall"
      ref={scroller}
      onScroll={updateRange}
      onKeyDown={onKeyDown}
      role="tree"
      aria-label="Spans of the trace"
      // A short trace takes only the height it needs; a long one scrolls within the window's height.
      style={{ height: `min(${items.length * ROW_HEIGHT + RULER_HEIGHT + 2}px, var(--wf-max-h))` }}
    >
      <div class="wf-ruler" aria-hidden="true">
        <div>Service · operation</div>
        <div class="ticks">
          {[0, 0.25, 0.5, 0.75].map((f) => (
            <span key={f} class="tick" style={{ left: `${f * 100}%` }}>
              {formatDuration(total * f)}
            </span>
          ))}
        </div>
      </div>
      <div class="wf-spacer" style={{ height: `${items.length * ROW_HEIGHT}px` }}>
        <div class="wf-window" style={{ transform: `translateY(${range.first * ROW_HEIGHT}px)` }}>
          {shown.map((item, k) => {
            const index = range.first + k;
            const row = layout.rows[item.row] as Row;
            if (item.kind === 'log') return <LogLine key={`l${index}`} log={item.log} spanId={row.span.spanId} depth={row.depth} traceStartUs={layout.startUs} index={index} />;
            return (
              <SpanLine
                key={row.span.spanId}
                row={row}
                index={index}
                hasChildren={row.end > item.row + 1}
                collapsed={props.collapsed.has(row.span.spanId)}
                selected={row.span.spanId === selectedId}
                tabStop={index === focusItem}
                critical={props.critical.get(row.span.spanId)}
                pct={pct}
                width={width}
                onSelect={() => {
                  setFocusItem(index);
                  props.onSelect(row.span.spanId);
                }}
                onToggle={() => props.onToggle(row.span.spanId, !props.collapsed.has(row.span.spanId))}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

function focusRow(item: Item | undefined): number {
  return item ? item.row : -1;
}

interface SpanLineProps {
  row: Row;
  index: number;
  hasChildren: boolean;
  collapsed: boolean;
  selected: boolean;
  tabStop: boolean;
  critical: Array<[number, number]> | undefined;
  pct: (us: number) => string;
  width: (us: number) => string;
  onSelect: () => void;
  onToggle: () => void;
}

/** One span: name column (indent, collapse toggle, service, operation) and its bar on the timeline. */
function SpanLine({ row, index, hasChildren, collapsed, selected, tabStop, critical, pct, width, onSelect, onToggle }: SpanLineProps) {
  const s = row.span;
  const left = pct(s.startTimeUs);
  const labelLeft = Number.parseFloat(left) < 70;
  return (
    <div
      class="wf-row"
      data-testid="span-row"
      data-span-id={s.spanId}
      data-error={row.error ? 'true' : 'false'}
      data-critical={critical ? 'true' : 'false'}
      data-item={index}
      role="treeitem"
      aria-level={row.depth + 1}
      aria-expanded={hasChildren ? !collapsed : undefined}
      aria-selected={selected}
      aria-label={`${s.service} ${s.name} ${formatDuration(s.durationUs)}${row.error ? ' error' : ''}`}
      tabIndex={tabStop ? 0 : -1}
      onClick={onSelect}
      style={{ '--svc-hue': serviceHue(s.service) }}
    >
      <div class="wf-name" style={{ paddingLeft: `${Math.min(row.depth, MAX_INDENT) * 12 + 4}px` }}>
        <button
          type="button"
          class={hasChildren ? 'wf-toggle' : 'wf-toggle leaf'}
          tabIndex={-1}
          aria-label={collapsed ? 'Expand' : 'Collapse'}
          onClick={(e) => {
            e.stopPropagation();
            onToggle();
          }}
        >
          {collapsed ? '▶' : '▼'}
        </button>
        <span class="svc svc-name">{s.service}</span>
        <span class="op">{s.name}</span>
      </div>
      <div class="wf-timeline">
        <div class="wf-bar" style={{ left, width: width(s.durationUs) }} />
        {critical?.map(([a, b]) => <div key={a} class="wf-crit" style={{ left: pct(a), width: width(b - a) }} />)}
        <span class="wf-label" style={labelLeft ? { left: `calc(${left} + ${width(s.durationUs)} + 4px)` } : { right: `calc(100% - ${left} + 4px)` }}>
          {formatDuration(s.durationUs)}
        </span>
      </div>
    </div>
  );
}

/** A log record under its span's row. */
function LogLine({ log, spanId, depth, traceStartUs, index }: { log: LogView; spanId: string; depth: number; traceStartUs: number; index: number }) {
  const level = log.level.toLowerCase();
  return (
    <div class="wf-row log-row" data-testid="span-log" data-span-id={spanId} data-item={index} role="none">
      <div class="log-text" style={{ paddingLeft: `${Math.min(depth, MAX_INDENT) * 12 + 24}px` }}>
        <span class="log-time mono">{formatOffset(isoToMicros(log.timestamp), traceStartUs)}</span>
        <span class={`log-level ${level}`}>{level}</span>
        <span class="log-msg" title={log.message}>
          {log.message}
        </span>
      </div>
    </div>
  );
}
