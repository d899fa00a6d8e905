/**
 * Coalescing of produce calls (see docs/adr/0015): the records of calls arriving within
 * `linger_ms` go out in shared produce requests, cut so that each partition's record batch stays
 * under its byte limit. Each caller is answered by its own records only: it resolves when every
 * request that carried one of them was acknowledged, and rejects as soon as one was not. The
 * bytes held (waiting or in flight) are bounded; a call that does not fit is answered
 * BRAID_ERR_QUEUE_FULL (retryable), never dropped.
 */
import { BraidError } from '../../errors.js';
import { partitionFor } from '../memory/partition.js';

/** A record as the coalescer sends it: its partition is chosen here, the way kafkajs's default partitioner would. */
export interface ProduceMessage {
  key: Buffer | null;
  value: Buffer;
  headers?: Record<string, string> | undefined;
  partition?: number | undefined;
}

/** One produce request: the records of each topic, each already assigned a partition. */
export type ProduceRequest = Array<{ topic: string; messages: ProduceMessage[] }>;

/** Settings of the coalescer, from `queue.kafka`. */
export interface CoalescerSettings {
  /** How long the first waiting call waits for others before its records are sent. */
  lingerMs: number;
  /** Bytes of one partition's record batch (cut lower by the topic's max.message.bytes); also the waiting bytes that send at once. */
  batchMaxBytes: number;
  /** Bytes waiting or in flight past which a new call is refused with BRAID_ERR_QUEUE_FULL. */
  maxBufferedBytes: number;
  /** A caller is answered "retry later" when its records were not acknowledged within this. */
  timeoutMs: number;
  /**
   * Produce requests in flight past which waiting records keep waiting after linger_ms, until one
   * is answered (Kafka's max.in.flight.requests.per.connection): under load the batches grow by
   * themselves instead of the requests multiplying. Waiting bytes past batchMaxBytes go regardless.
   */
  maxInFlight: number;
}

/** What the coalescer needs from the Kafka client and the metrics. */
export interface CoalescerDeps {
  /** Sends one produce request with acks=-1; resolves when the broker acknowledged all of it. */
  send(request: ProduceRequest): Promise<void>;
  /** Partition count of a topic. */
  partitionsOf(topic: string): number;
  /** max.message.bytes of a topic: the bound of one record batch. */
  limitOf(topic: string): number;
  /** Whether a failed shared request is worth sending again call by call (a refusal of some records, not an unreachable broker); default yes. */
  isolatable?(cause: unknown): boolean;
  /** Called once per produce request sent, with its record count. */
  onRequest?(records: number): void;
  /** Called once per call acknowledged, with its record count and value bytes. */
  onAcknowledged?(topic: string, records: number, valueBytes: number): void;
  /** Called once per call refused or failed. */
  onFailed?(topic: string, reason: 'unavailable' | 'full'): void;
}

/** The coalescer: `produce` is the Kafka queue's produce. */
export interface Coalescer {
  produce(topic: string, messages: ProduceMessage[]): Promise<void>;
  /** Bytes waiting or in flight. */
  bufferedBytes(): number;
  /** Sends what waits now (shutdown), and resolves when every request in flight has settled. */
  flush(): Promise<void>;
}

/** A record batch's header (61 bytes) and each record's framing: the broker bounds the whole batch. */
export const BATCH_HEADER_BYTES = 61;
export const RECORD_FRAMING_BYTES = 64;

/** Bytes a record takes in a record batch, at most (value, key, headers and framing). */
export function messageBytes(m: ProduceMessage): number {
  let n = m.value.length + (m.key?.length ?? 0) + RECORD_FRAMING_BYTES;
  for (const [k, v] of Object.entries(m.headers ?? {})) n += k.length + String(v).length + 8;
  return n;
}

