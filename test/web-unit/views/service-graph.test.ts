import { describe, expect, it } from 'vitest';
import { assignLayers, callRateQuery, edgePath, errorRatios, formatRatio, LAYOUT, layoutGraph, type Edge } from '../../../web/src/views/service-graph.js';

const e = (parent: string, child: string, callCount = 1): Edge => ({ parent, child, callCount });
const layersOf = (edges: Edge[], extra: string[] = []) => Object.fromEntries(layoutGraph(edges, extra).nodes.map((n) => [n.name, n.layer]));

describe('service map layout', () => {
  it('puts each service one layer right of its furthest caller', () => {
    // frontend -> order -> payment, frontend -> payment directly: payment still goes after order.
    const edges = [e('frontend', 'order'), e('order', 'payment'), e('frontend', 'payment'), e('frontend', 'user')];
    expect(layersOf(edges)).toEqual({ frontend: 0, order: 1, payment: 2, user: 1 });
  });

  it('breaks cycles and self calls, marking the edges that point back', () => {
    const edges = [e('gateway', 'a'), e('a', 'b'), e('b', 'a'), e('b', 'b')];
    const layout = layoutGraph(edges);
    expect(Object.fromEntries(layout.nodes.map((n) => [n.name, n.layer]))).toEqual({ gateway: 0, a: 1, b: 2 });
    expect(layout.edges.map((x) => `${x.parent}->${x.child}:${x.back}`)).toEqual(['gateway->a:false', 'a->b:false', 'b->a:true', 'b->b:true']);
    // A pure cycle with no entry still gets layers 0..n-1.
    expect([...assignLayers(['x', 'y', 'z'], [e('x', 'y'), e('y', 'z'), e('z', 'x')]).values()].sort()).toEqual([0, 1, 2]);
  });

  it('keeps services without edges and sizes the drawing to the layers', () => {
    const layout = layoutGraph([e('a', 'b')], ['lonely']);
    expect(layout.nodes.map((n) => [n.name, n.layer])).toEqual([['a', 0], ['b', 1], ['lonely', 0]]);
    const { nodeWidth, nodeHeight, columnGap, rowGap, margin } = LAYOUT;
    expect(layout.width).toBe(2 * margin + 2 * nodeWidth + columnGap);
    expect(layout.height).toBe(2 * margin + 2 * (nodeHeight + rowGap) - rowGap);
    // No two services of one layer overlap.
    const a = layout.nodes.find((n) => n.name === 'a')!;
    const lonely = layout.nodes.find((n) => n.name === 'lonely')!;
    expect(Math.abs(a.y - lonely.y)).toBeGreaterThanOrEqual(nodeHeight + rowGap);
  });

  it('orders a layer by its callers to avoid crossings', () => {
    // b calls z and a calls y: y must sit above z since a sits above b.
    const layout = layoutGraph([e('a', 'y'), e('b', 'z')]);
    const y = (name: string) => layout.nodes.find((n) => n.name === name)!.y;
    expect(y('a')).toBeLessThan(y('b'));
    expect(y('y')).toBeLessThan(y('z'));
    const crossing = layoutGraph([e('a', 'z'), e('b', 'y')]);
    const cy = (name: string) => crossing.nodes.find((n) => n.name === name)!.y;
    expect(Math.sign(cy('a') - cy('b'))).toBe(Math.sign(cy('z') - cy('y')));
  });

  it('draws forward edges from the right side of the caller to the left side of the callee', () => {
    const [edge] = layoutGraph([e('a', 'b')]).edges;
    const { nodeWidth } = LAYOUT;
    expect(edgePath(edge!)).toMatch(new RegExp(`^M ${edge!.from.x + nodeWidth / 2} ${edge!.from.y} C .* ${edge!.to.x - nodeWidth / 2} ${edge!.to.y}$`));
  });
});

describe('service error ratios', () => {
  const v = (service: string, value: string) => ({ metric: { service_name: service }, value: [1700000000, value] as [number, string] });

  it('divides error calls by all calls per service; no error series means 0, no calls means unknown', () => {
    const r = errorRatios([v('payment', '0.5'), v('ghost', '1')], [v('payment', '2'), v('order', '4'), v('idle', '0')]);
    expect([...r.entries()]).toEqual([['payment', 0.25], ['order', 0]]);
  });

  it('queries the span-derived calls counter', () => {
    expect(callRateQuery('5m', true)).toBe('sum by (service_name) (rate(traces_span_metrics_calls_total{status_code="STATUS_CODE_ERROR"}[5m]))');
    expect(callRateQuery('1h', false)).toBe('sum by (service_name) (rate(traces_span_metrics_calls_total[1h]))');
  });

  it.each([[undefined, '–'], [0, '0%'], [0.00001, '<0.01%'], [0.0012, '0.12%'], [0.025, '2.5%'], [0.5, '50%'], [1, '100%']])('formats %s as %s', (r, text) => {
    expect(formatRatio(r)).toBe(text);
  });
});
