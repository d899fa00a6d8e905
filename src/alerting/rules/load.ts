/** Finds rule files by glob (Go's filepath.Glob: `*`, `?`, `[...]` within one path segment) and reads them. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseRuleFile } from './parse.js';
import type { RuleFile } from './types.js';

const META = /[*?[]/;

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) throw new Error(`syntax error in pattern: ${seg}`);
      const body = seg.slice(i + 1, end);
      re += `[${body.startsWith('^') ? '^' + body.slice(1) : body}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The files matching `pattern`, sorted (a pattern without wildcards matches itself when it exists). */
export async function glob(pattern: string): Promise<string[]> {
  const abs = path.isAbsolute(pattern);
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0);
  let found = [abs ? '/' : ''];
  for (const [i, seg] of parts.entries()) {
    if (abs && i === 0) continue;
    const next: string[] = [];
    for (const dir of found) {
      if (!META.test(seg)) {
        next.push(dir === '' ? seg : path.join(dir, seg));
        continue;
      }
      const re = segmentRegex(seg);
      const names = await readdir(dir === '' ? '.' : dir).catch(() => [] as string[]);
      for (const n of names.sort()) if (re.test(n) && (n[0] !== '.' || seg[0] === '.')) next.push(dir === '' ? n : path.join(dir, n));
    }
    found = next;
  }
  const exists = await Promise.all(found.map((f) => readFile(f).then(() => true, () => false)));
  return found.filter((_, i) => exists[i]);
}

/** Expands every glob (in order, each file once). */
export async function expandRuleFiles(patterns: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of patterns) for (const f of await glob(p)) if (!out.includes(f)) out.push(f);
  return out;
}

/** Reads and parses one rule file; a read failure is reported as `file: reason`. */
export async function loadRuleFile(file: string): Promise<RuleFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason = e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    return { file, groups: [], errors: [`${file}: open ${file}: ${reason}`] };
  }
  return parseRuleFile(text, file);
}
