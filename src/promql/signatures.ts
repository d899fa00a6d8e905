/** Argument and return types of PromQL functions (Prometheus promql/parser/functions.go). */
import type { ValueType } from './ast.js';

/**
 * One function's signature; `variadic` as in Prometheus: 0 exact, n > 0: the last argument is optional
 * and may repeat up to n times, -1: it may repeat without bound. `disabled`: experimental in Prometheus
 * (behind --enable-feature=promql-experimental-functions) and not implemented by Braid.
 */
export interface FunctionSignature {
  args: ValueType[];
  variadic: number;
  returns: ValueType;
  disabled?: true;
}

const sig = (args: ValueType[], returns: ValueType = 'vector', variadic = 0): FunctionSignature => ({ args, variadic, returns });
const disabled = (s: FunctionSignature): FunctionSignature => ({ ...s, disabled: true });
const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

const VECTOR_MATH = ['abs', 'ceil', 'floor', 'exp', 'ln', 'log2', 'log10', 'sqrt', 'sgn', 'acos', 'acosh', 'asin', 'asinh',
  'atan', 'atanh', 'cos', 'cosh', 'sin', 'sinh', 'tan', 'tanh', 'deg', 'rad', 'timestamp', 'sort', 'sort_desc', 'absent'];
const OVER_TIME = ['avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'last_over_time',
  'first_over_time', 'present_over_time', 'stddev_over_time', 'stdvar_over_time', 'absent_over_time', 'mad_over_time',
  'changes', 'resets', 'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv'];
/** Functions of native histograms only: over float samples (all Braid stores) they return nothing. */
export const NATIVE_HISTOGRAM = ['histogram_avg', 'histogram_count', 'histogram_stddev', 'histogram_stdvar', 'histogram_sum'];
const DATE = ['day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'hour', 'minute', 'month', 'year'];

/** Argument count bounds of a signature (promql/parser/parse.go checkAST). */
export function argCountBounds(fn: FunctionSignature): [min: number, max: number] {
  const n = fn.args.length;
  if (fn.variadic === 0) return [n, n];
  return [n - 1, fn.variadic < 0 ? Infinity : n - 1 + fn.variadic];
}

/** Every function the parser knows, by name. */
export const FUNCTIONS: ReadonlyMap<string, FunctionSignature> = new Map<string, FunctionSignature>([
  ...VECTOR_MATH.map((n): [string, FunctionSignature] => [n, sig([V])]),
  ...OVER_TIME.map((n): [string, FunctionSignature] => [n, sig([M])]),
  ...DATE.map((n): [string, FunctionSignature] => [n, sig([V], V, 1)]),
  ['quantile_over_time', sig([S, M])],
  ['predict_linear', sig([M, S])],
  ['double_exponential_smoothing', disabled(sig([M, S, S]))],
  ['clamp', sig([V, S, S])],
  ['clamp_min', sig([V, S])],
  ['clamp_max', sig([V, S])],
  ['round', sig([V, S], V, 1)],
  ['histogram_quantile', sig([S, V])],
  ['histogram_fraction', sig([S, S, V])],
  ...NATIVE_HISTOGRAM.map((n): [string, FunctionSignature] => [n, sig([V])]),
  ['label_replace', sig([V, STR, STR, STR, STR])],
  ['label_join', sig([V, STR, STR, STR], V, -1)],
  ['sort_by_label', disabled(sig([V, STR], V, -1))],
  ['sort_by_label_desc', disabled(sig([V, STR], V, -1))],
  ['scalar', sig([V], S)],
  ['vector', sig([S])],
  ['time', sig([], S)],
  ['pi', sig([], S)],
]);
