/** Go's regexp MatchString and ReplaceAllString over RE2 (re2js): linear time, Go's `$1`/`${name}` expansion. */
import { RE2JS } from 're2js';

const cache = new Map<string, RE2JS>();

/** Compiles a Go/RE2 pattern (cached, bounded). */
export function compile(pattern: string): RE2JS {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = RE2JS.compile(pattern);
    if (cache.size >= 500) cache.delete(cache.keys().next().value!);
    cache.set(pattern, re);
  }
  return re;
}

/** Go's regexp.MatchString: does the pattern match anywhere in s. */
export function matchString(pattern: string, s: string): boolean {
  return compile(pattern).test(s);
}

/** Go's Regexp.Expand of one template: $1, ${1}, $name, ${name}, $$. */
function expand(template: string, groups: Array<string | undefined>, named: Record<string, number>): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, _x: string, braced?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare ?? '';
    const idx = /^\d+$/.test(name) ? Number(name) : named[name];
    return idx === undefined ? '' : (groups[idx] ?? '');
  });
}

/** Go's Regexp.ReplaceAllString: empty matches right after a previous match are skipped, as Go does. */
export function replaceAllString(pattern: string, repl: string, text: string): string {
  const re = compile(pattern);
  const named = re.namedGroups();
  let out = '';
  let last = 0;
  let prevEnd = -1;
  for (const m of re.matchAll(text)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    if (start === end && start === prevEnd) continue;
    out += text.slice(last, start) + expand(repl, [...m], named);
    last = end;
    prevEnd = end;
  }
  return out + text.slice(last);
}
