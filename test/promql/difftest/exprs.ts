/**
 * Random PromQL for the differential check, typed so that most expressions are valid: every binary
 * operator (with bool, on/ignoring, group_left/group_right), every aggregation, every function of
 * Prometheus 3.16 that needs no feature flag, offset, @, subqueries, unary signs, and edge literals.
 * Some expressions are invalid on purpose (both engines must refuse them).
 */
import { prng } from './data.js';

type Rnd = () => number;

const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const LITERALS = ['0', '1', '2', '3', '0.5', '-1', '10', 'NaN', 'Inf', '-Inf', '-0', '1e-7', '2.', '.25', '0x10', '1e21', '5m',
  '+Inf', 'nan', '1e3', '.5e-3', '1h30m', '0.1', '-2.5', '1e308', '4.9e-324'];
const SELECTORS = [
  'dg_gauge', 'dg_gauge{job="api"}', 'dg_gauge{instance=~"a|b"}', 'dg_gauge{job!="db"}', 'dg_small', 'dg_small{job=~"a.*"}',
  'dg_requests_total', 'dg_requests_total{code="500"}', 'dg_requests_total{job="api"}', 'dg_requests_total{code!~"2.."}',
  'dg_latency_seconds_bucket', 'dg_latency_seconds_count', 'dg_latency_seconds_sum', 'dg_build_info', '{__name__=~"dg_(gauge|small)"}',
  '{"dg_gauge", instance="c"}', 'dg_build_info{"ünï.code"="x y"}', 'dg_missing', 'dg_gauge{job=""}', '{job="api"}',
  'dg_gauge{job=~"(?i)API"}', 'dg_gauge{instance=~"a|"}', 'dg_gauge{instance!~".+"}', '{__name__=~".*_total"}', 'dg_small{job=~"[ad].*"}',
  String.raw`dg_build_info{path=~".*\\\\.*"}`, String.raw`dg_build_info{path='/a\"b\\c'}`, 'dg_gauge{job=~"api|db", instance!="a"}', 'dg_latency_seconds_bucket{le="+Inf"}',
  'dg_latency_seconds_bucket{le=~"0.5|1"}', 'dg_requests_total{job="batch"}', String.raw`dg_gauge{instance=~"\\w"}`, '{__name__="dg_small", job!~"d.*"}',
];
const COUNTERS = ['dg_requests_total', 'dg_requests_total{code="200"}', 'dg_latency_seconds_count', 'dg_latency_seconds_bucket'];
const RANGES = ['30s', '1m', '2m', '5m', '90s', '10m', '1m30s'];
const STEPS = ['', '15s', '30s', '1m', '20s'];
const OFFSETS = ['30s', '1m', '5m', '-1m', '2m30s', '1h', '-10m', '15s'];
const LABELS = ['job', 'instance', 'code', 'le', 'version', '__name__', 'nope'];

const ARITH = ['+', '-', '*', '/', '%', '^', 'atan2'];
const CMP = ['==', '!=', '>', '<', '>=', '<='];
const SET = ['and', 'or', 'unless'];
const SIMPLE_AGGS = ['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar'];
const MATH = ['abs', 'ceil', 'floor', 'exp', 'ln', 'log2', 'log10', 'sqrt', 'sgn', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh',
  'cos', 'cosh', 'sin', 'sinh', 'tan', 'tanh', 'deg', 'rad', 'timestamp', 'sort', 'sort_desc', 'absent',
  'histogram_count', 'histogram_sum', 'histogram_avg', 'histogram_stddev', 'histogram_stdvar'];