interface Call {
  topic: string;
  messages: ProduceMessage[];
  bytes: number;
  valueBytes: number;
  /** Requests carrying its records not yet acknowledged; the call resolves at 0. */
  pending: number;
  settled: boolean;
  /** Requests not yet settled either way: its bytes are released at 0. */
  unsettledRequests: number;
  timer: NodeJS.Timeout | undefined;
  resolve(): void;
  reject(err: Error): void;
}

/** Records of calls in the order they came, cut into requests whose partition batches fit their limits. */
export function cutRequests(calls: ReadonlyArray<{ topic: string; messages: ProduceMessage[] }>, batchLimit: (topic: string) => number): Array<{ request: ProduceRequest; calls: Map<number, ProduceMessage[]> }> {
  const out: Array<{ request: ProduceRequest; calls: Map<number, ProduceMessage[]> }> = [];
  let topics = new Map<string, ProduceMessage[]>();
  let batchBytes = new Map<string, number>();
  let members = new Map<number, ProduceMessage[]>();
  const close = () => {
    if (members.size === 0) return;
    out.push({ request: [...topics].map(([topic, messages]) => ({ topic, messages })), calls: members });
    topics = new Map();
    batchBytes = new Map();
    members = new Map();
  };
  calls.forEach((call, i) => {
    const limit = batchLimit(call.topic);
    for (const m of call.messages) {
      const slot = `${call.topic}\u0000${m.partition}`;
      const n = messageBytes(m);
      const used = batchBytes.get(slot) ?? BATCH_HEADER_BYTES;
      // A record alone over the limit still goes (alone in its batch): the broker answers for it.
      if (used > BATCH_HEADER_BYTES && used + n > limit) close();
      batchBytes.set(slot, (batchBytes.get(slot) ?? BATCH_HEADER_BYTES) + n);
      let list = topics.get(call.topic);
      if (!list) topics.set(call.topic, (list = []));
      list.push(m);
      let mine = members.get(i);
      if (!mine) members.set(i, (mine = []));
      mine.push(m);
    }
  });
  close();
  return out;
}

