/**
 * Service map: the call edges of /api/dependencies over a lookback, drawn as an SVG graph laid out
 * in layers (callers left of callees), each edge labelled with its call count and the callee's
 * error ratio from the span-derived series (traces_span_metrics_calls_total). On narrow screens a
 * table shows the same edges. Clicking a service searches its traces.
 */
import { serviceErrorRatios } from '../api-views.js';
import { api } from '../api.js';
import { Empty, ErrorBox, Loading, useAsync } from '../components/widgets.js';
import { parseDuration } from '../format.js';
import { navigate, urlWith, useRoute } from '../router.js';
import { edgeLabelPoint, edgePath, formatRatio, LAYOUT, layoutGraph, type Edge, type GraphLayout, type PlacedNode } from './service-graph.js';
import { LookbackOptions } from './lookback.js';
import './views.css';

const DEFAULT_LOOKBACK = '1h';
/** Above this error ratio an edge or a service is drawn as failing; above 0, as degraded. */
const ERROR_RATIO_BAD = 0.05;

interface MapData {
  edges: Edge[];
  services: string[];
  ratios: Map<string, number> | undefined;
  ratioError: string | undefined;
}

/** The services view. */
export default function ServicesView() {
  const route = useRoute();
  const lookback = route.query.get('lookback') || DEFAULT_LOOKBACK;
  let lookbackMs: number | undefined;
  let invalid: string | undefined;
  try {
    lookbackMs = parseDuration(lookback) / 1_000;
  } catch (e) {
    invalid = `lookback: ${(e as Error).message}`;
  }
  const data = useAsync<MapData>(
    lookbackMs === undefined
      ? undefined
      : async (signal) => {
          const [edges, services, ratios] = await Promise.all([
            api.dependencies({ lookbackMs }, signal),
            api.services(signal).catch(() => [] as string[]),
            serviceErrorRatios(lookback, signal).then(
              (r) => ({ r, err: undefined }),
              (e: Error) => ({ r: undefined, err: e.message }),
            ),
          ]);
          return { edges, services, ratios: ratios.r, ratioError: ratios.err };
        },
    [lookback],
  );
  return (
    <section class="services-view" data-testid="services-view">
      <div class="view-head">
        <h1>Service map</h1>
        <label class="inline">
          Time
          <select value={lookback} onChange={(e) => navigate(urlWith('/services', { lookback: (e.currentTarget as HTMLSelectElement).value }))} data-testid="services-lookback">
            <LookbackOptions custom={false} />
          </select>
        </label>
      </div>
      {invalid !== undefined && <ErrorBox title="Invalid time range" error={invalid} />}
      {data.status === 'loading' && <Loading what="the service map" />}
      {data.status === 'error' && <ErrorBox title="Loading the service map failed" error={data.error} />}
      {data.status === 'done' && data.value && <ServiceMap data={data.value} />}
    </section>
  );
}

function ServiceMap({ data }: { data: MapData }) {
  if (data.edges.length === 0 && data.services.length === 0) return <Empty>No services have sent spans in this time range.</Empty>;
  const layout = layoutGraph(data.edges, data.services);
  return (
    <figure class="service-map" data-testid="service-map">
      {data.ratioError !== undefined && <ErrorBox title="Error ratios unavailable" error={data.ratioError} />}
      {data.edges.length === 0 && <Empty>No calls between services in this time range.</Empty>}
      <div class="service-graph-scroll">
        <Graph layout={layout} ratios={data.ratios} />
      </div>
      <EdgeTable edges={data.edges} ratios={data.ratios} />
      <figcaption class="legend">
        Edges: caller → callee, calls in the time range and the callee's error ratio (status_code="STATUS_CODE_ERROR" over all calls). Click a service to search its traces.
      </figcaption>
    </figure>
  );
}

const severity = (r: number | undefined) => (r === undefined ? 'unknown' : r >= ERROR_RATIO_BAD ? 'bad' : r > 0 ? 'degraded' : 'ok');
const edgeLabel = (calls: number, ratio: number | undefined) => `${calls.toLocaleString('en-US')} ${calls === 1 ? 'call' : 'calls'} · ${formatRatio(ratio)} errors`;
const searchOf = (service: string) => urlWith('/search', { service });

function Graph({ layout, ratios }: { layout: GraphLayout; ratios: Map<string, number> | undefined }) {
  return (
    <svg class="service-graph" width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`} role="group" aria-label={`Service map: ${layout.nodes.length} services, ${layout.edges.length} call edges`}>
      <defs>
        <marker id="svc-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
        </marker>
      </defs>
      {layout.edges.map((e) => {
        const ratio = ratios?.get(e.child);
        const p = edgeLabelPoint(e);
        const label = edgeLabel(e.callCount, ratio);
        return (
          <g key={`${e.parent}->${e.child}`} class={`svc-edge ${severity(ratio)}`} data-testid="service-edge" data-parent={e.parent} data-child={e.child} data-calls={e.callCount} data-error-ratio={ratio ?? ''}>
            <title>{`${e.parent} → ${e.child}: ${label}`}</title>
            <path d={edgePath(e)} marker-end="url(#svc-arrow)" />
            <text x={p.x} y={p.y} text-anchor="middle">
              {label}
            </text>
          </g>
        );
      })}
      {layout.nodes.map((n) => (
        <Node key={n.name} node={n} ratio={ratios?.get(n.name)} />
      ))}
    </svg>
  );
}

function Node({ node, ratio }: { node: PlacedNode; ratio: number | undefined }) {
  const { nodeWidth: w, nodeHeight: h } = LAYOUT;
  const name = node.name.length > 20 ? `${node.name.slice(0, 19)}…` : node.name;
  const go = () => navigate(searchOf(node.name));
  return (
    <g
      class={`svc-node ${severity(ratio)}`}
      data-testid="service-node"
      data-service={node.name}
      role="link"
      tabindex={0}
      aria-label={`${node.name}, error ratio ${formatRatio(ratio)}: search its traces`}
      onClick={go}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          go();
        }
      }}
    >
      <title>{node.name}</title>
      <rect x={node.x - w / 2} y={node.y - h / 2} width={w} height={h} rx="6" />
      <text x={node.x} y={node.y - 2} text-anchor="middle" class="svc-name">
        {name}
      </text>
      <text x={node.x} y={node.y + 12} text-anchor="middle" class="svc-ratio">
        {formatRatio(ratio)} errors
      </text>
    </g>
  );
}

/** The edges as a table: shown instead of the drawing on narrow screens. */
function EdgeTable({ edges, ratios }: { edges: Edge[]; ratios: Map<string, number> | undefined }) {
  if (edges.length === 0) return null;
  const sorted = [...edges].sort((a, b) => b.callCount - a.callCount || (a.parent + a.child < b.parent + b.child ? -1 : 1));
  return (
    <table class="service-table" aria-label="Calls between services">
      <thead>
        <tr>
          <th scope="col">Caller</th>
          <th scope="col">Callee</th>
          <th scope="col" class="num">
            Calls
          </th>
          <th scope="col" class="num">
            Callee errors
          </th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((e) => {
          const ratio = ratios?.get(e.child);
          return (
            <tr key={`${e.parent}->${e.child}`} data-testid="service-edge-row" data-parent={e.parent} data-child={e.child} class={severity(ratio)}>
              <td>
                <a href={searchOf(e.parent)}>{e.parent}</a>
              </td>
              <td>
                <a href={searchOf(e.child)}>{e.child}</a>
              </td>
              <td class="num">{e.callCount.toLocaleString('en-US')}</td>
              <td class="num">{formatRatio(ratio)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
