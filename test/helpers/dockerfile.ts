/**
 * Reads a Dockerfile and a .dockerignore the way `docker build` does, for the tests that
 * reproduce the image without a container engine (test/infra/image.test.ts). Only the forms the
 * project's Dockerfile uses are understood; anything else throws, naming the line, so that a
 * change to the Dockerfile the reproduction cannot follow fails the test instead of being skipped.
 */
import { cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One instruction: its keyword (upper case), its arguments as written, and its first line. */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** One build stage: FROM's image and name, and the instructions after it. */
export interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let logical = lines[i]!.trim();
    if (logical === '' || logical.startsWith('#')) continue;
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      logical = logical.slice(0, -1);
      let next = lines[++i]!.trim();
      // Comment lines inside a continued instruction are dropped, and the instruction goes on.
      while (next.startsWith('#') && i + 1 < lines.length) next = lines[++i]!.trim();
      if (!next.startsWith('#')) logical += ` ${next}`;
    }
    const m = /^(\w+)\s+(.*)$/.exec(logical);
    if (!m) throw new Error(`Dockerfile line ${first}: cannot read "${logical}"`);
    const keyword = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`Dockerfile line ${first}: FROM "${args}" is not "image [AS name]"`);
      stages.push({ image: from[1]!, name: from[2], instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile line ${first}: ${keyword} before any FROM`);
    stage.instructions.push({ keyword, args, line: first });
  }
  return stages;
}

/** The exec form of ENTRYPOINT and CMD: a JSON array of strings. */
export function execForm(ins: Instruction): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(ins.args);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} must be a JSON array of strings (exec form), got ${ins.args}`);
  return parsed;
}

/** KEY=value pairs of ENV and LABEL (values optionally double-quoted). */
export function keyValues(ins: Instruction): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([\w.-]+)=("(?:[^"\\]|\\.)*"|\S+)\s*/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(ins.args))) {
    out[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
    end = re.lastIndex;
  }
  if (end !== ins.args.length) throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} "${ins.args}" is not a list of KEY=value`);
  return out;
}

/** A COPY: its sources, destination and --from stage (only --from is understood). */
export function copyArgs(ins: Instruction): { from: string | undefined; sources: string[]; dest: string } {
  const words = ins.args.split(/\s+/);
  let from: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift()!;
    const m = /^--from=(\S+)$/.exec(flag);
    if (!m) throw new Error(`Dockerfile line ${ins.line}: COPY flag ${flag} is not reproduced by the test`);
    from = m[1];
  }
  if (words.length < 2) throw new Error(`Dockerfile line ${ins.line}: COPY needs a source and a destination`);
  return { from, sources: words.slice(0, -1), dest: words.at(-1)! };
}

interface IgnorePattern {
  re: RegExp;
  exclusion: boolean;
}

/** Go's filepath.Match syntax with `**`, as moby's patternmatcher compiles it, to a RegExp. */
function compile(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) throw new Error(`.dockerignore: unterminated [ in "${pattern}"`);
      re += `[${pattern.slice(i + 1, close)}]`;
      i = close;
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A .dockerignore: `excluded(path)` says whether a context-relative path stays out of the build context. */
export function dockerignore(text: string): { excluded: (path: string) => boolean; hasExceptions: boolean } {
  const patterns: IgnorePattern[] = [];
  for (const raw of text.split('\n')) {
    let p = raw.trim();
    if (p === '' || p.startsWith('#')) continue;
    const exclusion = p.startsWith('!');
    if (exclusion) p = p.slice(1).trim();
    p = p.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\/{2,}/g, '/');
    if (p === '' || p === '.') continue;
    patterns.push({ re: compile(p), exclusion });
  }
  return {
    hasExceptions: patterns.some((p) => p.exclusion),
    // As moby's MatchesOrParentMatches: a pattern matches a path or any of its parent folders; the last match decides.
    excluded(path: string) {
      const parents = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
      let out = false;
      for (const p of patterns) if (parents.some((q) => p.re.test(q))) out = !p.exclusion;
      return out;
    },
  };
}

/**
 * Copies `src` (a file or folder inside the context `root`) to `dest`, leaving out what the
 * .dockerignore excludes; a folder's contents land in `dest`, as COPY does. An excluded folder is
 * entered only when `!` patterns could bring files under it back.
 */
export function copyFiltered(root: string, src: string, dest: string, ignore: ReturnType<typeof dockerignore>): number {
  const excluded = ignore.excluded;
  const rel = src === '.' ? '' : src.replace(/^\.\//, '').replace(/\/$/, '');
  if (rel !== '' && excluded(rel)) throw new Error(`COPY ${src}: excluded from the build context by .dockerignore`);
  let files = 0;
  const walk = (relPath: string, to: string) => {
    const from = join(root, relPath);
    if (!statSync(from).isDirectory()) {
      mkdirSync(dirname(to), { recursive: true });
      cpSync(from, to);
      files++;
      return;
    }
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) {
      const child = relPath === '' ? name : `${relPath}/${name}`;
      if (!excluded(child)) walk(child, join(to, name));
      else if (ignore.hasExceptions && statSync(join(root, child)).isDirectory()) walkExceptions(child, join(to, name));
    }
  };
  const walkExceptions = (relPath: string, to: string) => {
    for (const name of readdirSync(join(root, relPath))) {
      const child = `${relPath}/${name}`;
      if (!excluded(child)) walk(child, join(to, name));
      else if (statSync(join(root, child)).isDirectory()) walkExceptions(child, join(to, name));
    }
  };
  walk(rel, dest);
  return files;
}
