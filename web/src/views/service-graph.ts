/**
 * The service map's model: the edges of /api/dependencies laid out in layers (callers left of the
 * services they call, as Jaeger's and Kiali's graphs read), and each service's error ratio from the
 * span-derived RED series. Pure: no DOM, unit tests import it.
 */

/** A call edge as /api/dependencies answers it. */
export interface Edge {
  parent: string;
  child: string;
  callCount: number;
}

/** A service placed on the map (centre coordinates). */
export interface PlacedNode {
  name: string;
  layer: number;
  x: number;
  y: number;
}

/** An edge on the map; `back` when it points to the same or an earlier layer (a cycle, or a self call). */
export interface PlacedEdge extends Edge {
  from: PlacedNode;
  to: PlacedNode;
  back: boolean;
}

/** The laid-out graph and the size of its drawing. */
export interface GraphLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

/** Spacing of the drawing, in SVG user units. */
export const LAYOUT = { nodeWidth: 150, nodeHeight: 36, columnGap: 130, rowGap: 34, margin: 24 } as const;

/**
 * Layer of each service: the longest path to it from a service nobody calls, ignoring the edges
 * that close a cycle (found by a depth-first search in name order, so the result is stable).
 */
export function assignLayers(names: string[], edges: Edge[]): Map<string, number> {
  const out = new Map<string, string[]>();
  for (const n of names) out.set(n, []);
  for (const e of edges) if (e.parent !== e.child) out.get(e.parent)!.push(e.child);
  for (const list of out.values()) list.sort();
  const state = new Map<string, 'open' | 'done'>();
  const order: string[] = [];
  const forward = new Map<string, string[]>(names.map((n) => [n, []]));
  const visit = (n: string) => {
    state.set(n, 'open');
    for (const c of out.get(n)!) {
      const s = state.get(c);
      if (s === 'open') continue; // closes a cycle: not used for layering
      forward.get(n)!.push(c);
      if (s === undefined) visit(c);
    }
    state.set(n, 'done');
    order.push(n);
  };
  const hasCaller = new Set(edges.filter((e) => e.parent !== e.child).map((e) => e.child));
  for (const n of [...names].sort((a, b) => Number(hasCaller.has(a)) - Number(hasCaller.has(b)) || (a < b ? -1 : 1))) if (!state.has(n)) visit(n);
  const layer = new Map<string, number>(names.map((n) => [n, 0]));
  // `order` is a post-order, so its reverse is a topological order of the forward edges.
  for (const n of order.reverse()) for (const c of forward.get(n)!) layer.set(c, Math.max(layer.get(c)!, layer.get(n)! + 1));
  return layer;
}

/** Orders each layer by the mean position of its neighbours in the layer before (a few barycentre sweeps). */
function orderLayers(layers: string[][], edges: Edge[]): void {
  const neighbours = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    if (!neighbours.has(a)) neighbours.set(a, []);
    neighbours.get(a)!.push(b);
  };
  for (const e of edges) {
    link(e.child, e.parent);
    link(e.parent, e.child);
  }
  for (let sweep = 0; sweep < 4; sweep++) {
    const position = new Map<string, number>();
    for (const l of layers) l.forEach((n, i) => position.set(n, i));
    const from = sweep % 2 === 0 ? 1 : layers.length - 2;
    const step = sweep % 2 === 0 ? 1 : -1;
    for (let i = from; i >= 0 && i < layers.length; i += step) {
      const ref = new Set(layers[i - step] ?? []);
      const centre = (n: string) => {
        const ps = (neighbours.get(n) ?? []).filter((m) => ref.has(m)).map((m) => position.get(m)!);
        return ps.length === 0 ? position.get(n)! : ps.reduce((a, b) => a + b, 0) / ps.length;
      };
      const keyed = layers[i]!.map((n) => ({ n, c: centre(n) }));
      keyed.sort((a, b) => a.c - b.c || (a.n < b.n ? -1 : 1));
      layers[i] = keyed.map((k) => k.n);
      layers[i]!.forEach((n, j) => position.set(n, j));
    }
  }
}

