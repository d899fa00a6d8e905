/**
 * Does what Grafana 11.6 does with a dashboard, without Grafana (issue 10): resolves the
 * template variables with the requests Grafana sends for them, computes each panel's time range,
 * width and interval, sends every panel target's request as its data source would (requests built
 * by grafana-queries.ts) and returns, per panel and target, what came back and whether a panel
 * would show data. Also the data sources' health checks ("Save & test").
 */
import type { ProvisionedDatasource } from './grafana-datasources.js';
import { findDatasource, jsonString } from './grafana-datasources.js';
import { elasticsearchRequest, jaegerRequest, labelValuesRequest, prometheusAnnotationRequests, prometheusRequests, rulesRequest, type HttpRequestSpec, type QueryContext, type Target } from './grafana-queries.js';
import { ALL_VALUE, type ScopedVars, type VariableState } from './grafana-template.js';
import { calculateInterval } from './grafana-time.js';

/** A dashboard as the JSON files hold it; only the fields the emulation reads are typed. */
export interface DashboardJson {
  uid?: string;
  title?: string;
  time?: { from: string; to: string };
  templating?: { list?: Array<Record<string, unknown>> };
  annotations?: { list?: Array<Record<string, unknown>> };
  panels?: PanelJson[];
}

/** A panel of the dashboard JSON. */
export interface PanelJson {
  id?: number;
  type: string;
  title?: string;
  gridPos?: { w: number; h: number; x: number; y: number };
  datasource?: unknown;
  targets?: Target[];
  maxDataPoints?: number;
  interval?: string;
  options?: Record<string, unknown>;
  panels?: PanelJson[];
}

/** What one request returned. */
export interface Exchange {
  request: HttpRequestSpec;
  status: number;
  body: unknown;
}

/** The outcome of one panel target: its request(s), the answers, and whether Grafana would draw data. */
export interface TargetResult {
  dashboard: string;
  panel: string;
  panelType: string;
  refId: string;
  datasource: string;
  /** What kind of request: prometheus query_range/query/query_exemplars, jaeger, elasticsearch, rules. */
  kind: string;
  exchange?: Exchange;
  hasData: boolean;
  /** Why there is no data, when there is none (an error before or after sending, or an empty answer). */
  problem?: string;
}

/** Options of an emulated dashboard load. */
export interface EmulateOptions {
  datasources: ProvisionedDatasource[];
  /** "now" of the time picker; default Date.now(). */
  nowMs?: number;
  /** Overrides the dashboard's time range (Grafana's time picker). */
  time?: { from: string; to: string };
  /** The browser window's width in px; a panel of gridPos.w columns is w/24 of it, less padding. */
  viewportWidth?: number;
  /** Sends a request; default: fetch. */
  send?: (r: HttpRequestSpec) => Promise<Exchange>;
}

/** The variables and per-target results of one dashboard. */
export interface DashboardResult {
  variables: VariableState[];
  variableExchanges: Exchange[];
  targets: TargetResult[];
}

const UNITS_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3_600e3, d: 86_400e3, w: 604_800e3 };

/** Grafana's relative time ("now", "now-15m", "now-6h"); other expressions are refused by name. */
export function parseRelativeTime(text: string, nowMs: number): number {
  if (text === 'now') return nowMs;
  const m = /^now-(\d+)([smhdw])$/.exec(text);
  if (!m) throw new Error(`unsupported time "${text}": the emulation handles now and now-<n><s|m|h|d|w>`);
  return nowMs - Number(m[1]) * UNITS_MS[m[2]!]!;
}

/** A panel's width in px in a window `viewport` px wide: 24 columns, 8 px padding each side of the panel content. */
export function panelWidth(w: number, viewport: number): number {
  return Math.max(1, Math.floor((w / 24) * viewport) - 16);
}

/** Every panel with targets, rows' collapsed panels included. */
export function flattenPanels(panels: PanelJson[] = []): PanelJson[] {
  return panels.flatMap((p) => (p.type === 'row' ? flattenPanels(p.panels) : [p]));
}

