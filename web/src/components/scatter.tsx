/** The duration scatter of search results (SVG): x start time, y duration; a click opens the trace. */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { formatDuration, formatTimestamp } from '../format.js';
import { navigate, traceUrl } from '../router.js';
import { PLOT, scatterPoints, type TraceSummaryLine } from './results.js';

/** The scatter of a result list. */
export function DurationScatter({ lines }: { lines: TraceSummaryLine[] }) {
  const svg = useRef<SVGSVGElement>(null);
  // Drawn in CSS pixels at the element's own width, so dots stay round at any window size.
  const [width, setWidth] = useState<number>(PLOT.width);
  useLayoutEffect(() => {
    const el = svg.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(200, Math.round(el.clientWidth))));
    ro.observe(el);
    return () => ro.disconnect();
  }, [lines.length === 0]);
  if (lines.length === 0) return null;
  const { points, minStartUs, maxStartUs, maxDurationUs } = scatterPoints(lines, width);
  const byId = new Map(lines.map((l) => [l.traceId, l]));
  const bottom = PLOT.height - PLOT.bottom;
  return (
    <svg ref={svg} class="scatter" data-testid="duration-scatter" viewBox={`0 0 ${width} ${PLOT.height}`} role="group" aria-label="Trace durations over time">
      <line x1={PLOT.left} y1={bottom} x2={width - PLOT.right} y2={bottom} />
      <line x1={PLOT.left} y1={PLOT.top} x2={PLOT.left} y2={bottom} />
      <text x={PLOT.left - 4} y={PLOT.top + 8} text-anchor="end">
        {formatDuration(maxDurationUs)}
      </text>
      <text x={PLOT.left - 4} y={bottom} text-anchor="end">
        0
      </text>
      <text x={PLOT.left} y={PLOT.height - 6}>
        {formatTimestamp(minStartUs).slice(11, 19)}
      </text>
      <text x={width - PLOT.right} y={PLOT.height - 6} text-anchor="end">
        {formatTimestamp(maxStartUs).slice(11, 19)}
      </text>
      {points.map((p) => {
        const l = byId.get(p.traceId)!;
        const open = () => navigate(traceUrl(p.traceId));
        return (
          <circle
            key={p.traceId}
            cx={p.x}
            cy={p.y}
            r={5}
            class={p.error ? 'error' : undefined}
            data-trace-id={p.traceId}
            // Lower case: Preact sets SVG attributes verbatim, and only `tabindex` makes an SVG element focusable.
            tabindex={0}
            role="link"
            aria-label={`${l.rootService} ${l.rootName} ${formatDuration(l.durationUs)}`}
            onClick={open}
            onKeyDown={(e) => {
              if (e.key === 'Enter') open();
            }}
          >
            <title>{`${l.rootService}: ${l.rootName}\n${formatDuration(l.durationUs)} · ${l.spanCount} spans${l.errorCount ? ` · ${l.errorCount} errors` : ''}`}</title>
          </circle>
        );
      })}
    </svg>
  );
}