const DATES = ['day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'hour', 'minute', 'month', 'year'];
const OVER_TIME = ['avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'last_over_time',
  'first_over_time', 'present_over_time', 'stddev_over_time', 'stdvar_over_time', 'absent_over_time', 'changes', 'resets',
  'delta', 'idelta', 'deriv'];
const COUNTER_FNS = ['rate', 'irate', 'increase'];

/** A generator of expressions of one seed. */
export class ExprGen {
  private readonly rnd: Rnd;

  constructor(seed: number, private readonly atTimes: readonly number[]) {
    this.rnd = prng(seed ^ 0x5eed);
  }

  private chance(p: number): boolean {
    return this.rnd() < p;
  }

  private labelList(): string {
    const n = Math.floor(this.rnd() * 3);
    const out = new Set<string>();
    for (let i = 0; i < n; i++) out.add(pick(this.rnd, LABELS));
    return [...out].join(', ');
  }

  private modifiers(): string {
    let out = '';
    if (this.chance(0.15)) out += ` offset ${pick(this.rnd, OFFSETS)}`;
    if (this.chance(0.1)) out += ` @ ${pick(this.rnd, ['start()', 'end()', String(pick(this.rnd, this.atTimes) / 1000)])}`;
    return out;
  }

  /** A scalar expression. */
  scalar(depth: number): string {
    const r = this.rnd();
    if (depth <= 0 || r < 0.45) return pick(this.rnd, LITERALS);
    if (r < 0.55) return pick(this.rnd, ['time()', 'pi()']);
    if (r < 0.7) return `scalar(${this.vector(depth - 1)})`;
    if (r < 0.8) return `-${this.scalar(depth - 1)}`;
    if (r < 0.95) return `${this.scalar(depth - 1)} ${pick(this.rnd, [...ARITH, ...CMP.map((c) => `${c} bool`)])} ${this.scalar(depth - 1)}`;
    return `(${this.scalar(depth - 1)})`;
  }

  /** A range vector: a selector's range or a subquery. */
  matrix(depth: number, counter = false): string {
    if (depth > 0 && this.chance(0.2)) return `(${this.vector(depth - 1)})[${pick(this.rnd, RANGES)}:${pick(this.rnd, STEPS)}]${this.modifiers()}`;
    return `${pick(this.rnd, counter ? COUNTERS : SELECTORS)}[${pick(this.rnd, RANGES)}]${this.modifiers()}`;
  }

  private matching(): string {
    const r = this.rnd();
    if (r < 0.55) return '';
    const on = this.chance(0.5) ? 'on' : 'ignoring';
    let out = ` ${on}(${this.labelList()})`;
    if (this.chance(0.4)) out += ` ${this.chance(0.5) ? 'group_left' : 'group_right'}${this.chance(0.5) ? `(${this.labelList()})` : ''}`;
    return out;
  }

  private binary(depth: number): string {
    const r = this.rnd();
    if (r < 0.3) return `${this.vector(depth - 1)} ${pick(this.rnd, ARITH)} ${this.scalar(depth - 1)}`;
    if (r < 0.4) return `${this.scalar(depth - 1)} ${pick(this.rnd, [...ARITH, ...CMP])}${this.chance(0.4) ? ' bool' : ''} ${this.vector(depth - 1)}`;
    if (r < 0.55) return `${this.vector(depth - 1)} ${pick(this.rnd, CMP)}${this.chance(0.4) ? ' bool' : ''} ${this.scalar(depth - 1)}`;
    if (r < 0.75) return `${this.vector(depth - 1)} ${pick(this.rnd, SET)}${this.chance(0.5) ? ` ${this.chance(0.5) ? 'on' : 'ignoring'}(${this.labelList()})` : ''} ${this.vector(depth - 1)}`;
    if (r < 0.8) return `${this.vector(depth - 1)} ${pick(this.rnd, CMP)} ${this.scalar(0)} ${pick(this.rnd, CMP)} ${this.scalar(0)}`;
    const op = pick(this.rnd, [...ARITH, ...CMP]);
    const bool = CMP.includes(op) && this.chance(0.4) ? ' bool' : '';
    return `${this.vector(depth - 1)} ${op}${bool}${this.matching()} ${this.vector(depth - 1)}`;
  }

  private aggregation(depth: number): string {
    const r = this.rnd();
    const grouping = this.chance(0.6) ? ` ${this.chance(0.6) ? 'by' : 'without'} (${this.labelList()})` : '';
    const inner = this.vector(depth - 1);
    const pre = this.chance(0.5);
    const wrap = (op: string, args: string): string => (pre ? `${op}${grouping} (${args})` : `${op}(${args})${grouping}`);
    if (r < 0.5) return wrap(pick(this.rnd, SIMPLE_AGGS), inner);
    if (r < 0.55) return wrap(pick(this.rnd, SIMPLE_AGGS).toUpperCase(), inner);
    if (r < 0.75) return wrap(pick(this.rnd, ['topk', 'bottomk']), `${pick(this.rnd, ['1', '2', '3', '0', '-1', 'NaN', '1.5', 'scalar(dg_small{instance="a"})'])}, ${inner}`);
    if (r < 0.9) return wrap('quantile', `${pick(this.rnd, ['0', '0.5', '0.9', '1', '-0.5', '1.5', 'NaN', '0.25'])}, ${inner}`);
    return wrap('count_values', `${pick(this.rnd, ['"value"', '"job"', '"x"', '""', '"ü.v"', '"__name__"'])}, ${inner}`);
  }

  private call(depth: number): string {
    const r = this.rnd();
    const v = (): string => this.vector(depth - 1);
    if (r < 0.2) return `${pick(this.rnd, MATH)}(${v()})`;
    if (r < 0.3) return `${pick(this.rnd, OVER_TIME)}(${this.matrix(depth - 1)})`;
    if (r < 0.42) return `${pick(this.rnd, COUNTER_FNS)}(${this.matrix(depth - 1, true)})`;
    if (r < 0.47) return `quantile_over_time(${pick(this.rnd, ['0', '0.5', '0.9', '1', '-1', '2', 'NaN'])}, ${this.matrix(depth - 1)})`;
    if (r < 0.52) return `predict_linear(${this.matrix(depth - 1)}, ${pick(this.rnd, ['60', '0', '-30', '3600'])})`;
    if (r < 0.57) return `${pick(this.rnd, DATES)}(${this.chance(0.3) ? '' : v()})`;
    if (r < 0.64) {
      const [lo, hi] = [pick(this.rnd, ['0', '-5', '10', 'NaN', '-Inf']), pick(this.rnd, ['5', '100', '-10', 'Inf', 'NaN'])];
      return pick(this.rnd, [`clamp(${v()}, ${lo}, ${hi})`, `clamp_min(${v()}, ${lo})`, `clamp_max(${v()}, ${hi})`]);
    }
    if (r < 0.68) return `round(${v()}${this.chance(0.6) ? `, ${pick(this.rnd, ['0.1', '5', '0', '-1', '0.3'])}` : ''})`;
    if (r < 0.76) {
      const src = pick(this.rnd, [...LABELS, 'ünï.code']);
      const dst = pick(this.rnd, ['dst', 'job', '__name__', 'ü.dst', 'a b', '', '1x']);
      const repl = pick(this.rnd, ['"$1"', '"x-$1"', '""', '"${1}y"', '"$2"', '"$name"', '"${name}_z"', "'$1$1'", '`$0`', '"\\u00fc$1"']);
      const re = pick(this.rnd, ['"(.*)"', '"(a|b)"', '".+"', '"("', '"(.)(.)"', '"(?P<name>.)(.*)"', '`(\\d+)`', '"(?i)(A)"']);
      return `label_replace(${v()}, "${dst}", ${repl}, "${src}", ${re})`;
    }
    if (r < 0.82) {
      const srcs = Array.from({ length: Math.floor(this.rnd() * 3) }, () => `"${pick(this.rnd, LABELS)}"`);
      return `label_join(${[v(), `"${pick(this.rnd, ['dst', 'job', 'ü'])}"`, `"${pick(this.rnd, ['-', ',', ''])}"`, ...srcs].join(', ')})`;
    }
    if (r < 0.9) {
      const q = pick(this.rnd, ['0.5', '0.9', '0.99', '0', '1', '-0.1', '1.5', 'NaN']);
      return `histogram_quantile(${q}, ${pick(this.rnd, ['dg_latency_seconds_bucket', 'rate(dg_latency_seconds_bucket[5m])', 'sum by (le) (rate(dg_latency_seconds_bucket[2m]))', v()])})`;
    }
    if (r < 0.94) return `histogram_fraction(${pick(this.rnd, ['0', '-Inf', '0.2', '1'])}, ${pick(this.rnd, ['0.5', '1', 'Inf', '3'])}, ${pick(this.rnd, ['dg_latency_seconds_bucket', 'rate(dg_latency_seconds_bucket[5m])'])})`;
    if (r < 0.97) return `vector(${this.scalar(depth - 1)})`;
    return `absent(${v()})`;
  }

  /** An instant vector expression. */
  vector(depth: number): string {
    const r = this.rnd();
    if (depth <= 0 || r < 0.25) return `${pick(this.rnd, SELECTORS)}${this.modifiers()}`;
    if (r < 0.45) return this.call(depth);
    if (r < 0.65) return this.binary(depth);
    if (r < 0.85) return this.aggregation(depth);
    if (r < 0.9) return `-${this.vector(depth - 1)}`;
    if (r < 0.92) return `+${this.vector(depth - 1)}`;
    if (r < 0.94) return `(${this.vector(depth - 1)})[${pick(this.rnd, RANGES)}:${pick(this.rnd, STEPS)}]${this.modifiers()}`.replace(/^/, `${pick(this.rnd, ['last_over_time', 'max_over_time', 'rate', 'count_over_time'])}(`) + ')';
    if (r < 0.95) return `${this.vector(depth - 1)} # a comment\n`;
    return `(${this.vector(depth - 1)})`;
  }

  /** The next expression: mostly instant vectors, some scalars, a few range vectors and strings (refused by range queries). */
  next(): string {
    const r = this.rnd();
    const depth = 1 + Math.floor(this.rnd() * 3);
    if (r < 0.8) return this.vector(depth);
    if (r < 0.95) return this.scalar(depth);
    if (r < 0.98) return this.matrix(depth);
    return '"a string"';
  }
}
