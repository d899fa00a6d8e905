/**
 * Go text/template for Braid, as Prometheus uses it in rule labels and annotations and as
 * Alertmanager uses it for notification bodies: `expandTemplate` (alert templates, Prometheus's
 * functions and `$labels`/`$value`...), `parseTemplate` (syntax check at rule load),
 * `renderTemplate` (any data, e.g. a webhook body).
 */
import { BraidError } from '../../errors.js';
import type { Labels } from '../../promql/types.js';
import { builtins } from './builtins.js';
import { execute, TemplateExecError, type TemplateFunc } from './exec.js';
import { PROMETHEUS_FUNCTIONS, type PrometheusContext, type TemplateQuery } from './functions.js';
import type { Tree } from './nodes.js';
import { parse, TemplateParseError } from './parser.js';
import { extraFunctions } from './extra.js';
import { stringMap } from './values.js';

export type { TemplateFunc } from './exec.js';
export type { TemplateQuery, TemplateSample } from './functions.js';
export { GoDuration, GoTime, stringMap } from './values.js';

/** What Prometheus prepends to every alert template (rules/alerting.go). */
export const ALERT_TEMPLATE_DEFS = '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

/** The data of an alert template: the alert's labels and value. */
export interface AlertTemplateData {
  labels: Labels;
  externalLabels: Labels;
  externalURL: string;
  value: number;
}

/** Options of expandTemplate: `query` runs PromQL for the `query` function; `name` names the template in errors; `timeMs` is `now`. */
export interface ExpandOptions {
  query?: TemplateQuery;
  name?: string;
  timeMs?: number;
}

const ALERT_FUNCS: Record<string, TemplateFunc> = { ...builtins, ...PROMETHEUS_FUNCTIONS };
const BODY_FUNCS: Record<string, TemplateFunc> = { ...builtins, ...PROMETHEUS_FUNCTIONS, ...extraFunctions };
const PROMETHEUS_NAMES = new Set(Object.keys(ALERT_FUNCS));
/** Parsed templates by kind + name, then by text (the rule's own string: its hash is computed once). */
const cache = new Map<string, Map<string, Map<string, Tree>>>();
let cached = 0;
const CACHE_MAX = 1000;

function parseCached(text: string, name: string, has: (n: string) => boolean, kind: string, prefix = ''): Map<string, Tree> {
  const outer = `${kind}\u0000${name}`;
  let byText = cache.get(outer);
  let trees = byText?.get(text);
  if (trees === undefined) {
    trees = parse(prefix + text, name, has);
    if (cached >= CACHE_MAX) {
      cache.clear();
      cached = 0;
    }
    if (byText === undefined) cache.set(outer, (byText = new Map()));
    byText.set(text, trees);
    cached++;
  }
  return trees;
}

/**
 * Expands one alert label or annotation template as Prometheus does: the result, or
 * `<error expanding template: ...>` with Prometheus's message when it fails (never throws).
 */
export async function expandTemplate(text: string, data: AlertTemplateData, opts: ExpandOptions = {}): Promise<string> {
  if (!text.includes('{{')) return text;
  const name = opts.name ?? '__alert';
  let trees: Map<string, Tree>;
  try {
    trees = parseCached(text, name, (n) => PROMETHEUS_NAMES.has(n), 'prometheus', ALERT_TEMPLATE_DEFS);
  } catch (e) {
    return `<error expanding template: error parsing template ${name}: ${(e as Error).message}>`;
  }
  const ctx: PrometheusContext = { query: opts.query, timeMs: opts.timeMs ?? Date.now(), externalURL: data.externalURL };
  const dot = {
    Labels: stringMap({ ...data.labels }),
    ExternalLabels: stringMap({ ...data.externalLabels }),
    ExternalURL: data.externalURL,
    Value: data.value,
  };
  try {
    return await execute(trees, name, dot, ALERT_FUNCS, ctx);
  } catch (e) {
    if (e instanceof TemplateExecError) return `<error expanding template: error executing template ${name}: ${e.message}>`;
    return `<error expanding template: panic expanding template ${name}: ${(e as Error).message}>`;
  }
}

/** Checks an alert template's syntax (with Prometheus's `$labels`... prepended); throws BRAID_ERR_TEMPLATE_PARSE with Go's message. */
export function parseTemplate(text: string, name: string): void {
  try {
    parseCached(text, name, (n) => PROMETHEUS_NAMES.has(n), 'prometheus', ALERT_TEMPLATE_DEFS);
  } catch (e) {
    if (e instanceof TemplateParseError) throw new BraidError('BRAID_ERR_TEMPLATE_PARSE', `error parsing template ${name}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Renders a template over any data (a webhook body over the notification payload) with Go's
 * builtins, Prometheus's formatting functions and Alertmanager's string functions, plus `funcs`.
 * Throws BRAID_ERR_TEMPLATE_PARSE or BRAID_ERR_TEMPLATE_EXEC with Go's message.
 */
export async function renderTemplate(text: string, data: unknown, funcs: Record<string, TemplateFunc> = {}, name = 'body'): Promise<string> {
  const all: Record<string, TemplateFunc> = { ...BODY_FUNCS, ...funcs };
  const ctx: PrometheusContext = { timeMs: Date.now(), externalURL: '' };
  let trees: Map<string, Tree>;
  try {
    trees = parseCached(text, name, (n) => n in all || n === 'tmpl', Object.keys(funcs).sort().join(','));
  } catch (e) {
    if (e instanceof TemplateParseError) throw new BraidError('BRAID_ERR_TEMPLATE_PARSE', e.message, { cause: e });
    throw e;
  }
  // `tmpl "name" data`: a defined template's output as a string (Prometheus's console templates
  // have it), so a body can JSON-escape a block of text with `tmpl "text" . | toJson`.
  all['tmpl'] = async (tmplName: unknown, tmplData: unknown) => execute(trees, String(tmplName), tmplData, all, ctx);
  try {
    return await execute(trees, name, data, all, ctx);
  } catch (e) {
    if (e instanceof TemplateExecError) throw new BraidError('BRAID_ERR_TEMPLATE_EXEC', e.message, { cause: e });
    throw e;
  }
}

/** Checks a body template's syntax (for config check); throws BRAID_ERR_TEMPLATE_PARSE. */
export function checkTemplate(text: string, name = 'body', funcNames: string[] = []): void {
  const has = (n: string): boolean => n in BODY_FUNCS || n === 'tmpl' || funcNames.includes(n);
  try {
    parse(text, name, has);
  } catch (e) {
    if (e instanceof TemplateParseError) throw new BraidError('BRAID_ERR_TEMPLATE_PARSE', e.message, { cause: e });
    throw e;
  }
}
