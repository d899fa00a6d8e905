/**
 * Label selectors as k8s.io/apimachinery/pkg/labels.Parse reads them, field selectors as
 * fields.ParseSelector does: checked at start-up, so a typo fails there and not at every LIST.
 */

const NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const OPERATOR_RE = /^(==|!=|=|!|,|\(|\)|<|>)$/;

function labelKeyProblem(key: string | undefined): string | undefined {
  if (key === undefined || OPERATOR_RE.test(key)) return `expected a label key, found ${key === undefined ? 'the end' : `"${key}"`}`;
  const parts = key.split('/');
  const name = parts[parts.length - 1]!;
  if (parts.length > 2) return `label key "${key}" has more than one "/"`;
  if (parts.length === 2 && (parts[0]!.length > 253 || !DNS_SUBDOMAIN_RE.test(parts[0]!))) return `label key prefix "${parts[0]}" is not a DNS subdomain`;
  if (name.length > 63 || !NAME_RE.test(name)) return `label key name "${name}" is not a valid label name`;
  return undefined;
}

function labelValueProblem(value: string): string | undefined {
  return value === '' || (value.length <= 63 && NAME_RE.test(value)) ? undefined : `"${value}" is not a valid label value`;
}

/** Why `text` is not a label selector, or undefined when it is one. */
export function labelSelectorProblem(text: string): string | undefined {
  const tokens: string[] = [];
  const scan = /\s*(==|!=|=|!|,|\(|\)|<|>|[^\s,()=!<>]+)\s*/y;
  while (scan.lastIndex < text.length) {
    const at = scan.lastIndex;
    const match = scan.exec(text);
    if (match === null) return `cannot read "${text.slice(at)}"`;
    tokens.push(match[1]!);
  }
  let i = 0;
  const isValue = (t: string | undefined) => t === undefined || t === ',' || t === ')' || !OPERATOR_RE.test(t);
  while (i < tokens.length) {
    const negated = tokens[i] === '!';
    if (negated) i++;
    const keyProblem = labelKeyProblem(tokens[i++]);
    if (keyProblem !== undefined) return keyProblem;
    const op = tokens[i];
    if (!negated && (op === '=' || op === '==' || op === '!=')) {
      const v = tokens[++i];
      if (!isValue(v)) return `expected a value after "${op}", found "${v}"`;
      if (v !== undefined && v !== ',') i++;
      const problem = labelValueProblem(v === undefined || v === ',' ? '' : v);
      if (problem !== undefined) return problem;
    } else if (!negated && (op === 'in' || op === 'notin')) {
      if (tokens[++i] !== '(') return `expected "(" after ${op}`;
      const values: string[] = [];
      for (i++; tokens[i] !== ')'; i++) {
        const t = tokens[i];
        if (t === undefined) return 'expected ")"';
        if (t !== ',') values.push(t);
        const problem = t === ',' ? undefined : labelValueProblem(t);
        if (problem !== undefined) return problem;
      }
      i++;
      if (values.length === 0) return `for '${op}' the set of values cannot be empty`;
    } else if (!negated && (op === '<' || op === '>')) {
      const v = tokens[++i];
      if (v === undefined || !/^-?\d+$/.test(v)) return `expected an integer after "${op}"`;
      i++;
    }
    if (i < tokens.length && tokens[i++] !== ',') return `expected "," found "${tokens[i - 1]}"`;
  }
  return undefined;
}

/** Why `text` is not a field selector, or undefined when it is one. */
export function fieldSelectorProblem(text: string): string | undefined {
  for (const term of splitUnescaped(text, ',')) {
    if (term === '') continue;
    const op = findFieldOperator(term);
    if (op === undefined) return `can't understand '${term}'`;
    if (hasBadEscape(term.slice(op))) return 'invalid escape sequence';
  }
  return undefined;
}

/** Whether a field selector value has a backslash followed by anything but a backslash, ",", "=" or "!". */
function hasBadEscape(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '\\') continue;
    const next = value[++i];
    if (next === undefined || !'\\,=!'.includes(next)) return true;
  }
  return false;
}

function splitUnescaped(text: string, sep: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === sep) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** The index after the first operator (!=, ==, =) of a field selector term, skipping escapes. */
function findFieldOperator(term: string): number | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') i++;
    else if (term.startsWith('!=', i) || term.startsWith('==', i)) return i + 2;
    else if (term[i] === '=') return i + 1;
  }
  return undefined;
}
