/**
 * The tokens file on disk: read at start (a bad file stops start-up), re-read whenever it
 * changes (src/security/watch.ts); a broken new version keeps the previous tokens and logs why.
 */
import { readFileSync } from 'node:fs';
import { BraidError } from '../errors.js';
import type { Logger } from '../telemetry/logger.js';
import { TokenTable } from './tokens.js';
import { watchFiles, type FileWatch, type FileWatchSettings } from './watch.js';

/** The tokens of a file, kept current. */
export interface TokensFile {
  /** The tokens of the last good version of the file. */
  current(): TokenTable;
  close(): void;
}

/** Reads the tokens file's text; errors name the setting and path. */
function readText(path: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new BraidError('BRAID_ERR_CONFIG_READ', `${setting}: cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
}

/** Reads and parses the tokens file; errors name the setting and line, never a token. */
export function readTokensFile(path: string, setting = 'auth.tokens_file'): TokenTable {
  return TokenTable.parse(readText(path, setting), `${setting} ${path}`);
}

/** Opens the tokens file and watches it; `onReload` learns each reload's outcome. */
export function openTokensFile(path: string, log: Logger, onReload: (ok: boolean) => void = () => {}, watchSettings: FileWatchSettings = {}): TokensFile {
  let text = readText(path, 'auth.tokens_file');
  let table = TokenTable.parse(text, `auth.tokens_file ${path}`);
  const loaded = (what: string) => {
    log.info({ file: path, tokenCount: table.size, tenantCount: table.tenants }, what);
    if (table.size === 0) log.warn({ file: path }, 'the tokens file holds no token: every request without a trusted proxy is refused');
  };
  loaded('auth tokens loaded');
  let lastError = '';
  const reload = () => {
    try {
      const next = readText(path, 'auth.tokens_file');
      // Events of other files in the folder, or a touch: nothing to do.
      if (next === text && lastError === '') return;
      table = TokenTable.parse(next, `auth.tokens_file ${path}`);
      text = next;
      lastError = '';
      onReload(true);
      loaded('auth tokens reloaded');
    } catch (err) {
      onReload(false);
      const why = (err as Error).message;
      // Logged once per distinct failure: a missing file polled every few seconds is one event.
      if (why !== lastError) log.warn({ err: why }, 'auth tokens file not reloaded; the previous tokens stay');
      lastError = why;
    }
  };
  const watch: FileWatch = watchFiles([path], reload, watchSettings);
  return { current: () => table, close: () => watch.close() };
}
