/**
 * Executes a parsed Go text/template (text/template/exec.go) asynchronously, so that functions may
 * return promises (Prometheus's `query` runs PromQL). Error messages follow Go's:
 * `template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`.
 */
import { formatValue, goTypeName } from './fmt.js';
import { argString, commandString, type ArgNode, type CommandNode, type ControlNode, type Node, type PipeNode, type Tree } from './nodes.js';
import { isStringMap, isTrue } from './values.js';

/** A template function. `variadic`: extra arguments allowed past its declared ones; `lazy`: gets thunks (and/or). */
export type TemplateFunc = ((...args: never[]) => unknown) & { variadic?: boolean; lazy?: boolean };

/** An execution error, with Go's message. */
export class TemplateExecError extends Error {
  override name = 'TemplateExecError';
}

const NO_FINAL = Symbol('missing');
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
const MAX_DEPTH = 1000;

type Final = unknown;

/** Executes template `name` of `trees` with `data` as dot; returns the output. */
export async function execute(trees: Map<string, Tree>, name: string, data: unknown, funcs: Record<string, TemplateFunc>, ctx?: unknown): Promise<string> {
  const tree = trees.get(name);
  if (tree === undefined) throw new TemplateExecError(`template: ${name}: no template ${JSON.stringify(name)} defined`);
  const out: string[] = [];
  await new State(trees, funcs, tree, [['$', data]], out, 0, ctx).walkList(data, tree.root);
  return out.join('');
}

class State {
  /** The node being evaluated, for error messages; its text is built only when an error needs it. */
  private at: { pos: number; str: string | (() => string) } | undefined;

  constructor(
    private readonly trees: Map<string, Tree>,
    private readonly funcs: Record<string, TemplateFunc>,
    private readonly tmpl: Tree,
    private readonly vars: Array<[string, unknown]>,
    private readonly out: string[],
    private readonly depth: number,
    /** `this` of template functions (Prometheus's `query`, `now` ... read the evaluation from it). */
    private readonly ctx: unknown,
  ) {}

  private mark(pos: number, str: string | (() => string)): void {
    this.at = { pos, str };
  }

  private errorf(msg: string): never {
    let loc = `template: ${this.tmpl.parseName}`;
    if (this.at !== undefined) {
      const before = this.tmpl.text.slice(0, this.at.pos);
      const line = before.split('\n').length;
      const col = this.at.pos - (before.lastIndexOf('\n') + 1);
      loc = `template: ${this.tmpl.parseName}:${line}:${col}: executing ${JSON.stringify(this.tmpl.name)} at <${typeof this.at.str === 'string' ? this.at.str : this.at.str()}>`;
    } else {
      loc += `: executing ${JSON.stringify(this.tmpl.name)}`;
    }
    throw new TemplateExecError(`${loc}: ${msg}`);
  }

  async walkList(dot: unknown, list: Node[]): Promise<void> {
    for (const n of list) await this.walk(dot, n);
  }

  private async walk(dot: unknown, n: Node): Promise<void> {
    switch (n.type) {
      case 'text':
        this.out.push(n.text);
        return;
      case 'action': {
        const v = await this.evalPipeline(dot, n.pipe);
        if (n.pipe.decl.length === 0) this.printValue(n.pipe, v);
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const v = await this.evalPipeline(dot, n.pipe);
        if (isTrue(v)) await this.walkList(n.type === 'with' ? v : dot, n.list);
        else if (n.elseList !== undefined) await this.walkList(dot, n.elseList);
        this.vars.length = mark;
        return;
      }
      case 'range':
        return this.walkRange(dot, n);
      case 'template':
        return this.walkTemplate(dot, n);
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
    }
  }

