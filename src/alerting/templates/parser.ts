/**
 * Parser for Go's text/template (text/template/parse/parse.go): items to a tree, with `define`d and
 * `block` templates collected beside the main one, and Go's error messages
 * (`template: NAME:LINE: unexpected EOF`).
 */
import { lex, type Item } from './lexer.js';
import type { ArgNode, CommandNode, Node, PipeNode, Tree } from './nodes.js';

/** A syntax error, with Go's message. */
export class TemplateParseError extends Error {
  override name = 'TemplateParseError';
}

type Stop = { type: 'end' | 'else'; pos: number };

/** Parses `text` as template `name`; returns it and the templates it defines (by name). */
export function parse(text: string, name: string, hasFunction: (name: string) => boolean): Map<string, Tree> {
  const trees = new Map<string, Tree>();
  const p = new Parser(lex(text), text, name, hasFunction, trees);
  const root = p.parseTop();
  // A template that only defines others does not replace one defined under the same name.
  if (!trees.has(name) || root.some((n) => n.type !== 'text' || n.text.trim() !== '')) trees.set(name, { name, parseName: name, text, root });
  return trees;
}

class Parser {
  private i = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private lastLine = 1;

  constructor(
    private readonly items: Item[],
    private readonly text: string,
    private readonly name: string,
    private readonly hasFunction: (name: string) => boolean,
    private readonly trees: Map<string, Tree>,
  ) {}

