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

/** Reads and parses the tokens file; errors name the setting and line, never a token. */
export function readTokensFile(path: string, setting = 'auth.tokens_file'): TokenTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new BraidError('BRAID_ERR_CONFIG_READ', `${setting}: cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  return TokenTable.parse(text, `${setting} ${path}`);
}

/** Opens the tokens file and watches it; `onReload` learns each reload's outcome. */
export function openTokensFile(path: string, log: Logger, onReload: (ok: boolean) => void = () => {}, watchSettings: FileWatchSettings = {}): TokensFile {
  let table = readTokensFile(path);
  log.info({ file: path, tokenCount: table.size, tenantCount: table.tenants }, 'auth tokens loaded');
  let lastError = '';
  const reload = () => {
    try {
      table = readTokensFile(path);
      lastError = '';
      onReload(true);
      log.info({ file: path, tokenCount: table.size, tenantCount: table.tenants }, 'auth tokens reloaded');
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