/** Sends with fetch and reads the answer as JSON when it is JSON. */
export async function sendRequest(r: HttpRequestSpec): Promise<Exchange> {
  const res = await fetch(r.url, { method: r.method, headers: r.headers, ...(r.body !== undefined ? { body: r.body } : {}) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the report
  }
  return { request: r, status: res.status, body };
}

/** The built-in variables of a time range (scenes' and templateSrv's macros). */
export function rangeScopedVars(fromMs: number, toMs: number): ScopedVars {
  const rangeMs = toMs - fromMs;
  const rangeS = Math.round(rangeMs / 1000);
  return { __from: String(fromMs), __to: String(toMs), __range_ms: String(rangeMs), __range_s: String(rangeS), __range: `${rangeS}s` };
}

/** Resolves the dashboard's variables in order, sending the query variables' requests. */
export async function resolveVariables(dash: DashboardJson, opts: Required<Pick<EmulateOptions, 'datasources' | 'send'>>, fromMs: number, toMs: number): Promise<{ variables: VariableState[]; exchanges: Exchange[] }> {
  const variables: VariableState[] = [];
  const exchanges: Exchange[] = [];
  for (const raw of dash.templating?.list ?? []) {
    const name = String(raw.name);
    const where = `dashboard ${dash.uid}: variable ${name}`;
    const base = { name, multi: raw.multi === true, includeAll: raw.includeAll === true, ...(typeof raw.allValue === 'string' && raw.allValue !== '' ? { allValue: raw.allValue } : {}) };
    let options: string[];
    if (raw.type === 'query') {
      const ds = findDatasource(opts.datasources, raw.datasource, where);
      if (ds.type !== 'prometheus') throw new Error(`${where}: query variables of ${ds.type} data sources are not handled by the emulation`);
      const q = typeof raw.query === 'string' ? raw.query : String((raw.query as { query?: unknown } | undefined)?.query ?? '');
      const scoped = { ...rangeScopedVars(fromMs, toMs), __interval: jsonString(ds, 'timeInterval') || '15s' };
      const ex = await opts.send(labelValuesRequest(q, ds, { fromMs, toMs, variables, scoped }));
      exchanges.push(ex);
      const data = (ex.body as { data?: unknown }).data;
      if (ex.status !== 200 || !Array.isArray(data)) throw new Error(`${where}: ${ex.request.method} ${ex.request.url} answered ${ex.status} ${JSON.stringify(ex.body).slice(0, 500)}`);
      options = sortOptions(filterOptions(data.map(String), raw.regex, where), raw.sort, where);
    } else if (raw.type === 'custom') {
      options = String(raw.query ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    } else if (raw.type === 'constant' || raw.type === 'textbox' || raw.type === 'interval') {
      options = [String(raw.query ?? '')];
    } else {
      throw new Error(`${where}: variables of type ${String(raw.type)} are not handled by the emulation`);
    }
    variables.push({ ...base, options, current: selectCurrent(raw, base, options) });
  }
  return { variables, exchanges };
}

/** The variable's regex: keeps matching options, or the first capture group's text when it has one. */
export function filterOptions(options: string[], regex: unknown, where: string): string[] {
  if (typeof regex !== 'string' || regex === '') return options;
  // stringToJsRegex: /re/flags as written, a bare pattern anchored at both ends.
  const m = /^\/(.*?)\/(g?i?m?y?s?)$/.exec(regex);
  if (regex.startsWith('/') && !m) throw new Error(`${where}: regex ${JSON.stringify(regex)} is not a valid /pattern/flags`);
  const re = m ? new RegExp(m[1]!, m[2]!.replace('g', '')) : new RegExp(`^${regex}$`);
  const out: string[] = [];
  for (const o of options) {
    const hit = re.exec(o);
    if (hit) out.push(hit[1] ?? hit[0]);
  }
  return [...new Set(out)];
}

/** The variable's sort (0 as returned; 1/2 alphabetical; 5/6 alphabetical ignoring case); others are refused by name. */
export function sortOptions(options: string[], sort: unknown, where: string): string[] {
  const order = typeof sort === 'number' ? sort : 0;
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const byLower = (a: string, b: string) => byText(a.toLowerCase(), b.toLowerCase());
  switch (order) {
    case 0:
      return options;
    case 1:
      return [...options].sort(byText);
    case 2:
      return [...options].sort(byText).reverse();
    case 5:
      return [...options].sort(byLower);
    case 6:
      return [...options].sort(byLower).reverse();
    default:
      throw new Error(`${where}: variable sort ${order} is not handled by the emulation (0, 1, 2, 5, 6 are)`);
  }
}

/**
 * The selection after a refresh (scenes' MultiValueVariable): the saved value when still an
 * option (or All), else All when the variable includes All, else the first option.
 */
export function selectCurrent(raw: Record<string, unknown>, v: { multi: boolean; includeAll: boolean }, options: string[]): string[] {
  const saved = (raw.current as { value?: unknown } | undefined)?.value;
  const values = (Array.isArray(saved) ? saved : saved === undefined || saved === '' ? [] : [saved]).map(String);
  if (values.includes(ALL_VALUE) && v.includeAll) return [ALL_VALUE];
  const kept = values.filter((x) => options.includes(x));
  if (kept.length > 0) return v.multi ? kept : [kept[0]!];
  if (v.includeAll) return [ALL_VALUE];
  return options.length > 0 ? [options[0]!] : [];
}

/** The lower interval limit of a panel's request: the panel's min interval, else the data source's. */
function lowLimit(panel: PanelJson, ds: ProvisionedDatasource): string | undefined {
  if (panel.interval) return panel.interval;
  const own = jsonString(ds, 'timeInterval');
  return own !== '' ? own : ds.type === 'prometheus' ? '15s' : undefined;
}

/** Loads a dashboard as Grafana would and runs every panel target. */
export async function emulateDashboard(dash: DashboardJson, options: EmulateOptions): Promise<DashboardResult> {
  const nowMs = options.nowMs ?? Date.now();
  const send = options.send ?? sendRequest;
  const time = options.time ?? dash.time ?? { from: 'now-6h', to: 'now' };
  const fromMs = parseRelativeTime(time.from, nowMs);
  const toMs = parseRelativeTime(time.to, nowMs);
  const { variables, exchanges } = await resolveVariables(dash, { datasources: options.datasources, send }, fromMs, toMs);
  const targets: TargetResult[] = await runAnnotations(dash, { ...options, send, variables, fromMs, toMs });
  for (const panel of flattenPanels(dash.panels)) {
    targets.push(...(await runPanel(dash, panel, { ...options, send, variables, fromMs, toMs })));
  }
  return { variables, variableExchanges: exchanges, targets };
}

interface PanelRun extends EmulateOptions {
  send: (r: HttpRequestSpec) => Promise<Exchange>;
  variables: VariableState[];
  fromMs: number;
  toMs: number;
}

/**
 * The dashboard's enabled annotations: Prometheus ones run as annotationQuery does and need a
 * sample above 0 (an event); Grafana's built-in annotations never reach Braid and are skipped.
 */
async function runAnnotations(dash: DashboardJson, run: PanelRun): Promise<TargetResult[]> {
  const out: TargetResult[] = [];
  for (const a of dash.annotations?.list ?? []) {
    if (a.enable === false || a.builtIn === 1 || (a.datasource as { type?: string } | undefined)?.type === 'grafana') continue;
    const base = { dashboard: dash.uid ?? dash.title ?? '?', panel: `annotation ${String(a.name)}`, panelType: 'annotation', refId: 'X' };
    let ds: ProvisionedDatasource;
    try {
      ds = findDatasource(run.datasources, a.datasource, base.panel);
    } catch (err) {
      out.push({ ...base, datasource: '?', kind: 'annotation', hasData: false, problem: (err as Error).message });
      continue;
    }
    if (ds.type !== 'prometheus') {
      out.push({ ...base, datasource: ds.uid, kind: 'annotation', hasData: false, problem: `annotations of ${ds.type} data sources are not handled by the emulation` });
      continue;
    }
    for (const r of build(() => prometheusAnnotationRequests(a, ds, run), { ...base, datasource: ds.uid }, 'annotation', out)) {
      const exchange = await run.send(r);
      const series = ((exchange.body as { data?: { result?: Array<{ values?: Array<[number, string]> }> } }).data?.result ?? []);
      const problem = judge(kindOf(r), exchange.status, exchange.body) ?? (series.some((s) => (s.values ?? []).some(([, v]) => Number(v) > 0)) ? undefined : 'no sample above 0, so no event');
      out.push({ ...base, datasource: ds.uid, kind: `annotation ${kindOf(r)}`, exchange, hasData: problem === undefined, ...(problem !== undefined ? { problem } : {}) });
    }
  }
  return out;
}

/** The query context a panel's query runner computes for a data source. */
function contextFor(panel: PanelJson, ds: ProvisionedDatasource, run: PanelRun): QueryContext {
  const width = panelWidth(panel.gridPos?.w ?? 24, run.viewportWidth ?? 1920);
  const maxDataPoints = panel.maxDataPoints ?? width;
  const { intervalMs, interval } = calculateInterval(run.fromMs, run.toMs, maxDataPoints, lowLimit(panel, ds));
  const scoped = { ...rangeScopedVars(run.fromMs, run.toMs), __interval: interval, __interval_ms: String(intervalMs) };
  return { fromMs: run.fromMs, toMs: run.toMs, maxDataPoints, intervalMs, interval, variables: run.variables, scoped };
}

async function runPanel(dash: DashboardJson, panel: PanelJson, run: PanelRun): Promise<TargetResult[]> {
  const title = panel.title ?? `panel ${panel.id}`;
  const base = { dashboard: dash.uid ?? dash.title ?? '?', panel: title, panelType: panel.type };
  if (panel.type === 'alertlist') return [await runAlertList(panel, base, run)];
  const targets = panel.targets ?? [];
  const out: TargetResult[] = [];
  const esTargets: Array<{ t: Target; ds: ProvisionedDatasource }> = [];
  let firstJaeger = true;
  for (const t of targets) {
    const refId = t.refId ?? '?';
    let ds: ProvisionedDatasource;
    try {
      ds = findDatasource(run.datasources, t.datasource ?? panel.datasource, `${title}/${refId}`);
    } catch (err) {
      out.push({ ...base, refId, datasource: '?', kind: '?', hasData: false, problem: (err as Error).message });
      continue;
    }
    const res = { ...base, refId, datasource: ds.uid };
    if (t.hide === true) continue;
    const ctx = contextFor(panel, ds, run);
    if (ds.type === 'elasticsearch') {
      esTargets.push({ t, ds });
    } else if (ds.type === 'prometheus') {
      for (const r of build(() => prometheusRequests(t, ds, ctx), res, 'prometheus', out)) out.push(await exchangeResult(res, kindOf(r), r, run.send));
    } else if (ds.type === 'jaeger') {
      if (!firstJaeger) {
        out.push({ ...res, kind: 'jaeger', hasData: false, problem: "Grafana 11.6's Jaeger data source runs only the first target of a panel; this one is never sent" });
        continue;
      }
      firstJaeger = false;
      for (const r of build(() => [jaegerRequest(t, ds, ctx)], res, 'jaeger', out)) out.push(await exchangeResult(res, 'jaeger', r, run.send));
    } else {
      out.push({ ...res, kind: ds.type, hasData: false, problem: `data source type ${ds.type} is not handled by the emulation` });
    }
  }
  out.push(...(await runElasticsearch(panel, base, esTargets, run)));
  return out;
}

/** Builds requests, turning a build error (as Grafana would show it) into a failed result. */
function build(f: () => HttpRequestSpec[], res: Omit<TargetResult, 'kind' | 'hasData'>, kind: string, out: TargetResult[]): HttpRequestSpec[] {
  try {
    return f();
  } catch (err) {
    out.push({ ...res, kind, hasData: false, problem: (err as Error).message });
    return [];
  }
}

const kindOf = (r: HttpRequestSpec): string => `prometheus ${/api\/v1\/(\w+)/.exec(r.url)?.[1] ?? '?'}`;

async function exchangeResult(res: Omit<TargetResult, 'kind' | 'hasData'>, kind: string, r: HttpRequestSpec, send: PanelRun['send']): Promise<TargetResult> {
  const exchange = await send(r);
  const problem = judge(kind, exchange.status, exchange.body);
  return { ...res, kind, exchange, hasData: problem === undefined, ...(problem !== undefined ? { problem } : {}) };
}

/** Why an answer would leave the panel empty, or undefined when it has data. */
export function judge(kind: string, status: number, body: unknown): string | undefined {
  if (status !== 200) return `HTTP ${status}`;
  const b = body as Record<string, unknown>;
  if (kind.startsWith('prometheus')) {
    const data = b.data as { result?: unknown[] } | unknown[] | undefined;
    if (b.status !== 'success') return `status ${String(b.status)}`;
    const list = Array.isArray(data) ? data : data?.result;
    if (!Array.isArray(list) || list.length === 0) return 'empty result';
    if (kind.endsWith('query_range') && !list.some((s) => ((s as { values?: unknown[] }).values?.length ?? 0) > 0)) return 'series without samples';
    return undefined;
  }
  if (kind === 'jaeger') return Array.isArray(b.data) && b.data.length > 0 ? undefined : 'no traces / no dependencies';
  if (kind === 'rules') {
    const groups = ((b.data as { groups?: Array<{ rules?: unknown[] }> } | undefined)?.groups ?? []);
    return groups.some((g) => (g.rules?.length ?? 0) > 0) ? undefined : 'no rules';
  }
  if (kind === 'elasticsearch') return esHasData(b) ? undefined : 'no hits and no non-empty buckets';
  return `unknown kind ${kind}`;
}

/** A search response with hits (all a logs or raw data panel shows), or else some aggregation bucket that counted documents. */
export function esHasData(r: Record<string, unknown>, documents = false): boolean {
  if (r.error !== undefined) return false;
  const hits = (r.hits as { hits?: unknown[] } | undefined)?.hits ?? [];
  if (hits.length > 0 || documents) return hits.length > 0;
  const walk = (node: unknown): boolean => {
    if (Array.isArray(node)) return node.some(walk);
    if (node === null || typeof node !== 'object') return false;
    const o = node as Record<string, unknown>;
    if (typeof o.doc_count === 'number' && o.doc_count > 0 && o.key !== undefined) return true;
    return Object.values(o).some(walk);
  };
  return walk(r.aggregations);
}

async function runElasticsearch(panel: PanelJson, base: { dashboard: string; panel: string; panelType: string }, list: Array<{ t: Target; ds: ProvisionedDatasource }>, run: PanelRun): Promise<TargetResult[]> {
  const out: TargetResult[] = [];
  for (const ds of [...new Set(list.map((x) => x.ds))]) {
    const mine = list.filter((x) => x.ds === ds).map((x) => x.t);
    const ctx = contextFor(panel, ds, run);
    const [request] = build(() => [elasticsearchRequest(mine, ds, ctx)], { ...base, refId: mine.map((t) => t.refId).join(','), datasource: ds.uid }, 'elasticsearch', out);
    if (!request) continue;
    const exchange = await run.send(request);
    const responses = ((exchange.body as { responses?: Array<Record<string, unknown>> }).responses ?? []);
    mine.forEach((t, i) => {
      const r = responses[i];
      const documents = ['logs', 'raw_data', 'raw_document'].includes(((t.metrics as Array<{ type?: string }> | undefined) ?? [])[0]?.type ?? '');
      const problem = exchange.status !== 200 ? `HTTP ${exchange.status}` : r === undefined ? 'no response for this target' : esHasData(r, documents) ? undefined : r.error !== undefined ? `error ${JSON.stringify(r.error).slice(0, 300)}` : documents ? 'no hits' : 'no hits and no non-empty buckets';
      out.push({ ...base, refId: t.refId ?? '?', datasource: ds.uid, kind: 'elasticsearch', exchange: { ...exchange, body: r ?? exchange.body }, hasData: problem === undefined, ...(problem !== undefined ? { problem } : {}) });
    });
  }
  return out;
}

/** The alert list panel: Grafana reads the data-source-managed rules of the named Prometheus source. */
async function runAlertList(panel: PanelJson, base: { dashboard: string; panel: string; panelType: string }, run: PanelRun): Promise<TargetResult> {
  const named = panel.options?.datasource;
  const candidates = run.datasources.filter((d) => d.type === 'prometheus' && (named === undefined || named === d.name || named === d.uid));
  const ds = candidates[0];
  if (!ds) return { ...base, refId: '-', datasource: String(named), kind: 'rules', hasData: false, problem: `alert list names data source ${JSON.stringify(named)}, which is not a provisioned Prometheus source` };
  const res = { ...base, refId: '-', datasource: ds.uid, kind: 'rules' };
  const labelFilter = panel.options?.alertInstanceLabelFilter;
  if (typeof labelFilter === 'string' && labelFilter !== '') return { ...res, hasData: false, problem: 'alertInstanceLabelFilter is not handled by the emulation' };
  const exchange = await run.send(rulesRequest(ds));
  const problem = judge('rules', exchange.status, exchange.body) ?? alertListProblem(exchange.body, panel.options ?? {});
  return { ...res, exchange, hasData: problem === undefined, ...(problem !== undefined ? { problem } : {}) };
}

/** Rule states of the alert list's stateFilter, as Prometheus's rules API names them. */
const LIST_STATES: Record<string, (rule: { state?: string; health?: string; alerts?: Array<{ state?: string }> }) => boolean> = {
  firing: (r) => (r.alerts ?? []).some((a) => a.state === 'firing'),
  pending: (r) => (r.alerts ?? []).some((a) => a.state === 'pending'),
  normal: (r) => r.state === 'inactive',
  error: (r) => r.health === 'err',
  noData: (r) => r.health === 'nodata',
};

/** Why the alert list would show nothing: no alerting rule (with the name filter) in a state the panel lists. */
export function alertListProblem(body: unknown, options: Record<string, unknown>): string | undefined {
  const groups = ((body as { data?: { groups?: Array<{ rules?: Array<Record<string, unknown>> }> } }).data?.groups ?? []);
  const name = typeof options.alertName === 'string' ? options.alertName.toLowerCase() : '';
  const rules = groups.flatMap((g) => g.rules ?? []).filter((r) => r.type === 'alerting' && String(r.name).toLowerCase().includes(name));
  const filter = (options.stateFilter ?? {}) as Record<string, boolean>;
  const wanted = Object.keys(filter).filter((k) => filter[k] === true);
  for (const k of wanted) if (!(k in LIST_STATES)) return `stateFilter ${k} is not handled by the emulation`;
  const shown = wanted.length === 0 ? rules : rules.filter((r) => wanted.some((k) => LIST_STATES[k]!(r)));
  return shown.length > 0 ? undefined : `no alerting rule in state ${wanted.join('/') || 'any'}${name ? ` named like "${name}"` : ''} (${rules.length} alerting rules)`;
}

/** A failed target as a readable paragraph: panel, request, answer (cut at `max` characters). */
export function describeResult(r: TargetResult, max = 1_500): string {
  const req = r.exchange?.request;
  const lines = [`${r.dashboard} / "${r.panel}" (${r.panelType}) target ${r.refId} on ${r.datasource} [${r.kind}]: ${r.problem ?? 'ok'}`];
  if (req) lines.push(`  request: ${req.method} ${req.url}${req.body !== undefined ? `\n  body: ${req.body.slice(0, max)}` : ''}`);
  if (r.exchange) lines.push(`  response ${r.exchange.status}: ${JSON.stringify(r.exchange.body).slice(0, max)}`);
  return lines.join('\n');
}

export { healthChecks, type HealthResult } from './grafana-health.js';