  parseTop(): Node[] {
    const root: Node[] = [];
    while (this.peek().kind !== 'eof') {
      if (this.peek().kind === 'leftDelim') {
        const save = this.i;
        this.next();
        const t = this.nextNonSpace();
        if (t.kind === 'keyword' && t.val === 'define') {
          this.parseDefinition('define clause');
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if ('stop' in n) this.errorf(`unexpected {{${n.stop.type}}}`);
      else root.push(n.node);
    }
    return root;
  }

  private parseDefinition(context: string): void {
    const tok = this.nextNonSpace();
    const defName = this.templateName(tok, context);
    this.expect('rightDelim', context);
    this.addDefinition(defName);
  }

  private addDefinition(defName: string): void {
    const savedVars = this.vars;
    this.vars = ['$'];
    const { list, stop } = this.itemList();
    if (stop.type !== 'end') this.errorf(`unexpected {{${stop.type}}} in ${'define clause'}`);
    this.vars = savedVars;
    const existing = this.trees.get(defName);
    const isEmpty = list.every((n) => n.type === 'text' && n.text.trim() === '');
    if (existing === undefined || !isEmpty) this.trees.set(defName, { name: defName, parseName: this.name, text: this.text, root: list });
  }

  private itemList(): { list: Node[]; stop: Stop } {
    const list: Node[] = [];
    while (this.peekNonSpace().kind !== 'eof') {
      const n = this.textOrAction();
      if ('stop' in n) return { list, stop: n.stop };
      list.push(n.node);
    }
    return this.errorf('unexpected EOF');
  }

  private textOrAction(): { node: Node } | { stop: Stop } {
    const t = this.nextNonSpace();
    if (t.kind === 'text') return { node: { type: 'text', pos: t.pos, text: t.val } };
    if (t.kind === 'leftDelim') return this.action();
    return this.unexpected(t, 'input');
  }

  private action(): { node: Node } | { stop: Stop } {
    const t = this.nextNonSpace();
    if (t.kind === 'keyword') {
      switch (t.val) {
        case 'block':
          return { node: this.blockControl() };
        case 'break':
        case 'continue':
          if (this.rangeDepth === 0) this.errorf(`{{${t.val}}} outside {{range}}`);
          this.expect('rightDelim', t.val);
          return { node: { type: t.val, pos: t.pos } };
        case 'else': {
          const peek = this.peekNonSpace();
          if (!(peek.kind === 'keyword' && (peek.val === 'if' || peek.val === 'with'))) this.expect('rightDelim', 'else');
          return { stop: { type: 'else', pos: t.pos } };
        }
        case 'end':
          this.expect('rightDelim', 'end');
          return { stop: { type: 'end', pos: t.pos } };
        case 'if':
        case 'with':
        case 'range':
          return { node: this.control(t.val) };
        case 'template':
          return { node: this.templateControl() };
        default:
          break;
      }
    }
    this.i--;
    const tok = this.peek();
    return { node: { type: 'action', pos: tok.pos, pipe: this.pipeline('command', 'rightDelim') } };
  }

  private control(context: 'if' | 'with' | 'range'): Node {
    const nVars = this.vars.length;
    const pipe = this.pipeline(context, 'rightDelim');
    if (context === 'range') this.rangeDepth++;
    const { list, stop } = this.itemList();
    if (context === 'range') this.rangeDepth--;
    let elseList: Node[] | undefined;
    if (stop.type === 'else') {
      const peek = this.peek();
      if (peek.kind === 'keyword' && peek.val === context && context !== 'range') {
        this.next();
        elseList = [this.control(context)];
      } else {
        const r = this.itemList();
        if (r.stop.type !== 'end') this.errorf(`expected end; found {{${r.stop.type}}}`);
        elseList = r.list;
      }
    }
    this.vars.length = nVars;
    return { type: context, pos: pipe.pos, pipe, list, elseList };
  }

  private templateControl(): Node {
    const tok = this.nextNonSpace();
    const name = this.templateName(tok, 'template clause');
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().kind !== 'rightDelim') {
      this.i--;
      pipe = this.pipeline('template clause', 'rightDelim');
    }
    return { type: 'template', pos: tok.pos, name, pipe };
  }

  private blockControl(): Node {
    const context = 'block clause';
    const tok = this.nextNonSpace();
    const name = this.templateName(tok, context);
    const pipe = this.pipeline(context, 'rightDelim');
    this.addDefinition(name);
    return { type: 'template', pos: tok.pos, name, pipe };
  }

  private templateName(tok: Item, context: string): string {
    if (tok.kind === 'string' || tok.kind === 'rawString') return this.unquote(tok);
    return this.unexpected(tok, context);
  }

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const start = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: start.pos, isAssign: false, decl: [], cmds: [] };
    for (;;) {
      const v = this.peekNonSpace();
      if (v.kind !== 'variable') break;
      const save = this.i;
      this.next();
      const next = this.peekNonSpace();
      if (next.kind === 'assign' || next.kind === 'declare') {
        pipe.isAssign = next.kind === 'assign';
        this.nextNonSpace();
        pipe.decl.push(v.val);
        if (pipe.isAssign) this.useVar(v.val);
        else this.vars.push(v.val);
        break;
      }
      if (next.kind === 'comma') {
        this.nextNonSpace();
        pipe.decl.push(v.val);
        this.vars.push(v.val);
        const after = this.peekNonSpace().kind;
        if (context === 'range' && pipe.decl.length < 2 && (after === 'variable' || after === 'rightDelim' || after === 'rightParen')) continue;
        if (context === 'range' && pipe.decl.length < 2) this.errorf('range can only initialize variables');
        this.errorf(`too many declarations in ${context}`);
      }
      this.i = save;
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.kind === end) {
        if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
        pipe.cmds.slice(1).forEach((c, i) => {
          const k = c.args[0]!.type;
          if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string') this.errorf(`non executable command in pipeline stage ${i + 2}`);
        });
        return pipe;
      }
      const operandStart = ['bool', 'char', 'dot', 'field', 'identifier', 'number', 'nil', 'rawString', 'string', 'variable', 'leftParen'];
      if (!operandStart.includes(t.kind)) this.unexpected(t, context);
      this.i--;
      pipe.cmds.push(this.command());
    }
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const t = this.next();
      if (t.kind === 'space') continue;
      if (t.kind === 'rightDelim' || t.kind === 'rightParen') this.i--;
      else if (t.kind !== 'pipe') this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (node === undefined || this.peek().kind !== 'field') return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().kind === 'field') fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        return this.errorf(`unexpected . after term ${JSON.stringify(argStringShort(node))}`);
      default:
        return { type: 'chain', pos, node, field: fields };
    }
  }

  private term(): ArgNode | undefined {
    const t = this.nextNonSpace();
    switch (t.kind) {
      case 'identifier':
        if (!this.hasFunction(t.val)) this.errorf(`function ${JSON.stringify(t.val)} not defined`);
        return { type: 'identifier', pos: t.pos, name: t.val };
      case 'dot':
        return { type: 'dot', pos: t.pos };
      case 'nil':
        return { type: 'nil', pos: t.pos };
      case 'variable':
        return this.useVar(t.val, t.pos);
      case 'field':
        return { type: 'field', pos: t.pos, ident: [t.val.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'char':
      case 'number':
        return this.number(t);
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return { type: 'string', pos: t.pos, quoted: t.val, text: this.unquote(t) };
      default:
        this.i--;
        return undefined;
    }
  }

  private useVar(name: string, pos = 0): ArgNode {
    if (!this.vars.includes(name)) this.errorf(`undefined variable ${JSON.stringify(name)}`);
    return { type: 'variable', pos, ident: [name] };
  }

  private number(t: Item): ArgNode {
    if (t.kind === 'char') {
      const s = this.unquote({ ...t, val: '"' + t.val.slice(1, -1).replace(/"/g, '\\"') + '"' });
      return { type: 'number', pos: t.pos, text: t.val, int: BigInt(s.codePointAt(0) ?? 0), isFloatLiteral: false };
    }
    const clean = t.val.replace(/_/g, '');
    const isHex = /^[+-]?0[xX]/.test(clean);
    const isFloatLiteral = !isHex && /[.eE]/.test(clean) || isHex && /[pP.]/.test(clean);
    const node: ArgNode = { type: 'number', pos: t.pos, text: t.val, isFloatLiteral };
    if (!isFloatLiteral) {
      const neg = clean.startsWith('-');
      const body = clean.replace(/^[+-]/, '').replace(/^0([0-7]+)$/, '0o$1');
      try {
        node.int = neg ? -BigInt(body) : BigInt(body);
        node.float = Number(node.int);
      } catch {
        this.errorf(`illegal number syntax: ${JSON.stringify(t.val)}`);
      }
    } else {
      const f = isHex ? parseHexFloat(clean) : Number(clean);
      if (Number.isNaN(f)) this.errorf(`illegal number syntax: ${JSON.stringify(t.val)}`);
      node.float = f;
      if (Number.isInteger(f)) node.int = BigInt(f);
    }
    return node;
  }

  private unquote(t: Item): string {
    if (t.kind === 'rawString') return t.val.slice(1, -1).replace(/\r/g, '');
    try {
      return unquoteGo(t.val);
    } catch (e) {
      return this.errorf((e as Error).message);
    }
  }

  private expect(kind: Item['kind'], context: string): Item {
    const t = this.nextNonSpace();
    if (t.kind !== kind) this.unexpected(t, context);
    return t;
  }

  private unexpected(t: Item, context: string): never {
    if (t.kind === 'error') return this.errorf(t.val);
    return this.errorf(`unexpected ${itemString(t)} in ${context}`);
  }

  private errorf(msg: string): never {
    throw new TemplateParseError(`template: ${this.name}:${this.lastLine}: ${msg}`);
  }

  private peek(): Item {
    return this.items[this.i] ?? this.items[this.items.length - 1]!;
  }

  private next(): Item {
    const t = this.peek();
    if (this.i < this.items.length - 1) this.i++;
    else this.i = this.items.length;
    this.lastLine = t.line;
    return t;
  }

  private nextNonSpace(): Item {
    let t = this.next();
    while (t.kind === 'space') t = this.next();
    return t;
  }

  private peekNonSpace(): Item {
    const t = this.nextNonSpace();
    this.i = this.items.indexOf(t);
    return t;
  }
}

const argStringShort = (n: ArgNode): string => ('quoted' in n ? n.quoted : 'text' in n ? n.text : n.type === 'bool' ? String(n.value) : n.type === 'nil' ? 'nil' : '.');

/** Go's item String(): EOF, <keyword>, or the value quoted (cut to 10 characters). */
function itemString(t: Item): string {
  if (t.kind === 'eof') return 'EOF';
  if (t.kind === 'keyword') return `<${t.val}>`;
  if (t.kind === 'leftDelim' || t.kind === 'rightDelim') return `<${t.val}>`;
  if ([...t.val].length > 10) return `${goQuote([...t.val].slice(0, 10).join(''))}...`;
  return goQuote(t.val);
}

/** Go's strconv.Quote for the printable ASCII subset; other characters as \u escapes where unprintable. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c >= 0x80 && !/^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch) && ch !== ' ') out += c > 0xffff ? '\\U' + c.toString(16).padStart(8, '0') : '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** Go's strconv.Unquote of a double-quoted literal. */
function unquoteGo(q: string): string {
  const body = q.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|[abfnrtv\\'"]|.)/g, (_m, e: string) => {
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"' };
    if (e in simple) return simple[e]!;
    if (/^[xuU]/.test(e) && e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]{3}$/.test(e)) return String.fromCodePoint(parseInt(e, 8));
    throw new Error('invalid syntax');
  });
}

function parseHexFloat(s: string): number {
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(s);
  if (!m) return NaN;
  const frac = m[3] ?? '';
  const mant = parseInt((m[2] ?? '') + frac || '0', 16) / 16 ** frac.length;
  return (m[1] === '-' ? -1 : 1) * mant * 2 ** Number(m[4]);
}