/** Whether kafkajs's error (or one it wraps) is the broker refusing records (a non-retriable protocol error such as MESSAGE_TOO_LARGE), not a broker out of reach. */
export function refusedByBroker(cause: unknown): boolean {
  let e = cause as { name?: string; retriable?: boolean; originalError?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e.name === 'KafkaJSProtocolError' && e.retriable === false) return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

/** Creates a coalescer over `deps.send`. */
export function createCoalescer(settings: CoalescerSettings, deps: CoalescerDeps): Coalescer {
  let waiting: Call[] = [];
  let waitingBytes = 0;
  let buffered = 0;
  let lingerTimer: NodeJS.Timeout | undefined;
  let scheduled = false;
  let lingerExpired = false;
  const inFlight = new Set<Promise<void>>();
  const roundRobin = new Map<string, number>();

  const unavailable = (topic: string, cause: unknown) =>
    new BraidError('BRAID_ERR_QUEUE_UNAVAILABLE', `kafka did not accept the records for ${topic}: ${(cause as Error).message}`, { cause, retryAfterSeconds: 5 });

  function fail(call: Call, err: Error): void {
    if (call.settled) return;
    call.settled = true;
    clearTimeout(call.timer);
    deps.onFailed?.(call.topic, 'unavailable');
    call.reject(err);
  }

  function assignPartitions(topic: string, messages: ProduceMessage[]): ProduceMessage[] {
    const n = Math.max(1, deps.partitionsOf(topic));
    return messages.map((m) => {
      if (m.key !== null) return { ...m, partition: partitionFor(m.key, n) };
      const next = roundRobin.get(topic) ?? 0;
      roundRobin.set(topic, next + 1);
      return { ...m, partition: next % n };
    });
  }

  function lingerDone(): void {
    lingerTimer = undefined;
    lingerExpired = true;
    if (inFlight.size < settings.maxInFlight) sendWaiting();
  }

  function sendWaiting(): void {
    clearTimeout(lingerTimer);
    lingerTimer = undefined;
    scheduled = false;
    lingerExpired = false;
    const calls = waiting;
    waiting = [];
    waitingBytes = 0;
    if (calls.length === 0) return;
    const requests = cutRequests(calls, (t) => Math.min(settings.batchMaxBytes, deps.limitOf(t)));
    for (const { calls: members } of requests) for (const i of members.keys()) (calls[i] as Call).pending++;
    for (const call of calls) call.unsettledRequests = call.pending;
    for (const { request, calls: members } of requests) {
      const mine = new Map([...members].map(([i, messages]) => [calls[i] as Call, messages]));
      const tracked: Promise<void> = dispatch(request, mine).finally(() => {
        inFlight.delete(tracked);
        for (const call of mine.keys()) if (--call.unsettledRequests === 0) buffered -= call.bytes;
        if (lingerExpired && inFlight.size < settings.maxInFlight) sendWaiting();
      });
      inFlight.add(tracked);
    }
  }

  /** Sends one request; each call it carried is answered by it, or, when a shared request was refused, by its own records sent again alone. */
  function dispatch(request: ProduceRequest, members: Map<Call, ProduceMessage[]>): Promise<void> {
    deps.onRequest?.(request.reduce((n, t) => n + t.messages.length, 0));
    return deps.send(request).then(
      () => {
        for (const call of members.keys()) if (--call.pending === 0 && !call.settled) acknowledge(call);
      },
      async (cause: unknown) => {
        const open = [...members].filter(([call]) => !call.settled);
        // kafkajs fails a whole request when the broker refused one partition's batch: sent alone, each
        // call gets its own answer. Partitions the broker did take are written twice (at least once;
        // the ingester's deterministic document IDs hide it).
        if (open.length > 1 && (deps.isolatable?.(cause) ?? true)) {
          await Promise.all(open.map(([call, messages]) => dispatch([{ topic: call.topic, messages }], new Map([[call, messages]]))));
          return;
        }
        for (const call of members.keys()) fail(call, unavailable(call.topic, cause));
      },
    );
  }

  function acknowledge(call: Call): void {
    call.settled = true;
    clearTimeout(call.timer);
    deps.onAcknowledged?.(call.topic, call.messages.length, call.valueBytes);
    call.resolve();
  }

  function produce(topic: string, messages: ProduceMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const placed = assignPartitions(topic, messages);
    let bytes = 0;
    let valueBytes = 0;
    for (const m of placed) {
      bytes += messageBytes(m);
      valueBytes += m.value.length;
    }
    // A call bigger than the whole buffer is let in when nothing else is held, so that no request is refused for its size alone.
    if (buffered > 0 && buffered + bytes > settings.maxBufferedBytes) {
      deps.onFailed?.(topic, 'full');
      return Promise.reject(new BraidError('BRAID_ERR_QUEUE_FULL', `the kafka producer holds ${buffered} bytes, its bound (queue.kafka.max_buffered_bytes ${settings.maxBufferedBytes}) leaves no room for ${bytes} more`, { retryAfterSeconds: 1 }));
    }
    return new Promise<void>((resolve, reject) => {
      const call: Call = { topic, messages: placed, bytes, valueBytes, pending: 0, settled: false, unsettledRequests: 0, timer: undefined, resolve, reject };
      call.timer = setTimeout(() => fail(call, unavailable(topic, new Error(`no acknowledgement within ${settings.timeoutMs} ms`))), settings.timeoutMs);
      buffered += bytes;
      waiting.push(call);
      waitingBytes += bytes;
      if (waitingBytes >= settings.batchMaxBytes) sendWaiting();
      else if (!scheduled) {
        scheduled = true;
        // linger 0: what arrived in the same turn of the event loop still goes together.
        if (settings.lingerMs > 0) lingerTimer = setTimeout(lingerDone, settings.lingerMs);
        else setImmediate(() => scheduled && lingerDone());
      }
    });
  }

  return {
    produce,
    bufferedBytes: () => buffered,
    async flush() {
      sendWaiting();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
