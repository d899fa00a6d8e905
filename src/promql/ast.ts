/** The PromQL syntax tree the evaluator walks, built from the lezer tree by parse.ts. */
import type { LabelMatcher } from './types.js';

/** The type of an expression's value. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** `@` modifier: a fixed time in ms, or the query's start/end. */
export type AtModifier = number | 'start' | 'end';

/** A label matcher with its compiled test. */
export interface Matcher extends LabelMatcher {
  matches(value: string): boolean;
}

/** Vector matching of a binary operator. */
export interface VectorMatching {
  card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  on: boolean;
  labels: string[];
  include: string[];
}

export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'paren'; expr: Expr }
  | { kind: 'unary'; op: '-' | '+'; expr: Expr }
  | VectorSelector
  | { kind: 'matrix'; vs: VectorSelector; rangeMs: number }
  | Subquery
  | { kind: 'call'; name: string; args: Expr[] }
  | Aggregate
  | Binary;

/** An instant vector selector. */
export interface VectorSelector {
  kind: 'vector';
  name: string | undefined;
  matchers: Matcher[];
  offsetMs: number;
  at: AtModifier | undefined;
}

/** `expr[range:step]`. */
export interface Subquery {
  kind: 'subquery';
  expr: Expr;
  rangeMs: number;
  stepMs: number | undefined;
  offsetMs: number;
  at: AtModifier | undefined;
}

/** `op by (labels) (param, expr)`. */
export interface Aggregate {
  kind: 'aggregate';
  op: string;
  without: boolean;
  grouping: string[];
  param: Expr | undefined;
  expr: Expr;
}

/** `lhs op bool on (labels) group_left (labels) rhs`. */
export interface Binary {
  kind: 'binary';
  op: string;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  matching: VectorMatching | undefined;
}

/** Comparison operators, which filter unless `bool` is given. */
export const COMPARISON_OPS = new Set(['==', '!=', '>', '<', '>=', '<=']);
/** Set operators, which only ever match many-to-many. */
export const SET_OPS = new Set(['and', 'or', 'unless']);
