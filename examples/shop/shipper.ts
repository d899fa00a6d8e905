/**
 * The shop's log shipper: JSON lines in (stdin, or a file it tails), NDJSON batches out to
 * Braid's `POST /v1/logs` (Content-Type application/x-ndjson). A batch goes when it holds
 * `maxLines` lines or `flushMs` after its first line. 429, 502, 503, 504 and network errors are
 * retried with exponential backoff and jitter (Retry-After honoured), up to `maxAttempts`; other
 * answers drop the batch (bad data is not sent again). Lines wait in a bounded buffer: past
 * `maxBuffered` the oldest are dropped and counted.
 *
 *   node --import tsx examples/shop/shipper.ts --url http://127.0.0.1:4318 [--file payment.log [--until-stdin-ends]]
 */
import { createReadStream, existsSync, statSync, watch } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

/** Settings of a shipper. */
export interface ShipperSettings {
  /** Braid's OTLP/HTTP base URL; lines go to <url>/v1/logs. */
  url: string;
  maxLines?: number;
  flushMs?: number;
  maxAttempts?: number;
  /** First retry delay; doubles each attempt, capped at 5 s. */
  retryBaseMs?: number;
  maxBuffered?: number;
}

/** What a shipper did so far. */
export interface ShipperStats {
  shipped: number;
  batches: number;
  retries: number;
  /** Lines lost: buffer overflow, batches refused or out of attempts. */
  dropped: number;
}

/** A shipper: push lines, close to flush what is left. */
export interface Shipper {
  push(line: string): void;
  /** Sends what is buffered now and waits for it. */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
  stats(): ShipperStats;
}

const RETRYABLE = new Set([429, 502, 503, 504]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The wait before retry `attempt` (0-based): Retry-After when given, else backoff with full jitter. */
export function retryDelay(attempt: number, baseMs: number, retryAfter: string | null, rand = Math.random): number {
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 30_000);
  return Math.round(Math.min(5_000, baseMs * 2 ** attempt) * (0.5 + rand() / 2));
}

/** Creates a shipper posting to `settings.url`. */
export function createShipper(settings: ShipperSettings): Shipper {
  const maxLines = settings.maxLines ?? 500;
  const flushMs = settings.flushMs ?? 1_000;
  const maxAttempts = settings.maxAttempts ?? 8;
  const baseMs = settings.retryBaseMs ?? 200;
  const maxBuffered = settings.maxBuffered ?? 50_000;
  const endpoint = `${settings.url.replace(/\/$/, '')}/v1/logs`;
  const stats: ShipperStats = { shipped: 0, batches: 0, retries: 0, dropped: 0 };
  let buffer: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  // One batch on the wire at a time keeps the lines in order.
  let sending: Promise<void> = Promise.resolve();

  const post = async (lines: string[]) => {
    const body = `${lines.join('\n')}\n`;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      let retryAfter: string | null = null;
      try {
        const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body, signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (res.ok) {
          stats.shipped += lines.length;
          stats.batches++;
          return;
        }
        if (!RETRYABLE.has(res.status)) break;
        retryAfter = res.headers.get('retry-after');
      } catch {
        // Network errors are transient: Braid restarting, a port not open yet.
      }
      if (attempt + 1 < maxAttempts) {
        stats.retries++;
        await sleep(retryDelay(attempt, baseMs, retryAfter));
      }
    }
    stats.dropped += lines.length;
  };

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (buffer.length > 0) {
      const lines = buffer;
      buffer = [];
      sending = sending.then(() => post(lines));
    }
    return sending;
  };

  return {
    push(line) {
      if (line.trim() === '') return;
      buffer.push(line);
      if (buffer.length > maxBuffered) {
        buffer.shift();
        stats.dropped++;
      }
      if (buffer.length >= maxLines) void flush();
      else timer ??= setTimeout(() => void flush(), flushMs);
    },
    flush,
    async close() {
      await flush();
    },
    stats: () => ({ ...stats }),
  };
}

/** Follows `file` from its start, calling `onLine` for each complete line; the returned function stops it. */
export function tailFile(file: string, onLine: (line: string) => void): () => void {
  let offset = 0;
  let rest = '';
  let reading = false;
  let again = false;
  const read = () => {
    if (reading) return void (again = true);
    if (!existsSync(file)) return;
    const size = statSync(file).size;
    if (size < offset) offset = 0; // truncated or replaced
    if (size === offset) return;
    reading = true;
    const stream = createReadStream(file, { start: offset, end: size - 1, encoding: 'utf8' });
    stream.on('data', (chunk) => {
      const parts = (rest + String(chunk)).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) onLine(p);
    });
    stream.on('close', () => {
      offset = size;
      reading = false;
      if (again) {
        again = false;
        read();
      }
    });
  };
  // fs.watch misses events on some filesystems; the interval is the fallback.
  const interval = setInterval(read, 500);
  let watcher: ReturnType<typeof watch> | undefined;
  try {
    watcher = watch(file, read);
  } catch {
    watcher = undefined;
  }
  read();
  return () => {
    clearInterval(interval);
    watcher?.close();
  };
}

function parseArgs(argv: string[]): { url: string; file?: string; untilStdinEnds: boolean } {
  const out: { url?: string; file?: string; untilStdinEnds: boolean } = { untilStdinEnds: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--url' || a === '--file') out[a.slice(2) as 'url' | 'file'] = argv[++i];
    else if (a === '--until-stdin-ends') out.untilStdinEnds = true;
    else throw new Error(`shipper: unknown argument "${a}" (usage: shipper.ts --url <otlp-http> [--file <path> [--until-stdin-ends]])`);
  }
  if (!out.url) throw new Error('shipper: --url <Braid OTLP/HTTP URL> is required');
  return { url: out.url, file: out.file, untilStdinEnds: out.untilStdinEnds };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const shipper = createShipper({ url: args.url });
  let stopTail: (() => void) | undefined;
  const done = new Promise<void>((resolve) => {
    if (args.file) {
      stopTail = tailFile(args.file, (l) => shipper.push(l));
      // --until-stdin-ends: the shop holds our stdin open; its end means the shop is gone, even a killed one.
      if (args.untilStdinEnds) process.stdin.on('end', resolve).on('close', resolve).resume();
    } else {
      const rl = createInterface({ input: process.stdin });
      rl.on('line', (l) => shipper.push(l));
      rl.on('close', resolve);
    }
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
  });
  await done;
  stopTail?.();
  // A stdin still being read would keep the process alive after a signal.
  process.stdin.destroy();
  await shipper.close();
  const s = shipper.stats();
  process.stderr.write(`shipper: ${s.shipped} lines shipped in ${s.batches} batches, ${s.retries} retries, ${s.dropped} dropped\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
