/**
 * Checks on generated dashboard JSON that could really break: each returns the problems it found,
 * as `<file>: <what>` lines, so a failing test names the file and the panel.
 */
import type { Expr } from '../../src/promql/ast.js';
import { parseExpr } from '../../src/promql/parse.js';

/** A provisioned data source. */
export interface Provisioned {
  name: string;
  uid: string;
  type: string;
}

/** The parts of Grafana's dashboard JSON the checks read. */
export interface DashboardJson {
  uid: string;
  templating?: { list?: { name: string; query?: unknown; datasource?: { uid?: string } }[] };
  annotations?: { list?: AnnotationJson[] };
  panels?: PanelJson[];
}

/** An annotation query as the checks read it (Grafana's built-in one has builtIn 1). */
export interface AnnotationJson {
  name: string;
  builtIn?: number;
  datasource?: { type?: string; uid?: string };
  expr?: string;
}

/** The annotation queries that read a data source (Grafana's built-in one reads Grafana). */
const queries = (d: DashboardJson) => (d.annotations?.list ?? []).filter((a) => a.builtIn !== 1);

/** A panel as the checks read it. */
export interface PanelJson {
  id?: number;
  type: string;
  title?: string;
  description?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: TargetJson[];
  options?: { datasource?: string };
  fieldConfig?: { defaults?: { unit?: string } };
}

/** A target as the checks read it. */
export interface TargetJson {
  refId?: string;
  datasource?: { type?: string; uid?: string };
  expr?: string;
  legendFormat?: string;
  [k: string]: unknown;
}

/** Grafana's built-in variables a target may use (the contract's list). */
export const BUILT_INS = ['__rate_interval', '__interval', '__range', '__range_s', '__from', '__to'];

const panelName = (p: PanelJson) => `panel ${p.id ?? '?'} "${p.title ?? ''}"`;
const withTargets = (d: DashboardJson) => (d.panels ?? []).filter((p) => (p.targets ?? []).length > 0);

/** Every panel's and target's data source is provisioned with that uid and type; the alert list names a provisioned Prometheus. */
export function datasourceProblems(file: string, d: DashboardJson, provisioned: Provisioned[]): string[] {
  const out: string[] = [];
  const check = (where: string, ref: { type?: string; uid?: string } | undefined) => {
    const ds = provisioned.find((p) => p.uid === ref?.uid);
    if (ds === undefined) out.push(`${file}: ${where}: data source uid ${JSON.stringify(ref?.uid)} is not provisioned`);
    else if (ds.type !== ref?.type) out.push(`${file}: ${where}: data source ${ds.uid} has type ${ds.type}, not ${JSON.stringify(ref?.type)}`);
  };
  for (const p of d.panels ?? []) {
    if (p.datasource !== undefined) check(panelName(p), p.datasource);
    for (const t of p.targets ?? []) check(`${panelName(p)} target ${t.refId ?? '?'}`, t.datasource);
    if (p.type === 'alertlist' && !provisioned.some((s) => s.type === 'prometheus' && s.name === p.options?.datasource)) {
      out.push(`${file}: ${panelName(p)}: alert list source ${JSON.stringify(p.options?.datasource)} is not a provisioned Prometheus data source's name`);
    }
  }
  for (const v of d.templating?.list ?? []) if (v.datasource !== undefined) check(`variable ${v.name}`, v.datasource);
  for (const a of queries(d)) check(`annotation ${a.name}`, a.datasource);
  return out;
}

