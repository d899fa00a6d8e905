/**
 * Lexer for Go's text/template (text/template/parse/lex.go): splits a template into text and the
 * items inside `{{ }}` actions, with Go's trim markers and comments and Go's error messages.
 */

/** Kinds of lexed items. */
export type ItemKind =
  | 'text' | 'leftDelim' | 'rightDelim' | 'bool' | 'char' | 'number' | 'string' | 'rawString'
  | 'identifier' | 'field' | 'variable' | 'dot' | 'nil' | 'pipe' | 'leftParen' | 'rightParen'
  | 'declare' | 'assign' | 'comma' | 'space' | 'keyword' | 'eof' | 'error';

/** One lexed item; `pos` is its byte offset (UTF-16 index) in the template text. */
export interface Item {
  kind: ItemKind;
  val: string;
  pos: number;
  line: number;
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string): boolean => /^[\p{L}\p{Nd}_]$/u.test(c);

/** Go's %#U of a character: U+00A0, or U+0040 '@' when printable. */
function formatRune(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  const hex = 'U+' + code.toString(16).toUpperCase().padStart(4, '0');
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(c) || c === ' ' ? `${hex} '${c}'` : hex;
}

/** Lexes a whole template into items; the last is `eof` or `error` (whose `val` is the message). */
export function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let line = 1;
  let trimNext = false;
  const emit = (kind: ItemKind, start: number, end: number, startLine: number): void => {
    items.push({ kind, val: input.slice(start, end), pos: start, line: startLine });
  };
  const fail = (msg: string, at: number): Item[] => {
    items.push({ kind: 'error', val: msg, pos: at, line });
    return items;
  };
  const countLines = (s: string): number => s.split('\n').length - 1;

  for (;;) {
    // Text up to the next left delimiter.
    let start = pos;
    if (trimNext) {
      while (start < input.length && isSpace(input[start]!)) start++;
      line += countLines(input.slice(pos, start));
      trimNext = false;
    }
    const open = input.indexOf('{{', start);
    if (open < 0) {
      if (start < input.length) emit('text', start, input.length, line);
      items.push({ kind: 'eof', val: '', pos: input.length, line: line + countLines(input.slice(start)) });
      return items;
    }
    const trimLeft = input[open + 2] === '-' && isSpace(input[open + 3] ?? '');
    let textEnd = open;
    if (trimLeft) while (textEnd > start && isSpace(input[textEnd - 1]!)) textEnd--;
    if (textEnd > start) emit('text', start, textEnd, line);
    line += countLines(input.slice(start, open));
    pos = open + (trimLeft ? 4 : 2);
    // A comment: {{/* ... */}} with optional trim markers, nothing else inside the action.
    if (input.startsWith('/*', pos)) {
      const close = input.indexOf('*/', pos + 2);
      if (close < 0) return fail('unclosed comment', pos);
      line += countLines(input.slice(pos, close));
      pos = close + 2;
      if (input.startsWith(' -}}', pos) || input.startsWith('\t-}}', pos) || input.startsWith('\n-}}', pos) || input.startsWith('\r-}}', pos)) {
        pos += 4;
        trimNext = true;
      } else if (input.startsWith('}}', pos)) {
        pos += 2;
      } else {
        return fail('comment ends before closing delimiter', pos);
      }
      continue;
    }
    items.push({ kind: 'leftDelim', val: '{{', pos: open, line });
    const r = lexAction(input, pos, line, items);
    if (r.error) return items;
    pos = r.pos;
    line = r.line;
    trimNext = r.trim;
  }
}

interface ActionEnd { pos: number; line: number; trim: boolean; error: boolean }

