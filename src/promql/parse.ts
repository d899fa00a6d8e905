/**
 * PromQL text -> syntax tree: the lezer tree of `@prometheus-io/lezer-promql` converted node by node,
 * with the type checks Prometheus's parser makes (promql/parser/parse.go checkAST) and its messages.
 */
import { parser } from '@prometheus-io/lezer-promql';
type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];
import { BraidError } from '../errors.js';
import { compileRegex } from './regex.js';
import { COMPARISON_OPS, SET_OPS, type AtModifier, type Expr, type Matcher, type ValueType, type VectorMatching } from './ast.js';
import { parseDurationMs, parseNumber, unquote } from './literals.js';
import { argCountBounds, FUNCTIONS } from './signatures.js';

/** A parsed expression and the type of its value. */
export interface ParsedExpr {
  expr: Expr;
  type: ValueType;
}

const TYPE_NAMES: Record<ValueType, string> = { scalar: 'scalar', vector: 'instant vector', matrix: 'range vector', string: 'string' };
const AGG_OPS = new Set(['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio']);
const BIN_OPS: Record<string, string> = { Pow: '^', Mul: '*', Div: '/', Mod: '%', Atan2: 'atan2', Add: '+', Sub: '-', Eql: '==', Neq: '!=',
  Gtr: '>', Lss: '<', Gte: '>=', Lte: '<=', And: 'and', Or: 'or', Unless: 'unless' };

class ParseFailure extends Error {}

/** Parses and type-checks a PromQL expression; throws BRAID_ERR_PROMQL_PARSE with Prometheus's message. */
export function parseExpr(original: string): ParsedExpr {
  const { query, inserted } = completeTrailingDots(original);
  const p = new Converter(query, inserted);
  try {
    const tree = parser.parse(query);
    tree.iterate({
      enter: (n) => {
        if (n.type.isError) p.fail(n.node, n.from === query.length ? 'unexpected end of input' : `unexpected character: ${JSON.stringify(query[n.from] ?? '')}`);
      },
    });
    const top = tree.topNode.firstChild;
    if (top === null) return p.fail(tree.topNode, 'no expression found in input');
    return p.convert(top);
  } catch (err) {
    if (err instanceof ParseFailure) throw new BraidError('BRAID_ERR_PROMQL_PARSE', err.message);
    throw err;
  }
}

/**
 * Prometheus reads `2.` as 2 and `1./6.` as 1/6; the lezer grammar rejects a number ending in a
 * point. Completes such numbers with a 0 outside string literals, and says where, so that error
 * positions still point into the text as written. Blanks out `#` comments too.
 */
