/**
 * Splits a trace export by trace ID, so each trace can be queued (and partitioned) on its own.
 */
import type { ResourceSpans, ScopeSpans, TracesData } from '../trace.js';

interface Group {
  data: TracesData;
  // The source ResourceSpans/ScopeSpans last appended to, so consecutive spans of one scope share an output ScopeSpans.
  rsSource: ResourceSpans | undefined;
  rsOut: ResourceSpans | undefined;
  ssSource: ScopeSpans | undefined;
  ssOut: ScopeSpans | undefined;
}

/**
 * Groups spans by trace ID, in order of first appearance. Each group keeps every span's resource and
 * scope (shared by reference, not copied) and holds no empty ScopeSpans or ResourceSpans.
 */
export function splitByTraceId(data: TracesData): Map<string, TracesData> {
  const groups = new Map<string, Group>();
  for (const rs of data.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        let g = groups.get(span.traceId);
        if (g === undefined) {
          g = { data: { resourceSpans: [] }, rsSource: undefined, rsOut: undefined, ssSource: undefined, ssOut: undefined };
          groups.set(span.traceId, g);
        }
        if (g.ssSource !== ss || g.rsSource !== rs || g.ssOut === undefined) {
          if (g.rsSource !== rs || g.rsOut === undefined) {
            g.rsOut = { resource: rs.resource, schemaUrl: rs.schemaUrl, scopeSpans: [] };
            g.rsSource = rs;
            g.data.resourceSpans.push(g.rsOut);
          }
          g.ssOut = { scope: ss.scope, schemaUrl: ss.schemaUrl, spans: [] };
          g.ssSource = ss;
          g.rsOut.scopeSpans.push(g.ssOut);
        }
        g.ssOut.spans.push(span);
      }
    }
  }
  const out = new Map<string, TracesData>();
  for (const [traceId, g] of groups) out.set(traceId, g.data);
  return out;
}
