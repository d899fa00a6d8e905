/**
 * Go's regexp.Compile on re2js: Go 1.26's syntax (re2-rewrite.ts bridges the differences) and
 * error messages, for the anchored regexes of regex.ts and, unanchored, for the `match` and
 * `reReplaceAll` functions of alert templates (Go's MatchString and ReplaceAllString).
 */
import { RE2JS, RE2JSException } from 're2js';
import { rewriteForRe2js } from './re2-rewrite.js';
import { compileTemplate, expand } from './template.js';

/** A regex Go refuses; the message is Go's (`error parsing regexp: ...`). */
export class RegexSyntaxError extends Error {}

/** A regex compiled by re2js as Go compiles `source`, with its capture groups and names. */
export interface Re2Program {
  re: RE2JS;
  groups: number;
  names: ReadonlyMap<string, readonly number[]>;
  /** The rewritten source that re2js compiled. */
  source: string;
  /** Whether Prometheus's wrapper group (at index 1 of `^(?s:...)$`) closes before the end. */
  wrapperClosesEarly: boolean;
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Compiles `source` as Go's regexp.Compile does; throws RegexSyntaxError with Go's message. */
export function compileRe2(source: string): Re2Program {
  const bad = LONE_SURROGATE.exec(source);
  if (bad !== null) throw new RegexSyntaxError(`error parsing regexp: invalid UTF-8: \`${source.slice(bad.index)}\``);
  const rewritten = rewriteForRe2js(source);
  let re: RE2JS;
  try {
    re = RE2JS.compile(rewritten.source);
  } catch (err) {
    if (err instanceof RE2JSException) throw new RegexSyntaxError(goMessage(err.message, rewritten.source, rewritten.original));
    throw err;
  }
  const groups = re.groupCount();
  if (groups !== rewritten.groups) {
    throw new Error(`regex ${JSON.stringify(source)}: ${rewritten.groups} capture groups counted, re2js has ${groups}`);
  }
  return { re, groups, names: rewritten.names, source: rewritten.source, wrapperClosesEarly: rewritten.wrapperClosesEarly };
}

/** re2js's message with the text it quotes from the rewritten pattern put back as written. */
function goMessage(message: string, source: string, original: (from: number, to: number) => string): string {
  const m = /^(error parsing regexp: [^`]*`)([\s\S]*)`$/.exec(message);
  // Go always quotes the expression, empty too (`trailing backslash at end of expression: ``).
  if (m === null) return message.startsWith('error parsing regexp: ') ? `${message}: \`\`` : message;
  const quoted = m[2]!;
  const at = source.indexOf(quoted);
  return at < 0 ? message : `${m[1]}${original(at, at + quoted.length)}\``;
}

/** Go's *regexp.Regexp for the template functions: unanchored, as regexp.Compile(pattern). */
export interface GoRegexp {
  /** Go's MatchString: whether the regex matches anywhere in `s`. */
  matchString(s: string): boolean;
  /** Go's ReplaceAllString: every match replaced by `repl` with `$1`, `${name}` expanded. */
  replaceAllString(src: string, repl: string): string;
}

/** Compiles `pattern` as Go's regexp.Compile does; throws RegexSyntaxError with Go's message. */
export function compileGoRegexp(pattern: string): GoRegexp {
  const program = compileRe2(pattern);
  const { re } = program;
  return {
    matchString: (s) => re.test(s),
    replaceAllString: (src, repl) => {
      const template = compileTemplate(repl, program);
      const m = re.matcher(src);
      let out = '';
      let last = 0;
      for (let pos = 0; pos <= src.length && m.find(pos); ) {
        const start = m.start();
        const end = m.end();
        out += src.slice(last, start);
        // No replacement for an empty match right after the previous match, as Go does.
        if (end > last || start === 0) {
          out += expand(template, Array.from({ length: program.groups + 1 }, (_, g) => m.group(g) ?? undefined));
        }
        last = end;
        const width = (src.codePointAt(pos) ?? 0) > 0xffff ? 2 : 1;
        pos = pos + width > end ? pos + width : end;
      }
      return out + src.slice(last);
    },
  };
}
