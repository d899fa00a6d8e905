/** The parse tree of a Go text/template (text/template/parse/node.go), reduced to what Braid runs. */

/** An operand of a command. */
export type ArgNode =
  | { type: 'field'; pos: number; ident: string[] }
  | { type: 'variable'; pos: number; ident: string[] }
  | { type: 'chain'; pos: number; node: ArgNode; field: string[] }
  | { type: 'identifier'; pos: number; name: string }
  | { type: 'dot'; pos: number }
  | { type: 'nil'; pos: number }
  | { type: 'bool'; pos: number; value: boolean }
  | { type: 'string'; pos: number; quoted: string; text: string }
  | { type: 'number'; pos: number; text: string; int?: bigint; float?: number; isFloatLiteral: boolean }
  | PipeNode;

/** One command of a pipeline: a function or method with its arguments, or a single operand. */
export interface CommandNode {
  type: 'command';
  pos: number;
  args: ArgNode[];
}

/** A pipeline with optional declarations: `$x := a | b c`. */
export interface PipeNode {
  type: 'pipe';
  pos: number;
  isAssign: boolean;
  decl: string[];
  cmds: CommandNode[];
}

/** if, with or range: a pipeline, a body and an optional else body. */
export interface ControlNode {
  type: 'if' | 'with' | 'range';
  pos: number;
  pipe: PipeNode;
  list: Node[];
  elseList: Node[] | undefined;
}

/** A node of a template's body. */
export type Node =
  | { type: 'text'; pos: number; text: string }
  | { type: 'action'; pos: number; pipe: PipeNode }
  | ControlNode
  | { type: 'template'; pos: number; name: string; pipe: PipeNode | undefined }
  | { type: 'break' | 'continue'; pos: number };

/** A parsed template: its body plus where its text came from (for error positions). */
export interface Tree {
  name: string;
  parseName: string;
  text: string;
  root: Node[];
}

/** Go's String() of an operand, as error messages quote it (`at <.Foo>`). */
export function argString(n: ArgNode): string {
  switch (n.type) {
    case 'field':
      return n.ident.map((f) => '.' + f).join('');
    case 'variable':
      return n.ident.join('.');
    case 'chain':
      return (n.node.type === 'pipe' ? `(${argString(n.node)})` : argString(n.node)) + n.field.map((f) => '.' + f).join('');
    case 'identifier':
      return n.name;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(n.value);
    case 'string':
      return n.quoted;
    case 'number':
      return n.text;
    case 'pipe': {
      const cmds = n.cmds.map(commandString).join(' | ');
      return n.decl.length > 0 ? `${n.decl.join(', ')} ${n.isAssign ? '=' : ':='} ${cmds}` : cmds;
    }
  }
}

/** Go's String() of a command: its operands, a nested pipeline in parentheses. */
export function commandString(c: CommandNode): string {
  return c.args.map((a) => (a.type === 'pipe' ? `(${argString(a)})` : argString(a))).join(' ');
}
