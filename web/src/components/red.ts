/**
 * Links to the Prometheus queries of a span's RED series: the span metrics Braid derives from
 * spans (spanmetrics names: traces_span_metrics_calls_total, traces_span_metrics_duration_seconds_*,
 * labels service_name, span_name, status_code), as /prometheus/api/v1/query_range URLs around the
 * trace's time. Pure: unit tests import it.
 */

/** One RED query and its link. */
export interface RedLink {
  label: string;
  query: string;
  href: string;
}

/** A PromQL string literal: double quotes, with backslash, quote and newline escaped. */
export function promString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The rate, error and p95 duration queries for one service and span name. */
export function redQueries(service: string, spanName: string): Array<{ label: string; query: string }> {
  const sel = `service_name=${promString(service)},span_name=${promString(spanName)}`;
  return [
    { label: 'Rate', query: `sum(rate(traces_span_metrics_calls_total{${sel}}[5m]))` },
    { label: 'Errors', query: `sum(rate(traces_span_metrics_calls_total{${sel},status_code="STATUS_CODE_ERROR"}[5m]))` },
    { label: 'Duration p95', query: `histogram_quantile(0.95, sum by (le) (rate(traces_span_metrics_duration_seconds_bucket{${sel}}[5m])))` },
  ];
}

/**
 * The query_range links for a span that started at `startUs`: from 30 minutes before to 30 minutes
 * after (never past `nowMs`), one point a minute.
 */
export function redLinks(service: string, spanName: string, startUs: number, nowMs: number): RedLink[] {
  const startS = Math.floor(startUs / 1e6) - 1_800;
  const endS = Math.max(startS + 60, Math.min(Math.ceil(startUs / 1e6) + 1_800, Math.floor(nowMs / 1_000)));
  return redQueries(service, spanName).map(({ label, query }) => {
    const q = new URLSearchParams({ query, start: String(startS), end: String(endS), step: '60' });
    return { label, query, href: `/prometheus/api/v1/query_range?${q}` };
  });
}
