/**
 * Regex templates (relabel `replacement` and `target_label`, label_replace's replacement),
 * expanded as Go's Regexp.Expand expands them: `$1`, `${1}`, `$name`, `${name}`, where a name
 * takes the longest run of letters, digits and `_` (so `$1x` is the group named `1x`, empty), a
 * name that is no group expands to nothing, `$$` is `$`, and a malformed `$` is kept as is. Compiled once, when
 * the rule or query is loaded, against the groups of its regex.
 */
import type { CompiledRegex } from './regex.js';

/** A compiled template: literal text and group references (a list: the first that took part). */
export interface Template {
  readonly text: string;
  /** Undefined when the text has no `$`: it is then used as is. */
  readonly parts: ReadonlyArray<string | number | readonly number[]> | undefined;
  /** Every group the template refers to. */
  readonly groups: readonly number[];
}

const NAME_CHAR = /^[\p{L}\p{Nd}_]$/u;

/** Compiles a template against the capture groups (numbers and names) of `re`. */
export function compileTemplate(text: string, re: Pick<CompiledRegex, 'groups' | 'names'>): Template {
  if (!text.includes('$')) return { text, parts: undefined, groups: [] };
  const parts: Array<string | number | readonly number[]> = [];
  const groups: number[] = [];
  let lit = '';
  let i = 0;
  for (;;) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) break;
    lit += text.slice(i, dollar);
    i = dollar + 1;
    if (text[i] === '$') {
      lit += '$';
      i++;
      continue;
    }
    const ref = extractRef(text, i);
    if (ref === undefined) {
      lit += '$';
      continue;
    }
    i = ref.end;
    const target = ref.num >= 0 ? (ref.num <= re.groups ? ref.num : undefined) : re.names.get(ref.name);
    if (target === undefined) continue;
    if (lit !== '') parts.push(lit);
    lit = '';
    parts.push(target);
    groups.push(...(typeof target === 'number' ? [target] : target));
  }
  lit += text.slice(i);
  if (lit !== '') parts.push(lit);
  return { text, parts, groups };
}

/** Go's regexp `extract`: the name after a `$`, bare or in braces, and its number if it is one. */
function extractRef(text: string, start: number): { name: string; num: number; end: number } | undefined {
  let i = start;
  const brace = text[i] === '{';
  if (brace) i++;
  const nameStart = i;
  while (i < text.length) {
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    if (!NAME_CHAR.test(ch)) break;
    i += ch.length;
  }
  if (i === nameStart) return undefined;
  const name = text.slice(nameStart, i);
  if (brace) {
    if (text[i] !== '}') return undefined;
    i++;
  }
  let num = 0;
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    if (c < 0x30 || c > 0x39 || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + c - 0x30;
  }
  if (name[0] === '0' && name.length > 1) num = -1;
  return { name, num, end: i };
}

/** The template filled in from the submatches `m` of its regex. */
export function expand(t: Template, m: ArrayLike<string | undefined>): string {
  if (t.parts === undefined) return t.text;
  let out = '';
  for (const p of t.parts) {
    if (typeof p === 'string') out += p;
    else if (typeof p === 'number') out += m[p] ?? '';
    else {
      for (const g of p) {
        const v = m[g];
        if (v !== undefined) {
          out += v;
          break;
        }
      }
    }
  }
  return out;
}
