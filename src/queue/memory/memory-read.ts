/**
 * Broadcast reads of the in-process queue: each reader gets every record sent after it started,
 * in send order, whatever the consumer groups do. A reader is caught up at once: the process
 * holds nothing from before its start that it could replay.
 */
import type { ConsumedRecord, QueueReader, ReadHandler, RecordKind } from '../queue.js';

interface Reader {
  kinds: ReadonlySet<RecordKind>;
  handler: ReadHandler;
  pending: Array<{ kind: RecordKind; partition: number; records: ConsumedRecord[] }>;
  draining: Promise<void> | undefined;
}

/** The readers of one in-process queue. */
export class MemoryReaders {
  private readonly readers = new Set<Reader>();

  /** Adds a reader of `kinds`; it stops when `signal` aborts or on `stop`. */
  add(kinds: readonly RecordKind[], handler: ReadHandler, signal: AbortSignal): QueueReader {
    const reader: Reader = { kinds: new Set(kinds), handler, pending: [], draining: undefined };
    this.readers.add(reader);
    const stop = async () => {
      this.readers.delete(reader);
      await reader.draining;
    };
    signal.addEventListener('abort', () => void stop(), { once: true });
    return { caughtUp: Promise.resolve(), stop };
  }

  /** Hands records just sent to every reader of their stream. */
  publish(kind: RecordKind, records: readonly ConsumedRecord[]): void {
    for (const r of this.readers) {
      if (!r.kinds.has(kind)) continue;
      const byPartition = new Map<number, ConsumedRecord[]>();
      for (const rec of records) {
        let list = byPartition.get(rec.partition);
        if (list === undefined) byPartition.set(rec.partition, (list = []));
        list.push(rec);
      }
      for (const [partition, list] of byPartition) r.pending.push({ kind, partition, records: list });
      r.draining ??= this.drain(r);
    }
  }

  private async drain(r: Reader): Promise<void> {
    await Promise.resolve();
    while (r.pending.length > 0) {
      const batch = r.pending.shift()!;
      try {
        await r.handler(batch);
      } catch {
        // The handler counts its own failures; a broadcast read moves on.
      }
    }
    r.draining = undefined;
  }
}