/** Lays out the services of `edges` (plus `extra` services without edges) in layers, left to right. */
export function layoutGraph(edges: Edge[], extra: string[] = []): GraphLayout {
  const names = [...new Set([...edges.flatMap((e) => [e.parent, e.child]), ...extra])].sort();
  const layerOf = assignLayers(names, edges);
  const layers: string[][] = [];
  for (const n of names) (layers[layerOf.get(n)!] ??= []).push(n);
  for (let i = 0; i < layers.length; i++) layers[i] ??= [];
  orderLayers(layers, edges);
  const tallest = Math.max(1, ...layers.map((l) => l.length));
  const { nodeWidth, nodeHeight, columnGap, rowGap, margin } = LAYOUT;
  const rowPitch = nodeHeight + rowGap;
  const placed = new Map<string, PlacedNode>();
  layers.forEach((l, li) => {
    const offset = ((tallest - l.length) * rowPitch) / 2;
    l.forEach((name, i) => {
      placed.set(name, { name, layer: li, x: margin + nodeWidth / 2 + li * (nodeWidth + columnGap), y: margin + nodeHeight / 2 + offset + i * rowPitch });
    });
  });
  const placedEdges = edges.map((e) => {
    const from = placed.get(e.parent)!;
    const to = placed.get(e.child)!;
    return { ...e, from, to, back: to.layer <= from.layer };
  });
  return {
    nodes: names.map((n) => placed.get(n)!),
    edges: placedEdges,
    width: 2 * margin + Math.max(1, layers.length) * nodeWidth + Math.max(0, layers.length - 1) * columnGap,
    // Room below the lowest row for the arcs of back edges.
    height: 2 * margin + tallest * rowPitch - rowGap + (placedEdges.some((e) => e.back) ? rowPitch : 0),
  };
}

/** The SVG path of an edge: a curve from the caller's right side to the callee's left side; back edges arc below. */
export function edgePath(e: PlacedEdge): string {
  const { nodeWidth, nodeHeight, rowGap } = LAYOUT;
  if (e.parent === e.child) {
    const x = e.from.x + nodeWidth / 2 - 20;
    const y = e.from.y + nodeHeight / 2;
    return `M ${x} ${y} C ${x + 10} ${y + 40}, ${x + 50} ${y + 30}, ${x + 20} ${y - 6}`;
  }
  if (!e.back) {
    const x1 = e.from.x + nodeWidth / 2;
    const x2 = e.to.x - nodeWidth / 2;
    const mid = (x1 + x2) / 2;
    return `M ${x1} ${e.from.y} C ${mid} ${e.from.y}, ${mid} ${e.to.y}, ${x2} ${e.to.y}`;
  }
  const below = Math.max(e.from.y, e.to.y) + nodeHeight / 2 + rowGap;
  return `M ${e.from.x} ${e.from.y + nodeHeight / 2} C ${e.from.x} ${below}, ${e.to.x} ${below}, ${e.to.x} ${e.to.y + nodeHeight / 2}`;
}

/** Where an edge's label sits (the curve's middle). */
export function edgeLabelPoint(e: PlacedEdge): { x: number; y: number } {
  const { nodeWidth, nodeHeight, rowGap } = LAYOUT;
  if (e.parent === e.child) return { x: e.from.x + nodeWidth / 2 + 14, y: e.from.y + nodeHeight / 2 + 26 };
  if (!e.back) return { x: (e.from.x + nodeWidth / 2 + e.to.x - nodeWidth / 2) / 2, y: (e.from.y + e.to.y) / 2 - 6 };
  return { x: (e.from.x + e.to.x) / 2, y: Math.max(e.from.y, e.to.y) + nodeHeight / 2 + (rowGap * 3) / 4 };
}

/** A PromQL instant vector's samples, as /prometheus/api/v1/query answers them. */
export type VectorSample = { metric: Record<string, string>; value: [number, string] };

/**
 * Error ratio per service: errors over all calls, from `sum by (service_name)` of the calls'
 * rates with and without status_code="STATUS_CODE_ERROR". A service with calls and no error
 * series has 0; one without calls is left out (unknown).
 */
export function errorRatios(errors: VectorSample[], all: VectorSample[]): Map<string, number> {
  const errorRate = new Map(errors.map((s) => [s.metric.service_name ?? '', Number(s.value[1])]));
  const out = new Map<string, number>();
  for (const s of all) {
    const name = s.metric.service_name;
    const total = Number(s.value[1]);
    if (name === undefined || !(total > 0)) continue;
    const err = errorRate.get(name) ?? 0;
    out.set(name, Number.isFinite(err) ? Math.min(1, Math.max(0, err / total)) : 0);
  }
  return out;
}

/** A ratio as a percentage: "0%", "0.12%", "2.5%", "100%"; "–" when unknown. */
export function formatRatio(r: number | undefined): string {
  if (r === undefined || Number.isNaN(r)) return '–';
  const pct = r * 100;
  if (pct === 0) return '0%';
  if (pct < 0.01) return '<0.01%';
  return `${Number(pct.toFixed(pct < 1 ? 2 : pct < 10 ? 1 : 0))}%`;
}

/** The PromQL of one service set's call rates over `window` (a Go duration), errors only or all. */
export function callRateQuery(window: string, errorsOnly: boolean): string {
  const sel = errorsOnly ? '{status_code="STATUS_CODE_ERROR"}' : '';
  return `sum by (service_name) (rate(traces_span_metrics_calls_total${sel}[${window}]))`;
}
