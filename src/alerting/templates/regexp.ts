/**
 * Go's regexp MatchString and ReplaceAllString for the template functions `match` and
 * `reReplaceAll`: the shared Go-syntax RE2 of src/model/text (linear time, Go's syntax, errors and
 * `$1`/`${name}` expansion), compiled once per pattern.
 */
import { compileGoRegexp, type GoRegexp } from '../../model/text/goregexp.js';

const cache = new Map<string, GoRegexp>();

/** Compiles a Go/RE2 pattern (cached, bounded); throws Go's syntax error. */
export function compile(pattern: string): GoRegexp {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = compileGoRegexp(pattern);
    if (cache.size >= 500) cache.delete(cache.keys().next().value!);
    cache.set(pattern, re);
  }
  return re;
}

/** Go's regexp.MatchString: does the pattern match anywhere in s. */
export function matchString(pattern: string, s: string): boolean {
  return compile(pattern).matchString(s);
}

/** Go's Regexp.ReplaceAllString. */
export function replaceAllString(pattern: string, repl: string, text: string): string {
  return compile(pattern).replaceAllString(text, repl);
}