/** Lexes the inside of one action, from after `{{` to and including `}}`. */
function lexAction(input: string, start: number, startLine: number, items: Item[]): ActionEnd {
  let pos = start;
  let line = startLine;
  let parenDepth = 0;
  const emit = (kind: ItemKind, from: number, to: number): void => {
    items.push({ kind, val: input.slice(from, to), pos: from, line });
  };
  const fail = (msg: string): ActionEnd => {
    items.push({ kind: 'error', val: msg, pos, line });
    return { pos, line, trim: false, error: true };
  };
  for (;;) {
    const atRightTrim = isSpace(input[pos] ?? '') && input.startsWith('-}}', pos + 1);
    if (atRightTrim || input.startsWith('}}', pos)) {
      if (atRightTrim) {
        if (input[pos] === '\n') line++;
        pos++;
      }
      if (parenDepth > 0) return fail('unclosed left paren');
      const end = pos + (atRightTrim ? 3 : 2);
      items.push({ kind: 'rightDelim', val: '}}', pos, line });
      return { pos: end, line, trim: atRightTrim, error: false };
    }
    if (pos >= input.length) return fail('unclosed action');
    const c = input[pos]!;
    const from = pos;
    if (isSpace(c)) {
      while (pos < input.length && isSpace(input[pos]!)) pos++;
      if (input.startsWith('-}}', pos)) pos--;
      line += input.slice(from, pos).split('\n').length - 1;
      if (pos === from) continue;
      emit('space', from, pos);
    } else if (c === '=') {
      pos++;
      emit('assign', from, pos);
    } else if (c === ':') {
      if (input[pos + 1] !== '=') return fail('expected :=');
      pos += 2;
      emit('declare', from, pos);
    } else if (c === '|') {
      pos++;
      emit('pipe', from, pos);
    } else if (c === '"' || c === "'") {
      pos++;
      for (;;) {
        const d = input[pos];
        if (d === '\\' && pos + 1 < input.length && input[pos + 1] !== '\n') {
          pos += 2;
          continue;
        }
        if (d === undefined || d === '\n') return fail(c === '"' ? 'unterminated quoted string' : 'unterminated character constant');
        pos++;
        if (d === c) break;
      }
      emit(c === '"' ? 'string' : 'char', from, pos);
    } else if (c === '`') {
      const close = input.indexOf('`', pos + 1);
      if (close < 0) return fail('unterminated raw quoted string');
      line += input.slice(pos, close).split('\n').length - 1;
      pos = close + 1;
      emit('rawString', from, pos);
    } else if (c === '$' || c === '.') {
      if (c === '.' && /[0-9]/.test(input[pos + 1] ?? '')) {
        pos = lexNumber(input, pos);
        emit('number', from, pos);
        continue;
      }
      pos++;
      while (pos < input.length && isAlnum(input[pos]!)) pos++;
      emit(c === '$' ? 'variable' : pos === from + 1 ? 'dot' : 'field', from, pos);
      if (!atTerminator(input, pos)) return fail(`bad character ${formatRune(input[pos]!)}`);
    } else if (c === '+' || c === '-' || /[0-9]/.test(c)) {
      pos = lexNumber(input, pos);
      if (pos < input.length && isAlnum(input[pos]!)) return fail(`bad number syntax: "${input.slice(from, pos + 1)}"`);
      emit('number', from, pos);
    } else if (isAlnum(c)) {
      while (pos < input.length && isAlnum(input[pos]!)) pos++;
      const word = input.slice(from, pos);
      if (!atTerminator(input, pos)) return fail(`bad character ${formatRune(input[pos]!)}`);
      emit(KEYWORDS.has(word) ? 'keyword' : word === 'true' || word === 'false' ? 'bool' : word === 'nil' ? 'nil' : 'identifier', from, pos);
    } else if (c === '(') {
      parenDepth++;
      pos++;
      emit('leftParen', from, pos);
    } else if (c === ')') {
      parenDepth--;
      if (parenDepth < 0) return fail('unexpected right paren');
      pos++;
      emit('rightParen', from, pos);
    } else if (c === ',') {
      pos++;
      emit('comma', from, pos);
    } else {
      return fail(`unrecognized character in action: ${formatRune(c)}`);
    }
  }
}

/** Go's atTerminator: what may follow an identifier, field or variable. */
function atTerminator(input: string, pos: number): boolean {
  const c = input[pos];
  if (c === undefined) return true;
  return isSpace(c) || c === '.' || c === ',' || c === '|' || c === ':' || c === ')' || c === '(' || c === '=' || input.startsWith('}}', pos);
}

/** Scans a Go number literal (decimal, hex, octal, binary, floats, underscores) starting at pos. */
function lexNumber(input: string, start: number): number {
  let pos = start;
  if (input[pos] === '+' || input[pos] === '-') pos++;
  let digits = /[0-9_]/;
  if (input[pos] === '0' && /[xXoObB]/.test(input[pos + 1] ?? '')) {
    const k = input[pos + 1]!.toLowerCase();
    digits = k === 'x' ? /[0-9a-fA-F_]/ : k === 'o' ? /[0-7_]/ : /[01_]/;
    pos += 2;
  }
  const run = (): void => {
    while (pos < input.length && digits.test(input[pos]!)) pos++;
  };
  run();
  if (input[pos] === '.') {
    pos++;
    run();
  }
  const exp = digits.source.includes('a-f') ? /[pP]/ : /[eEpP]/;
  if (exp.test(input[pos] ?? '')) {
    pos++;
    if (input[pos] === '+' || input[pos] === '-') pos++;
    while (pos < input.length && /[0-9_]/.test(input[pos]!)) pos++;
  }
  if (input[pos] === 'i') pos++;
  return pos;
}