  private async walkRange(dot: unknown, n: ControlNode): Promise<void> {
    const outer = this.vars.length;
    const val = await this.evalCommands(dot, n.pipe);
    const decl = n.pipe.decl;
    if (!n.pipe.isAssign) for (const d of decl) this.vars.push([d, val]);
    const mark = this.vars.length;
    const one = async (index: unknown, elem: unknown): Promise<boolean> => {
      if (decl.length === 1) this.setVar(decl[0]!, elem, !n.pipe.isAssign);
      if (decl.length === 2) {
        this.setVar(decl[0]!, index, !n.pipe.isAssign, 2);
        this.setVar(decl[1]!, elem, !n.pipe.isAssign, 1);
      }
      try {
        await this.walkList(elem, n.list);
      } catch (e) {
        if (e === BREAK) return false;
        if (e !== CONTINUE) throw e;
      } finally {
        this.vars.length = mark;
      }
      return true;
    };
    let entries: Array<[unknown, unknown]>;
    if (Array.isArray(val)) entries = val.map((v, i) => [BigInt(i), v]);
    else if (val instanceof Map) entries = [...val.entries()].sort((a, b) => compareKeys(a[0], b[0]));
    else if (typeof val === 'bigint') {
      if (decl.length > 1) this.errorf(`can't use ${val} to iterate over more than one variable`);
      entries = [];
      for (let i = 0n; i < val; i++) entries.push([i, i]);
    } else if (val === undefined || val === null) entries = [];
    else if (typeof val === 'object' && Object.getPrototypeOf(val) === Object.prototype) {
      entries = Object.entries(val as Record<string, unknown>).sort((a, b) => compareKeys(a[0], b[0]));
    } else {
      this.mark(n.pos, () => `range ${argString(n.pipe)}`);
      return this.errorf(`range can't iterate over ${formatValue(val)}`);
    }
    for (const [k, v] of entries) if (!(await one(k, v))) break;
    if (entries.length === 0 && n.elseList !== undefined) await this.walkList(dot, n.elseList);
    this.vars.length = outer;
  }

