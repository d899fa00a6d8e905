/**
 * File-based service discovery, as Prometheus's discovery/file: JSON or YAML files (by extension)
 * holding `[{targets: [...], labels: {...}}]`, found by path or by a `*` glob in the last path
 * element, re-read when their directory changes and on every refresh interval. Each group gets
 * `__meta_filepath` and the source `<file>:<index>`; groups that vanish (file deleted or shortened)
 * are sent empty so their targets go away. A file that does not parse is logged and its previous
 * groups are kept, so a half-written edit never drops targets.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { Logger } from '../../../telemetry/logger.js';
import type { Discoverer, Labels, TargetGroup } from './types.js';

/** One file_sd_configs entry, paths already absolute. */
export interface FileSdSettings {
  /** Paths or patterns (`*`, `?`, `[...]` in the last element). */
  files: string[];
  refreshIntervalMs: number;
}

/** How long a burst of file events is collected before one re-read (an editor's save is several). */
const WATCH_DEBOUNCE_MS = 50;

/** Prometheus's classic label-name rule, as the scrape config applies it to static labels. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const groupSchema = z.strictObject({
  targets: z.array(z.string()).nullish(),
  labels: z.record(z.string(), z.string()).nullish(),
});
const groupsSchema = z.array(groupSchema).nullable();

/**
 * Starts discovery: reads the files at once, then on change and every refresh interval. Calls
 * `onUpdate` with the groups that changed; the first call comes after the first read, even if empty.
 */
export function startFileSd(settings: FileSdSettings, onUpdate: (groups: TargetGroup[]) => void, log: Logger): Discoverer {
  const sd = new FileSd(settings, onUpdate, log);
  sd.start();
  return sd;
}

class FileSd implements Discoverer {
  /** Groups per file at the last refresh, to know which sources to empty when a file shrinks or goes. */
  private counts = new Map<string, number>();
  /** What was last sent per source, so unchanged groups are not sent again. */
  private sent = new Map<string, string>();
  /** Last read error per file, so a lasting error is logged once. */
  private failing = new Map<string, string>();
  private watchers = new Map<string, FSWatcher>();
  private first = true;
  private dirty = false;
  private running: Promise<void> | undefined;
  private interval: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly settings: FileSdSettings,
    private readonly onUpdate: (groups: TargetGroup[]) => void,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.log.info({ files: this.settings.files, refresh_interval_ms: this.settings.refreshIntervalMs }, 'file_sd started');
    this.interval = setInterval(() => this.request(), this.settings.refreshIntervalMs);
    this.request();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.interval);
    clearTimeout(this.debounce);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    await this.running;
    this.log.info({ files: this.settings.files }, 'file_sd stopped');
  }

  /** Asks for a refresh; refreshes never overlap, and requests during one cause exactly one more. */
  private request(): void {
    if (this.stopped) return;
    this.dirty = true;
    this.running ??= this.drain();
  }

  private async drain(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      try {
        await this.refresh();
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'file_sd refresh failed');
      }
    }
    this.running = undefined;
  }

  private async refresh(): Promise<void> {
    const updates: TargetGroup[] = [];
    const counts = new Map<string, number>();
    for (const file of await listFiles(this.settings.files)) {
      try {
        const groups = await readGroups(file);
        counts.set(file, groups.length);
        updates.push(...groups);
        if (this.failing.delete(file)) this.log.info({ file }, 'file_sd file readable again');
      } catch (err) {
        const message = (err as Error).message;
        if (this.failing.get(file) !== message) this.log.error({ file, err: message }, 'file_sd cannot read file; keeping its previous targets');
        this.failing.set(file, message);
        // As Prometheus: keep the previous count so the file's groups are not deleted below.
        counts.set(file, this.counts.get(file) ?? 0);
      }
    }
    for (const [file, n] of this.counts) {
      const m = counts.get(file) ?? 0;
      for (let i = m; i < n; i++) updates.push({ source: sourceOf(file, i), targets: [], labels: {} });
      if (!counts.has(file)) this.failing.delete(file);
    }
    this.counts = counts;
    this.ensureWatches();
    this.emit(updates);
  }

  private emit(updates: TargetGroup[]): void {
    const changed = updates.filter((g) => {
      const gone = g.targets.length === 0 && Object.keys(g.labels).length === 0;
      const text = JSON.stringify([g.targets, g.labels]);
      if (gone ? !this.sent.has(g.source) : this.sent.get(g.source) === text) return false;
      if (gone) this.sent.delete(g.source);
      else this.sent.set(g.source, text);
      return true;
    });
    if (this.stopped || (changed.length === 0 && !this.first)) return;
    this.first = false;
    this.onUpdate(changed);
  }

  /** Watches each pattern's directory; one that does not exist yet is tried again at the next refresh. */
  private ensureWatches(): void {
    if (this.stopped) return;
    for (const dir of new Set(this.settings.files.map((f) => dirname(f)))) {
      if (this.watchers.has(dir)) continue;
      const names = this.settings.files.filter((f) => dirname(f) === dir).map((f) => globRegExp(basename(f)));
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          if (name === null || names.some((re) => re.test(name.toString()))) this.changed();
        });
        w.on('error', (err) => {
          this.log.warn({ dir, err: err.message }, 'file_sd stopped watching a directory; relying on the refresh interval');
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch (err) {
        this.log.debug({ dir, err: (err as Error).message }, 'file_sd cannot watch directory yet');
      }
    }
  }

  private changed(): void {
    if (this.stopped) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.request(), WATCH_DEBOUNCE_MS);
  }
}

const sourceOf = (file: string, i: number) => `${file}:${i}`;

/** The files the patterns name now: globs expanded in the last element, plain paths if they exist. */
async function listFiles(patterns: string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const pattern of patterns) {
    const dir = dirname(pattern);
    const base = basename(pattern);
    if (!/[*?[]/.test(base)) {
      if (await stat(pattern).then(() => true, () => false)) out.add(pattern);
      continue;
    }
    const re = globRegExp(base);
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const name of entries.sort()) if (re.test(name)) out.add(join(dir, name));
  }
  return [...out];
}

/** A path element pattern as Go's filepath.Match reads it: `*`, `?` and `[...]` classes. */
function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      re += `[${body.startsWith('^') ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Reads one file's groups; throws with the reason when it is not a valid list of groups. */
export async function readGroups(file: string): Promise<TargetGroup[]> {
  const text = await readFile(file, 'utf8');
  let raw: unknown;
  if (extname(file).toLowerCase() === '.json') {
    raw = JSON.parse(text);
  } else {
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message.split('\n')[0]).join('; ')}`);
    raw = doc.toJS() ?? null;
  }
  const parsed = groupsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') || '(top level)'}: ${i.message}`).join('; '));
  }
  return (parsed.data ?? []).map((g, i) => {
    const labels: Labels = { ...(g.labels ?? {}) };
    for (const name of Object.keys(labels)) {
      if (!LABEL_NAME.test(name)) throw new Error(`[${i}].labels: ${JSON.stringify(name)} is not a valid label name`);
    }
    labels.__meta_filepath = file;
    return { source: sourceOf(file, i), targets: (g.targets ?? []).map((t) => ({ __address__: t })), labels };
  });
}
