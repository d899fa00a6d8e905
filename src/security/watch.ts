/**
 * Watches files for changes: fs.watch on each file's folder (which also sees a file replaced by
 * rename, as editors and Kubernetes Secret volumes do) and an mtime/size/inode poll as the
 * fallback where fs.watch misses events (network filesystems, some containers).
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** A running watch; close() stops it. */
export interface FileWatch {
  close(): void;
}

/** Settings of a file watch. */
export interface FileWatchSettings {
  /** How often the poll compares the files' mtime, size and inode (default 5 s). */
  pollMs?: number;
  /** Events of one change are gathered this long before `onChange` runs (default 50 ms). */
  debounceMs?: number;
}

const fingerprint = (path: string): string => {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}:${s.ino}`;
  } catch {
    return 'absent';
  }
};

/** Calls `onChange` once after any of `paths` changes (debounced); never throws from a watcher. */
export function watchFiles(paths: readonly string[], onChange: () => void, settings: FileWatchSettings = {}): FileWatch {
  const last = new Map(paths.map((p) => [p, fingerprint(p)]));
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const fire = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      for (const p of paths) last.set(p, fingerprint(p));
      if (!closed) onChange();
    }, settings.debounceMs ?? 50);
    timer.unref();
  };
  const names = new Set(paths.map((p) => basename(p)));
  const watchers: FSWatcher[] = [];
  for (const dir of new Set(paths.map((p) => dirname(p)))) {
    try {
      // A Secret volume swaps a `..data` symlink, not the file's own name: any event in the folder counts.
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || names.has(String(name)) || String(name).startsWith('..')) fire();
      });
      w.on('error', () => {});
      watchers.push(w);
    } catch {
      // No fs.watch here: the poll below still sees changes.
    }
  }
  const poll = setInterval(() => {
    if (paths.some((p) => fingerprint(p) !== last.get(p))) fire();
  }, settings.pollMs ?? 5_000);
  poll.unref();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(poll);
      for (const w of watchers) w.close();
    },
  };
}