  private async walkTemplate(dot: unknown, n: Extract<Node, { type: 'template' }>): Promise<void> {
    this.mark(n.pos, () => `{{template ${JSON.stringify(n.name)}${n.pipe === undefined ? '' : ' ' + argString(n.pipe)}}}`);
    const tree = this.trees.get(n.name);
    if (tree === undefined) this.errorf(`template ${JSON.stringify(n.name)} not defined`);
    if (this.depth >= MAX_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
    const newDot = n.pipe === undefined ? undefined : await this.evalPipeline(dot, n.pipe);
    await new State(this.trees, this.funcs, tree, [['$', newDot]], this.out, this.depth + 1, this.ctx).walkList(newDot, tree.root);
  }

  private setVar(name: string, value: unknown, top: boolean, fromTop = 1): void {
    if (top) {
      this.vars[this.vars.length - fromTop]![1] = value;
      return;
    }
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]![0] === name) {
        this.vars[i]![1] = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]![0] === name) return this.vars[i]![1];
    return this.errorf(`undefined variable: ${name}`);
  }

  private async evalCommands(dot: unknown, pipe: PipeNode): Promise<unknown> {
    let value: unknown = NO_FINAL;
    for (const cmd of pipe.cmds) value = await this.evalCommand(dot, cmd, value);
    return value;
  }

  private async evalPipeline(dot: unknown, pipe: PipeNode): Promise<unknown> {
    this.mark(pipe.pos, () => argString(pipe));
    const value = await this.evalCommands(dot, pipe);
    for (const d of pipe.decl) {
      if (pipe.isAssign) this.setVar(d, value, false);
      else this.vars.push([d, value]);
    }
    return value;
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== NO_FINAL) this.errorf(`can't give argument to non-function ${argString(args[0]!)}`);
  }

  private async evalCommand(dot: unknown, cmd: CommandNode, final: Final): Promise<unknown> {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        this.mark(first.pos, () => argString(first));
        return this.evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case 'chain': {
        this.mark(first.pos, () => argString(first));
        if (first.node.type === 'nil') this.errorf(`indirection through explicit nil in ${argString(first)}`);
        const recv = await this.evalArg(dot, first.node, cmd);
        return this.evalFieldChain(dot, recv, first, first.field, cmd.args, final);
      }
      case 'identifier':
        return this.evalFunction(dot, first.name, cmd, cmd.args, final);
      case 'pipe':
        this.mark(first.pos, () => argString(first));
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable': {
        this.mark(first.pos, () => argString(first));
        const value = this.varValue(first.ident[0]!);
        if (first.ident.length === 1) {
          this.notAFunction(cmd.args, final);
          return value;
        }
        return this.evalFieldChain(dot, value, first, first.ident.slice(1), cmd.args, final);
      }
      default:
        break;
    }
    this.mark(first.pos, () => argString(first));
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        return this.errorf('nil is not a command');
      case 'number':
        return idealConstant(first);
      case 'string':
        return first.text;
    }
    return undefined;
  }

  private async evalFieldChain(dot: unknown, receiver: unknown, node: ArgNode, ident: string[], args: ArgNode[], final: Final): Promise<unknown> {
    let r = receiver;
    for (let i = 0; i < ident.length - 1; i++) r = await this.evalField(dot, ident[i]!, node, [], NO_FINAL, r);
    return this.evalField(dot, ident[ident.length - 1]!, node, args, final, r);
  }

  private async evalField(dot: unknown, name: string, node: ArgNode, args: ArgNode[], final: Final, receiver: unknown): Promise<unknown> {
    if (receiver === undefined || receiver === null) return undefined;
    const hasArgs = args.length > 1 || final !== NO_FINAL;
    if (typeof receiver === 'object') {
      const method = (receiver as Record<string, unknown>)[name];
      const own = Object.prototype.hasOwnProperty.call(receiver, name);
      if (typeof method === 'function' && (own || !(name in Object.prototype))) {
        return this.evalCall(dot, method as TemplateFunc, node, () => argString(node), name, args, final, receiver);
      }
      if (receiver instanceof Map) {
        if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
        return receiver.has(name) ? receiver.get(name) : zeroOf(receiver);
      }
      if (!Array.isArray(receiver) && Object.getPrototypeOf(receiver) === Object.prototype) {
        if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
        return own ? method : zeroOf(receiver);
      }
    }
    return this.errorf(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  private async evalFunction(dot: unknown, name: string, cmd: CommandNode, args: ArgNode[], final: Final): Promise<unknown> {
    this.mark(cmd.args[0]!.pos, name);
    const fn = this.funcs[name];
    if (fn === undefined) return this.errorf(`${JSON.stringify(name)} is not a defined function`);
    return this.evalCall(dot, fn, cmd, () => commandString(cmd), name, args, final);
  }

  private async evalCall(dot: unknown, fn: TemplateFunc, node: ArgNode | CommandNode, nodeStr: string | (() => string), name: string, args: ArgNode[], final: Final, self?: unknown): Promise<unknown> {
    const rest = args.slice(1);
    const numIn = rest.length + (final !== NO_FINAL ? 1 : 0);
    const want = fn.length;
    if (fn.variadic === true ? numIn < want : numIn !== want) {
      this.errorf(`wrong number of args for ${name}: want ${fn.variadic === true ? 'at least ' : ''}${want} got ${numIn}`);
    }
    if (fn.lazy === true) {
      const thunks = rest.map((a) => () => this.evalArg(dot, a, node));
      if (final !== NO_FINAL) thunks.push(() => Promise.resolve(final));
      return (fn as unknown as (...t: Array<() => Promise<unknown>>) => Promise<unknown>)(...thunks);
    }
    const values: unknown[] = [];
    for (const a of rest) values.push(await this.evalArg(dot, a, node));
    if (final !== NO_FINAL) values.push(final);
    try {
      return await (fn as unknown as (...v: unknown[]) => unknown).apply(self ?? this.ctx, values);
    } catch (e) {
      if (e instanceof TemplateExecError) throw e;
      this.mark('pos' in node ? node.pos : 0, nodeStr);
      return this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async evalArg(dot: unknown, n: ArgNode, cmd: ArgNode | CommandNode): Promise<unknown> {
    this.mark(n.pos, () => argString(n));
    switch (n.type) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'field':
        return this.evalFieldChain(dot, dot, n, n.ident, [n], NO_FINAL);
      case 'variable': {
        const v = this.varValue(n.ident[0]!);
        return n.ident.length === 1 ? v : this.evalFieldChain(dot, v, n, n.ident.slice(1), [n], NO_FINAL);
      }
      case 'pipe':
        return this.evalPipeline(dot, n);
      case 'identifier': {
        const fn = this.funcs[n.name];
        if (fn === undefined) return this.errorf(`${JSON.stringify(n.name)} is not a defined function`);
        const c = cmd.type === 'command' ? cmd : { type: 'command' as const, pos: n.pos, args: [n] };
        return this.evalCall(dot, fn, c, () => commandString(c), n.name, [n], NO_FINAL);
      }
      case 'chain': {
        const recv = await this.evalArg(dot, n.node, cmd);
        return this.evalFieldChain(dot, recv, n, n.field, [n], NO_FINAL);
      }
      case 'bool':
        return n.value;
      case 'number':
        return idealConstant(n);
      case 'string':
        return n.text;
    }
  }

  private printValue(pipe: PipeNode, v: unknown): void {
    if (typeof v === 'function') {
      this.mark(pipe.pos, () => argString(pipe));
      this.errorf(`can't print ${argString(pipe)} of type func`);
    }
    this.out.push(formatValue(v));
  }
}

/** Go's idealConstant: a literal with `.`/exponent is a float64, else an int. */
function idealConstant(n: Extract<ArgNode, { type: 'number' }>): unknown {
  if (n.isFloatLiteral) return n.float;
  return n.int;
}

/** The zero value of a map's element type: "" for string maps (labels, marked by stringMap), else Go's nil interface (<no value>). */
function zeroOf(map: object): unknown {
  return isStringMap(map) ? '' : undefined;
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
