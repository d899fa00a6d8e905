/**
 * Splits an export by trace ID, so each trace can be queued (and partitioned) on its own. The
 * grouping is written once over an ExportLayout and serves traces here and logs in logs-split.ts.
 */
import type { InstrumentationScope, Resource, ResourceSpans, ScopeSpans, Span, TracesData } from '../trace.js';

/** The fields every ResourceSpans/ResourceLogs has besides its scopes. */
export interface ResourceGroup {
  resource: Resource;
  schemaUrl: string;
}

/** The fields every ScopeSpans/ScopeLogs has besides its items. */
export interface ScopeGroup {
  scope: InstrumentationScope;
  schemaUrl: string;
}

/** An item that belongs to a trace: a span, or a log record ('' for none). */
export interface TraceItem {
  traceId: string;
}

/**
 * Where an OTLP export of data `D` keeps its items `I` (spans, log records): in scopes `S` within
 * resources `R`. Lets one piece of code group and cut traces and logs alike.
 */
export interface ExportLayout<D, R extends ResourceGroup, S extends ScopeGroup, I> {
  resources(data: D): readonly R[];
  scopes(group: R): readonly S[];
  items(group: S): readonly I[];
  /** A new export holding `resources` (the array itself, not a copy). */
  makeExport(resources: R[]): D;
  /** A new resource group holding `scopes` (the array itself, not a copy). */
  makeResource(resource: Resource, schemaUrl: string, scopes: S[]): R;
  /** A new scope group holding `items` (the array itself, not a copy). */
  makeScope(scope: InstrumentationScope, schemaUrl: string, items: I[]): S;
}

/** The layout of a trace export. */
export const SPANS_LAYOUT: ExportLayout<TracesData, ResourceSpans, ScopeSpans, Span> = {
  resources: (data) => data.resourceSpans,
  scopes: (rs) => rs.scopeSpans,
  items: (ss) => ss.spans,
  makeExport: (resourceSpans) => ({ resourceSpans }),
  makeResource: (resource, schemaUrl, scopeSpans) => ({ resource, schemaUrl, scopeSpans }),
  makeScope: (scope, schemaUrl, spans) => ({ scope, schemaUrl, spans }),
};

interface Group<D, R, S, I> {
  data: D;
  resources: R[];
  // The source resource/scope last appended to, so consecutive items of one scope share an output scope.
  rSource: R | undefined;
  scopes: S[] | undefined;
  sSource: S | undefined;
  items: I[] | undefined;
}

/**
 * Groups items by trace ID, in order of first appearance. Each group keeps every item's resource and
 * scope (shared by reference, not copied) and holds no empty scope or resource groups.
 */
export function groupByTraceId<D, R extends ResourceGroup, S extends ScopeGroup, I extends TraceItem>(
  layout: ExportLayout<D, R, S, I>, data: D,
): Map<string, D> {
  const groups = new Map<string, Group<D, R, S, I>>();
  for (const rs of layout.resources(data)) {
    for (const ss of layout.scopes(rs)) {
      for (const item of layout.items(ss)) {
        let g = groups.get(item.traceId);
        if (g === undefined) {
          const resources: R[] = [];
          g = { data: layout.makeExport(resources), resources, rSource: undefined, scopes: undefined, sSource: undefined, items: undefined };
          groups.set(item.traceId, g);
        }
        if (g.sSource !== ss || g.rSource !== rs || g.items === undefined) {
          if (g.rSource !== rs || g.scopes === undefined) {
            g.scopes = [];
            g.rSource = rs;
            g.resources.push(layout.makeResource(rs.resource, rs.schemaUrl, g.scopes));
          }
          g.items = [];
          g.sSource = ss;
          g.scopes.push(layout.makeScope(ss.scope, ss.schemaUrl, g.items));
        }
        g.items.push(item);
      }
    }
  }
  const out = new Map<string, D>();
  for (const [traceId, g] of groups) out.set(traceId, g.data);
  return out;
}

/** Groups spans by trace ID, as groupByTraceId does. */
export function splitByTraceId(data: TracesData): Map<string, TracesData> {
  return groupByTraceId(SPANS_LAYOUT, data);
}