/** Names of the variables a string uses: `$name`, `${name}`, `${name:format}`, `[[name]]`. */
export function variablesIn(text: string): string[] {
  return [...text.matchAll(/\$\{(\w+)(?:[:.][^}]*)?\}|\$(\w+)|\[\[(\w+)(?::\w+)?\]\]/g)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v !== null && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

/** Every variable used in a target or a variable's query is defined on the dashboard or built in. */
export function variableProblems(file: string, d: DashboardJson): string[] {
  const vars = d.templating?.list ?? [];
  const known = new Set([...vars.map((v) => v.name), ...BUILT_INS]);
  const out: string[] = [];
  const check = (where: string, v: unknown) => {
    for (const name of new Set(strings(v).flatMap(variablesIn))) if (!known.has(name)) out.push(`${file}: ${where}: $${name} is neither a variable of the dashboard nor a built-in`);
  };
  for (const p of d.panels ?? []) for (const t of p.targets ?? []) check(`${panelName(p)} target ${t.refId ?? '?'}`, t);
  for (const v of vars) check(`variable ${v.name}`, v.query);
  for (const a of queries(d)) check(`annotation ${a.name}`, a.expr);
  return out;
}

/** Unique panel ids; each panel inside the 24 columns, with a size; no two panels overlapping. */
export function gridProblems(file: string, d: DashboardJson): string[] {
  const out: string[] = [];
  const seen = new Set<number>();
  const placed: PanelJson[] = [];
  for (const p of d.panels ?? []) {
    if (p.id === undefined) out.push(`${file}: ${panelName(p)}: no id`);
    else if (seen.has(p.id)) out.push(`${file}: ${panelName(p)}: id ${p.id} used twice`);
    else seen.add(p.id);
    const g = p.gridPos;
    if (g === undefined) { out.push(`${file}: ${panelName(p)}: no gridPos`); continue; }
    if (!(g.x >= 0 && g.y >= 0 && g.w >= 1 && g.h >= 1 && g.x + g.w <= 24)) out.push(`${file}: ${panelName(p)}: gridPos ${JSON.stringify(g)} does not fit the 24-column grid`);
    for (const q of placed) {
      const r = q.gridPos!;
      if (g.x < r.x + r.w && r.x < g.x + g.w && g.y < r.y + r.h && r.y < g.y + g.h) out.push(`${file}: ${panelName(p)} overlaps ${panelName(q)}`);
    }
    placed.push(p);
  }
  return out;
}

/** Every panel says what it shows; Prometheus targets have a legend; panels of numbers have a unit. */
export function textProblems(file: string, d: DashboardJson): string[] {
  const out: string[] = [];
  for (const p of d.panels ?? []) {
    if (p.type === 'row') continue;
    if (!p.title || !p.description) out.push(`${file}: ${panelName(p)}: needs a title and a description`);
    if (['timeseries', 'stat', 'bargauge', 'heatmap', 'table'].includes(p.type) && !p.fieldConfig?.defaults?.unit) out.push(`${file}: ${panelName(p)}: no unit`);
    for (const t of p.targets ?? []) if (t.expr !== undefined && !t.legendFormat) out.push(`${file}: ${panelName(p)} target ${t.refId ?? '?'}: no legendFormat`);
  }
  return out;
}

/** Values that make an expression parse where Grafana would substitute a variable. */
const SAMPLE_VALUES: Record<string, string> = { __rate_interval: '1m', __interval: '15s', __range: '1h', __range_s: '3600', __from: '0', __to: '0' };
const substitute = (expr: string) => expr.replace(/\$\{(\w+)[^}]*\}|\$(\w+)/g, (_, a?: string, b?: string) => SAMPLE_VALUES[(a ?? b)!] ?? 'x');

/** The metric names an expression selects (by name or by an exact `__name__` matcher). */
export function metricNames(e: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(e)) for (const x of e) metricNames(x, out);
  else if (e !== null && typeof e === 'object') {
    const node = e as Expr & { matchers?: { name: string; type: string; value: string }[] };
    if (node.kind === 'vector') {
      const byMatcher = node.matchers?.find((m) => m.name === '__name__' && m.type === '=')?.value;
      const name = node.name ?? byMatcher;
      if (name !== undefined) out.add(name);
    }
    for (const v of Object.values(e)) metricNames(v, out);
  }
  return out;
}

/** Every Prometheus expression parses (with Braid's parser) and selects only metrics Braid exports. */
export function metricProblems(file: string, d: DashboardJson, exported: Set<string>): string[] {
  const out: string[] = [];
  const check = (where: string, expr: string) => {
    let names: Set<string>;
    try {
      names = metricNames(parseExpr(substitute(expr)).expr);
    } catch (err) {
      out.push(`${file}: ${where}: ${(err as Error).message} in ${expr}`);
      return;
    }
    for (const n of names) if (!exported.has(n)) out.push(`${file}: ${where}: ${n} is not a metric Braid exports`);
  };
  for (const p of withTargets(d)) for (const t of p.targets ?? []) if (t.expr !== undefined) check(`${panelName(p)} target ${t.refId ?? '?'}`, t.expr);
  for (const v of d.templating?.list ?? []) {
    const m = typeof v.query === 'string' ? /^label_values\((.+),\s*\w+\)$/.exec(v.query) : null;
    if (m !== null) check(`variable ${v.name}`, m[1]!);
  }
  for (const a of queries(d)) if (a.expr !== undefined) check(`annotation ${a.name}`, a.expr);
  return out;
}

/**
 * Jaeger searches name one service: a variable they use must be single-valued, since Grafana
 * would send a multi-value or All selection as `{a,b}`, a service that does not exist.
 */
export function jaegerProblems(file: string, d: DashboardJson): string[] {
  const vars = (d.templating?.list ?? []) as { name: string; multi?: boolean; includeAll?: boolean }[];
  const out: string[] = [];
  for (const p of d.panels ?? []) {
    for (const t of p.targets ?? []) {
      if (t.datasource?.type !== 'jaeger' || t.queryType !== 'search') continue;
      if (typeof t.service !== 'string' || t.service === '') out.push(`${file}: ${panelName(p)} target ${t.refId ?? '?'}: a Jaeger search needs a service`);
      for (const name of variablesIn(`${String(t.service ?? '')} ${String(t.operation ?? '')}`)) {
        const v = vars.find((x) => x.name === name);
        if (v?.multi === true || v?.includeAll === true) out.push(`${file}: ${panelName(p)} target ${t.refId ?? '?'}: $${name} is multi-valued or has All; a Jaeger search takes one value`);
      }
    }
  }
  return out;
}