export function completeTrailingDots(text: string): { query: string; inserted: number[] } {
  const inserted: number[] = [];
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' && c !== '`' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '#') {
      // A comment runs to the end of the line; lezer-promql keeps it as a node anywhere in the tree.
      const eol = text.indexOf('\n', i);
      const end = eol < 0 ? text.length : eol;
      out += ' '.repeat(end - i);
      i = end - 1;
      continue;
    }
    out += c;
    if (c === '.' && /\d/.test(text[i - 1] ?? '') && !/[\d.]/.test(text[i + 1] ?? '')) {
      let k = i - 1;
      while (k >= 0 && /\d/.test(text[k]!)) k--;
      if (k < 0 || !/[\w.:]/.test(text[k]!)) {
        inserted.push(i + 1);
        out += '0';
      }
    }
  }
  return { query: out, inserted };
}

/** A binary operator as written: the operator, its modifiers and its node (for error positions). */
interface BinaryOp {
  op: string;
  returnBool: boolean;
  matchNode: SyntaxNode | null;
  node: SyntaxNode;
  /** The operator, where Prometheus reports the errors of its modifiers. */
  opNode: SyntaxNode;
}

/** A binary expression's operator and operands, kept to rebuild it when precedence moves an operand. */
interface BinaryParts {
  info: BinaryOp;
  lhs: ParsedExpr;
  rhs: ParsedExpr;
}

const PRECEDENCE: Record<string, number> = { or: 1, and: 2, unless: 2, '==': 3, '!=': 3, '>': 3, '<': 3, '>=': 3, '<=': 3,
  '+': 4, '-': 4, '*': 5, '/': 5, '%': 5, atan2: 5, '^': 6 };

/** Whether `outer` written after `a inner b` takes `b` as its left operand (`^` is right-associative). */
const bindsTighter = (outer: string, inner: string): boolean =>
  PRECEDENCE[outer]! > PRECEDENCE[inner]! || (outer === '^' && inner === '^');

class Converter {
  /** Every binary built, with its parts. */
  private readonly parts = new WeakMap<Expr, BinaryParts>();
  /** Binaries on the right edge of a subtree that lezer closed at a modifier. */
  private readonly open = new WeakMap<Expr, BinaryParts>();
  /** The operand of every unary built, and the unaries on such a right edge. */
  private readonly unaryOperands = new WeakMap<Expr, ParsedExpr>();
  private readonly openUnary = new WeakSet<Expr>();

  constructor(private readonly q: string, private readonly inserted: readonly number[] = []) {}

  fail(node: SyntaxNode | null, msg: string): never {
    const at = node?.from ?? 0;
    const pos = at - this.inserted.filter((p) => p < at).length;
    const before = this.original().slice(0, pos).split('\n');
    throw new ParseFailure(`${before.length}:${before[before.length - 1]!.length + 1}: parse error: ${msg}`);
  }

  /** The query as written, without the zeros completeTrailingDots added. */
  original(): string {
    let out = this.q;
    for (const p of [...this.inserted].reverse()) out = out.slice(0, p) + out.slice(p + 1);
    return out;
  }

  text(n: SyntaxNode): string {
    return this.q.slice(n.from, n.to);
  }

  convert(n: SyntaxNode): ParsedExpr {
    switch (n.name) {
      case 'NumberDurationLiteral': {
        const v = parseNumber(this.text(n));
        if (v === undefined) this.fail(n, `bad number or duration syntax: ${JSON.stringify(this.text(n))}`);
        return { expr: { kind: 'number', value: v }, type: 'scalar' };
      }
      case 'StringLiteral':
        return { expr: { kind: 'string', value: this.str(n) }, type: 'string' };
      case 'ParenExpr': {
        const inner = this.convert(n.firstChild!);
        return { expr: { kind: 'paren', expr: inner.expr }, type: inner.type };
      }
      case 'UnaryExpr': return this.unary(n);
      case 'VectorSelector': return { expr: this.selector(n), type: 'vector' };
      case 'MatrixSelector': return this.matrix(n);
      case 'SubqueryExpr': return this.subquery(n);
      case 'OffsetExpr': return this.offset(n);
      case 'StepInvariantExpr': return this.at(n);
      case 'FunctionCall': return this.call(n);
      case 'AggregateExpr': return this.aggregate(n);
      case 'BinaryExpr': return this.binary(n);
      default:
        return this.fail(n, `unsupported expression ${JSON.stringify(this.text(n))}`);
    }
  }

  str(n: SyntaxNode): string {
    try {
      return unquote(this.text(n));
    } catch (err) {
      return this.fail(n, (err as Error).message);
    }
  }

  unary(n: SyntaxNode): ParsedExpr {
    const op = this.text(n.firstChild!) as '-' | '+';
    const inner = this.convert(n.lastChild!);
    if (inner.type !== 'scalar' && inner.type !== 'vector') {
      this.fail(n, `unary expression only allowed on expressions of type scalar or instant vector, got "${TYPE_NAMES[inner.type]}"`);
    }
    if (inner.expr.kind === 'number') return { expr: { kind: 'number', value: op === '-' ? -inner.expr.value : inner.expr.value }, type: 'scalar' };
    const expr: Expr = { kind: 'unary', op, expr: inner.expr };
    this.unaryOperands.set(expr, inner);
    return { expr, type: inner.type };
  }

  selector(n: SyntaxNode): Expr {
    let name: string | undefined;
    const matchers: Matcher[] = [];
    for (let c = n.firstChild; c !== null; c = c.nextSibling) {
      if (c.name === 'Identifier') name = this.text(c);
      else if (c.name === 'LabelMatchers') {
        for (let m = c.firstChild; m !== null; m = m.nextSibling) {
          if (m.name === 'QuotedLabelName') {
            if (name !== undefined) this.fail(m, 'metric name must not be set twice: ' + JSON.stringify(name) + ' or ' + JSON.stringify(this.str(m.firstChild!)));
            name = this.str(m.firstChild!);
          } else if (m.name === 'UnquotedLabelMatcher' || m.name === 'QuotedLabelMatcher') {
            matchers.push(this.matcher(m));
          }
        }
      }
    }
    if (name !== undefined) {
      if (matchers.some((m) => m.name === '__name__')) this.fail(n, `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(matchers.find((m) => m.name === '__name__')!.value)}`);
      matchers.unshift(makeMatcher('=', '__name__', name, () => undefined));
    }
    if (matchers.every((m) => m.matches(''))) this.fail(n, 'vector selector must contain at least one non-empty matcher');
    return { kind: 'vector', name, matchers, offsetMs: 0, at: undefined };
  }

  matcher(m: SyntaxNode): Matcher {
    const nameNode = m.firstChild!;
    const label = nameNode.name === 'QuotedLabelName' ? this.str(nameNode.firstChild!) : this.text(nameNode);
    const op = this.text(nameNode.nextSibling!) as Matcher['type'];
    const value = this.str(m.lastChild!);
    return makeMatcher(op, label, value, (msg) => this.fail(m.lastChild, msg));
  }

  duration(n: SyntaxNode): number {
    const ms = this.durationExpr(n);
    return ms;
  }

  durationExpr(n: SyntaxNode): number {
    if (n.name === 'NumberDurationLiteralInDurationContext') {
      const t = this.text(n);
      const d = parseDurationMs(t);
      if (d !== undefined) return d;
      const v = Number(t);
      if (t === '' || !Number.isFinite(v)) this.fail(n, `bad number or duration syntax: ${JSON.stringify(t)}`);
      return Math.round(v * 1000);
    }
    const kids: SyntaxNode[] = [];
    for (let c = n.firstChild; c !== null; c = c.nextSibling) kids.push(c);
    if (kids.length === 1) return this.durationExpr(kids[0]!);
    if (kids.length === 2 && kids[0]!.name === 'UnaryOp') {
      const v = this.durationExpr(kids[1]!);
      return this.text(kids[0]!) === '-' ? -v : v;
    }
    if (kids.length === 3 && BIN_OPS[kids[1]!.name] !== undefined) {
      const a = this.durationExpr(kids[0]!) / 1000;
      const b = this.durationExpr(kids[2]!) / 1000;
      const r = { '+': a + b, '-': a - b, '*': a * b, '/': a / b, '%': a % b, '^': a ** b }[BIN_OPS[kids[1]!.name]!];
      if (r === undefined || !Number.isFinite(r)) this.fail(n, 'invalid duration expression');
      return Math.round(r * 1000);
    }
    return this.fail(n, `unsupported duration expression ${JSON.stringify(this.text(n))}`);
  }

  matrix(n: SyntaxNode): ParsedExpr {
    const inner = n.firstChild!;
    if (inner.name !== 'VectorSelector') {
      if (inner.name === 'OffsetExpr' || inner.name === 'StepInvariantExpr') this.fail(inner, 'no offset or @ modifiers allowed before range');
      this.fail(inner, 'ranges only allowed for vector selectors');
    }
    const rangeMs = this.duration(inner.nextSibling!);
    if (rangeMs <= 0) this.fail(n, `range duration must be greater than 0`);
    return { expr: { kind: 'matrix', vs: this.selector(inner) as Extract<Expr, { kind: 'vector' }>, rangeMs }, type: 'matrix' };
  }

  subquery(n: SyntaxNode): ParsedExpr {
    const inner = this.convert(n.firstChild!);
    if (inner.type !== 'vector') this.fail(n, `subquery is only allowed on instant vector, got ${TYPE_NAMES[inner.type]} instead`);
    const range = n.firstChild!.nextSibling!;
    const step = range.nextSibling?.name === 'DurationExpr' ? range.nextSibling : null;
    const rangeMs = this.duration(range);
    const stepMs = step === null ? undefined : this.duration(step);
    if (rangeMs <= 0) this.fail(n, 'range duration must be greater than 0');
    if (stepMs !== undefined && stepMs <= 0) this.fail(n, 'step duration must be greater than 0');
    return { expr: { kind: 'subquery', expr: inner.expr, rangeMs, stepMs, offsetMs: 0, at: undefined }, type: 'matrix' };
  }

  /** The selector or subquery a modifier applies to. */
  modifierTarget(n: SyntaxNode, what: string): { target: Extract<Expr, { kind: 'vector' | 'subquery' }>; parsed: ParsedExpr } {
    const parsed = this.convert(n.firstChild!);
    // lezer-promql gives `offset` and `@` no precedence: `-a @ 1` and `a + b @ 1` arrive with the
    // modifier outside; Prometheus binds it to the nearest operand.
    let e = parsed.expr;
    while (e.kind === 'unary' || e.kind === 'binary') {
      if (e.kind === 'binary') {
        const parts = this.parts.get(e);
        if (parts !== undefined) this.open.set(e, parts);
      } else if (this.unaryOperands.has(e)) this.openUnary.add(e);
      e = e.kind === 'unary' ? e.expr : e.rhs;
    }
    if (e.kind === 'vector' || e.kind === 'subquery') return { target: e, parsed };
    if (e.kind === 'matrix') return { target: e.vs, parsed };
    return this.fail(n, `${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`);
  }

  offset(n: SyntaxNode): ParsedExpr {
    const { target, parsed } = this.modifierTarget(n, 'offset');
    if (target.offsetMs !== 0) this.fail(n, 'offset may not be set multiple times');
    target.offsetMs = this.offsetDuration(n.lastChild!);
    return parsed;
  }

  offsetDuration(n: SyntaxNode): number {
    if (n.firstChild?.name === 'UnaryOp') {
      const v = this.offsetDuration(n.lastChild!);
      return this.text(n.firstChild) === '-' ? -v : v;
    }
    return this.durationExpr(n.firstChild ?? n);
  }

  at(n: SyntaxNode): ParsedExpr {
    const { target, parsed } = this.modifierTarget(n, '@');
    if (target.at !== undefined) this.fail(n, '@ <timestamp> may not be set multiple times');
    const last = n.lastChild!;
    let at: AtModifier;
    if (last.name === 'AtModifierPreprocessors') at = this.text(last).startsWith('start') ? 'start' : 'end';
    else {
      const v = parseNumber(this.text(last));
      if (v === undefined || !Number.isFinite(v)) this.fail(last, `timestamp out of bounds for @ modifier: ${this.text(last)}`);
      at = Math.round(v * 1000);
    }
    target.at = at;
    return parsed;
  }

  args(body: SyntaxNode | null): Array<{ node: SyntaxNode; parsed: ParsedExpr }> {
    const out: Array<{ node: SyntaxNode; parsed: ParsedExpr }> = [];
    for (let c = body?.firstChild ?? null; c !== null; c = c.nextSibling) {
      if (c.name === '(' || c.name === ')' || c.name === ',') continue;
      out.push({ node: c, parsed: this.convert(c) });
    }
    return out;
  }

  call(n: SyntaxNode): ParsedExpr {
    const name = this.text(n.firstChild!);
    const fn = FUNCTIONS.get(name);
    if (fn === undefined) this.fail(n, `unknown function with name ${JSON.stringify(name)}`);
    if (fn.disabled === true) this.fail(n, `function ${JSON.stringify(name)} is not enabled`);
    const args = this.args(n.firstChild!.nextSibling);
    const [min, max] = argCountBounds(fn);
    if (args.length < min || args.length > max) {
      const expected = fn.variadic === 0 ? `${min}` : args.length < min ? `at least ${min}` : `at most ${max}`;
      this.fail(n, `expected ${expected} argument(s) in call to ${JSON.stringify(name)}, got ${args.length}`);
    }
    args.forEach((a, i) => {
      const want = fn.args[Math.min(i, fn.args.length - 1)]!;
      if (a.parsed.type !== want) this.fail(a.node, `expected type ${TYPE_NAMES[want]} in call to function ${JSON.stringify(name)}, got ${TYPE_NAMES[a.parsed.type]}`);
    });
    return { expr: { kind: 'call', name, args: args.map((a) => a.parsed.expr) }, type: fn.returns };
  }

  grouping(n: SyntaxNode): string[] {
    const out: string[] = [];
    for (let c = n.firstChild; c !== null; c = c.nextSibling) {
      if (c.name === 'LabelName') out.push(this.text(c));
      else if (c.name === 'QuotedLabelName') out.push(this.str(c.firstChild!));
    }
    return out;
  }

  aggregate(n: SyntaxNode): ParsedExpr {
    const op = this.text(n.firstChild!).toLowerCase();
    if (!AGG_OPS.has(op)) this.fail(n, `unknown aggregation ${op}`);
    if (op === 'limitk' || op === 'limit_ratio') this.fail(n, `${op}() is experimental and must be enabled with --enable-feature=promql-experimental-functions`);
    let without = false;
    let grouping: string[] = [];
    let body: SyntaxNode | null = null;
    for (let c = n.firstChild!.nextSibling; c !== null; c = c.nextSibling) {
      if (c.name === 'AggregateModifier') {
        without = c.firstChild!.name === 'Without';
        grouping = this.grouping(c.lastChild!);
      } else if (c.name === 'FunctionCallBody') body = c;
    }
    const args = this.args(body);
    const hasParam = ['topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio'].includes(op);
    if (args.length !== (hasParam ? 2 : 1)) this.fail(n, hasParam ? `wrong number of arguments for aggregate expression provided, expected 2, got ${args.length}` : `wrong number of arguments for aggregate expression provided, expected 1, got ${args.length}`);
    const param = hasParam ? args[0]! : undefined;
    const expr = args[args.length - 1]!;
    if (param !== undefined) {
      const want: ValueType = op === 'count_values' ? 'string' : 'scalar';
      if (param.parsed.type !== want) this.fail(param.node, `expected type ${TYPE_NAMES[want]} in aggregation parameter, got ${TYPE_NAMES[param.parsed.type]}`);
    }
    if (expr.parsed.type !== 'vector') this.fail(expr.node, `expected type instant vector in aggregation expression, got ${TYPE_NAMES[expr.parsed.type]}`);
    return { expr: { kind: 'aggregate', op, without, grouping, param: param?.parsed.expr, expr: expr.parsed.expr }, type: 'vector' };
  }

  binary(n: SyntaxNode): ParsedExpr {
    const lhsNode = n.firstChild!;
    const opNode = lhsNode.nextSibling!;
    const op = BIN_OPS[opNode.name];
    if (op === undefined) this.fail(opNode, `unsupported operator ${JSON.stringify(this.text(opNode))}`);
    const info: BinaryOp = { op, returnBool: false, matchNode: null, node: n, opNode };
    for (let c = opNode.nextSibling; c !== null && c.nextSibling !== null; c = c.nextSibling) {
      if (c.name === 'BoolModifier') info.returnBool = true;
      else if (c.name === 'MatchingModifierClause') info.matchNode = c;
      else if (c.name === 'FillModifier') this.fail(c, 'fill modifiers are not supported');
    }
    const lhs = this.convert(lhsNode);
    const rhs = this.convert(n.lastChild!);
    // lezer-promql reads `-2 ^ 2` as the literal -2 raised to 2; in Prometheus's grammar a unary sign
    // binds like `*`, looser than `^`, so it is -(2 ^ 2).
    const sign = op === '^' && lhsNode.name === 'NumberDurationLiteral' ? /^\s*([-+])/.exec(this.text(lhsNode))?.[1] : undefined;
    if (sign !== undefined && lhs.expr.kind === 'number') {
      const unsigned: ParsedExpr = { expr: { kind: 'number', value: sign === '-' ? -lhs.expr.value : lhs.expr.value }, type: 'scalar' };
      const power = this.combine(info, unsigned, rhs);
      return { expr: { kind: 'unary', op: sign as '-' | '+', expr: power.expr }, type: power.type };
    }
    return this.combine(info, lhs, rhs);
  }

  /**
   * Builds `lhs op rhs` with Prometheus's type checks. lezer-promql closes a subtree at an `offset` or
   * `@` (`a or b @ 1 + c` arrives as `(a or b @ 1) + c`): the binaries on the right edge of such a
   * subtree stay open, and an operator that binds tighter than theirs moves into their right operand,
   * as Prometheus's precedence puts it (`a or (b @ 1 + c)`).
   */
  combine(info: BinaryOp, lhs: ParsedExpr, rhs: ParsedExpr): ParsedExpr {
    // A sign binds like `*` (Prometheus's grammar): `-a @ 1 ^ 2` is -(a @ 1 ^ 2).
    if (lhs.expr.kind === 'unary' && this.openUnary.has(lhs.expr) && info.op === '^') {
      const power = this.combine(info, this.unaryOperands.get(lhs.expr)!, rhs);
      const expr: Expr = { kind: 'unary', op: lhs.expr.op, expr: power.expr };
      this.unaryOperands.set(expr, power);
      this.openUnary.add(expr);
      return { expr, type: power.type };
    }
    const open = lhs.expr.kind === 'binary' ? this.open.get(lhs.expr) : undefined;
    if (open !== undefined && bindsTighter(info.op, open.info.op)) {
      const inner = this.combine(info, open.rhs, rhs);
      const out = this.combine(open.info, open.lhs, inner);
      // Both stay open: an operator written after them may bind tighter still.
      for (const e of [inner.expr, out.expr]) if (this.parts.has(e)) this.open.set(e, this.parts.get(e)!);
      return out;
    }
    const { op, returnBool, matchNode, node: n, opNode } = info;
    const isSet = SET_OPS.has(op);
    const isCmp = COMPARISON_OPS.has(op);
    for (const side of [lhs, rhs]) {
      if (side.type !== 'scalar' && side.type !== 'vector') this.fail(n, 'binary expression must contain only scalar and instant vector types');
    }
    if (returnBool && !isCmp) this.fail(opNode, 'bool modifier can only be used on comparison operators');
    if (isCmp && !returnBool && lhs.type === 'scalar' && rhs.type === 'scalar') this.fail(opNode, 'comparisons between scalars must use BOOL modifier');
    if (isSet && (lhs.type === 'scalar' || rhs.type === 'scalar')) this.fail(n, `set operator ${JSON.stringify(op)} not allowed in binary scalar expression`);
    let matching: VectorMatching | undefined;
    if (lhs.type === 'vector' && rhs.type === 'vector') {
      matching = { card: isSet ? 'many-to-many' : 'one-to-one', on: false, labels: [], include: [] };
      if (matchNode !== null) this.matching(matchNode, matching, op, isSet, opNode);
    } else if (matchNode !== null) {
      // Prometheus refuses only named matching labels here (`1 + on() x` is accepted), and drops the rest.
      const ignored: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [] };
      this.matching(matchNode, ignored, op, isSet, opNode);
      if (ignored.labels.length > 0) this.fail(n, 'vector matching only allowed between instant vectors');
    }
    const type: ValueType = lhs.type === 'vector' || rhs.type === 'vector' ? 'vector' : 'scalar';
    const expr: Extract<Expr, { kind: 'binary' }> = { kind: 'binary', op, lhs: lhs.expr, rhs: rhs.expr, returnBool, matching };
    this.parts.set(expr, { info, lhs, rhs });
    return { expr, type };
  }

  matching(c: SyntaxNode, m: VectorMatching, op: string, isSet: boolean, opNode: SyntaxNode): void {
    m.on = c.firstChild!.name === 'On';
    m.labels = this.grouping(c.firstChild!.nextSibling!);
    const group = c.firstChild!.nextSibling!.nextSibling;
    if (group !== null) {
      if (isSet) this.fail(c, `no grouping allowed for ${JSON.stringify(op)} operation`);
      m.card = group.name === 'GroupLeft' ? 'many-to-one' : 'one-to-many';
      if (group.nextSibling !== null) m.include = this.grouping(group.nextSibling);
      if (m.on) {
        for (const l of m.include) if (m.labels.includes(l)) this.fail(opNode, `label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`);
      }
    }
  }
}

/** Builds a compiled matcher; `fail` reports an invalid regex. */
export function makeMatcher(type: Matcher['type'], name: string, value: string, fail: (msg: string) => never | undefined): Matcher {
  if (type === '=' || type === '!=') {
    const eq = type === '=';
    return { type, name, value, matches: (s) => (s === value) === eq };
  }
  let test: (s: string) => boolean;
  try {
    const re = compileRegex(value, 'regex');
    test = (s) => re.matcher.test(s);
  } catch (err) {
    fail(`invalid regular expression ${JSON.stringify(value)}: ${(err as Error).message}`);
    throw err;
  }
  const pos = type === '=~';
  return { type, name, value, matches: (s) => test(s) === pos };
}
