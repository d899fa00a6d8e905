/**
 * Grafana 11.6's template variable interpolation (features/templating template_srv and
 * @grafana/scenes' formatters, as documented under "Advanced variable format options"): the
 * `$var`, `${var}`, `${var:format}` and `[[var]]` syntaxes, the All value, and the formats the data
 * sources ask for: Prometheus's own regex escaping (interpolateQueryExpr), Elasticsearch's
 * `lucene`, and the default `glob` that Jaeger gets.
 */

/** The special value of a variable set to All. */
export const ALL_VALUE = '$__all';

/** A resolved variable: what the dashboard's template variable is set to. */
export interface VariableState {
  name: string;
  multi: boolean;
  includeAll: boolean;
  /** The custom all value, when the variable has one. */
  allValue?: string;
  /** The options the variable's query returned (without All). */
  options: string[];
  /** The selected values; [ALL_VALUE] for All. */
  current: string[];
}

/** How a data source formats a variable's value: a format name or Grafana's custom callback. */
export type Formatter = (value: string | string[], variable: VariableState) => string;

/** A scoped variable: a built-in such as __from or __interval, already a string. */
export type ScopedVars = Record<string, string>;

// Grafana's variable syntax: $name, [[name:fmt]], ${name.field:fmt}.
const VARIABLE_RE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

/** The value a variable contributes: All expands to allValue or every option. */
export function variableValue(v: VariableState): { value: string | string[]; customAll: boolean } {
  if (v.current.includes(ALL_VALUE)) {
    if (v.allValue !== undefined && v.allValue !== '') return { value: v.allValue, customAll: true };
    return { value: v.options, customAll: false };
  }
  return { value: v.multi ? v.current : (v.current[0] ?? ''), customAll: false };
}

/**
 * templateSrv.replace: substitutes variables and scoped built-ins in `text`; `format` is used when
 * the reference names none. Unknown names stay as written, as Grafana leaves them.
 */
export function interpolate(text: string, variables: VariableState[], scoped: ScopedVars, format?: string | Formatter): string {
  return text.replace(VARIABLE_RE, (match, n1?: string, n2?: string, f2?: string, n3?: string, _field?: string, f3?: string) => {
    const name = (n1 ?? n2 ?? n3)!;
    const fmt = f2 ?? f3;
    if (name in scoped) return formatBuiltin(name, scoped[name]!, fmt);
    const v = variables.find((x) => x.name === name);
    if (!v) return match;
    const { value, customAll } = variableValue(v);
    // A custom all value is used as is, whatever the format, except text (scenes' CustomAllValue).
    if (customAll) return fmt === 'text' ? 'All' : (value as string);
    const chosen = fmt ?? format;
    if (typeof chosen === 'function') return chosen(value, v);
    return formatValue(value, chosen ?? 'glob');
  });
}

/** A scoped built-in with an optional format: $__from/$__to take :date, :date:iso, :date:seconds. */
function formatBuiltin(name: string, value: string, fmt: string | undefined): string {
  if ((name === '__from' || name === '__to') && fmt !== undefined) {
    const ms = Number(value);
    if (fmt === 'date' || fmt === 'date:iso') return new Date(ms).toISOString();
    if (fmt === 'date:seconds') return String(Math.floor(ms / 1000));
    throw new Error(`unsupported format "${fmt}" of $${name}`);
  }
  return value;
}

/** Grafana's named formats (the ones dashboards here may use); unknown ones are refused by name. */
export function formatValue(value: string | string[], format: string): string {
  const list = Array.isArray(value) ? value : [value];
  switch (format) {
    case 'glob':
      return Array.isArray(value) ? (value.length > 1 ? `{${value.join(',')}}` : (value[0] ?? '')) : value;
    case 'raw':
      return list.join(',');
    case 'csv':
      return list.join(',');
    case 'pipe':
      return list.join('|');
    case 'regex':
      return list.length === 1 ? regexEscape(list[0]!) : `(${list.map(regexEscape).join('|')})`;
    case 'lucene':
      return lucene(value);
    case 'json':
      return JSON.stringify(value);
    case 'text':
      return list.join(' + ');
    default:
      throw new Error(`unsupported variable format "${format}"`);
  }
}

const regexEscape = (s: string) => s.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');

/** luceneEscape of Grafana's formatter. */
export function luceneEscape(s: string): string {
  return s.replace(/([!*+\-=<>\s&|()[\]{}^~?:\\/"])/g, '\\$1');
}

function lucene(value: string | string[]): string {
  if (typeof value === 'string') return luceneEscape(value);
  if (value.length === 0) return '__empty__';
  if (value.length === 1) return luceneEscape(value[0]!);
  return `(${value.map((v) => `"${luceneEscape(v)}"`).join(' OR ')})`;
}

/** prometheusRegularEscape: for single-value variables. */
export function prometheusRegularEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/'/g, "\\\\'");
}

/** prometheusSpecialRegexEscape: for multi-value and All variables, inside a PromQL string. */
export function prometheusSpecialRegexEscape(s: string): string {
  return s.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');
}

/** The Prometheus data source's interpolateQueryExpr. */
export const prometheusFormatter: Formatter = (value, variable) => {
  if (!variable.multi && !variable.includeAll) return typeof value === 'string' ? prometheusRegularEscape(value) : value.map(prometheusRegularEscape).join(',');
  if (typeof value === 'string') return prometheusSpecialRegexEscape(value);
  const escaped = value.map(prometheusSpecialRegexEscape);
  return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
};

/** Whether `text` references any variable or built-in. */
export function containsVariable(text: string): boolean {
  VARIABLE_RE.lastIndex = 0;
  return VARIABLE_RE.test(text);
}
