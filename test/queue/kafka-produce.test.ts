import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cutRequests, createCoalescer, messageBytes, type CoalescerDeps, type ProduceMessage, type ProduceRequest } from '../../src/queue/kafka/kafka-produce.js';
import { partitionFor } from '../../src/queue/memory/partition.js';
import { BraidError } from '../../src/errors.js';
import { compress } from 'snappyjs';
import { snappyDecompress } from '../../src/queue/kafka/kafka-produce-codecs.js';
import { PRODUCE_DEFAULTS } from '../../src/queue/kafka/kafka-queue.js';
import { validateConfig } from '../../src/config/load.js';

const msg = (bytes: number, key: string | null = 'k'.repeat(16), partition = 0): ProduceMessage => ({ key: key === null ? null : Buffer.from(key), value: Buffer.alloc(bytes), partition });

describe('cutRequests', () => {
  it('keeps small calls in one request, in the order they came', () => {
    const calls = [{ topic: 't', messages: [msg(100), msg(200)] }, { topic: 'u', messages: [msg(300)] }];
    const out = cutRequests(calls, () => 1_048_588);
    expect(out).toHaveLength(1);
    expect(out[0]!.request).toEqual([{ topic: 't', messages: calls[0]!.messages }, { topic: 'u', messages: calls[1]!.messages }]);
    expect([...out[0]!.calls.keys()]).toEqual([0, 1]);
  });

  it('cuts so that no partition batch exceeds the limit, keeping order', () => {
    const big = Array.from({ length: 50 }, (_, i) => msg(1_000_000 - i));
    const cut = cutRequests([{ topic: 't', messages: big }], () => 1_048_588);
    expect(cut).toHaveLength(50);
    expect(cut.flatMap((r) => r.request.flatMap((t) => t.messages))).toEqual(big);
    const small = Array.from({ length: 30 }, () => msg(100_000));
    expect(cutRequests([{ topic: 't', messages: small }], () => 1_048_588).map((r) => r.request[0]!.messages.length)).toEqual([10, 10, 10]);
  });

  it('bounds each partition batch, not the request: records of other partitions share it', () => {
    // 10 records of 100 kB on each of 3 partitions: 3 MB in one request, each batch ~1 MB.
    const messages = Array.from({ length: 30 }, (_, i) => msg(100_000, 'k', i % 3));
    const out = cutRequests([{ topic: 't', messages }], () => 1_048_588);
    expect(out).toHaveLength(1);
    const one = Array.from({ length: 30 }, () => msg(100_000, 'k', 0));
    expect(cutRequests([{ topic: 't', messages: one }], () => 1_048_588)).toHaveLength(3);
  });

  it('counts headers', () => {
    const withHeaders = Array.from({ length: 4 }, () => ({ key: null, value: Buffer.alloc(200), headers: { reason: 'r'.repeat(300) }, partition: 0 }));
    expect(messageBytes(withHeaders[0]!)).toBe(200 + 64 + 6 + 300 + 8);
    expect(cutRequests([{ topic: 't', messages: withHeaders }], () => 1_300).map((r) => r.request[0]!.messages.length)).toEqual([2, 2]);
  });

  it('names, for each request, the calls whose records it carries', () => {
    const calls = [{ topic: 't', messages: [msg(600_000)] }, { topic: 't', messages: [msg(600_000), msg(10)] }, { topic: 't', messages: [msg(10)] }];
    expect(cutRequests(calls, () => 1_048_588).map((r) => [...r.calls.keys()])).toEqual([[0], [1, 2]]);
  });
});

/** A fake Kafka: records the requests, answers each when the test says. */
function fakeKafka(partitions = 6) {
  const sent: Array<{ request: ProduceRequest; ack: () => void; fail: (e: Error) => void }> = [];
  const deps: CoalescerDeps & { requests: number[]; acked: Array<[string, number, number]>; failed: string[] } = {
    requests: [],
    acked: [],
    failed: [],
    send: (request) => new Promise<void>((ack, fail) => sent.push({ request, ack, fail })),
    partitionsOf: () => partitions,
    limitOf: () => 1_048_588,
    onRequest: (n) => deps.requests.push(n),
    onAcknowledged: (t, n, b) => deps.acked.push([t, n, b]),
    onFailed: (t, reason) => deps.failed.push(`${t}:${reason}`),
  };
  return { sent, deps };
}

const settings = { lingerMs: 5, batchMaxBytes: 1_048_576, maxBufferedBytes: 10_000_000, timeoutMs: 10_000, maxInFlight: Infinity };
const records = (n: number, bytes = 1_200) => Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`trace-${i}-${Math.random()}`), value: Buffer.alloc(bytes, i) }));
const state = (p: Promise<unknown>) => {
  const s = { v: 'pending' as string };
  p.then(() => (s.v = 'resolved'), (e: Error) => (s.v = `rejected:${(e as BraidError).code}`));
  return s;
};

describe('createCoalescer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends calls arriving within linger_ms in one request, partitioned by murmur2 of the key', async () => {
    const { sent, deps } = fakeKafka();
    const c = createCoalescer(settings, deps);
    const a = records(10);
    const b = records(10);
    const pa = state(c.produce('t', a));
    await vi.advanceTimersByTimeAsync(3);
    const pb = state(c.produce('t', b));
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2);
    expect(sent).toHaveLength(1);
    const out = sent[0]!.request[0]!.messages;
    expect(out.map((m) => m.value)).toEqual([...a, ...b].map((m) => m.value));
    expect(out.map((m) => m.partition)).toEqual([...a, ...b].map((m) => partitionFor(m.key, 6)));
    expect(deps.requests).toEqual([20]);
    sent[0]!.ack();
    await vi.advanceTimersByTimeAsync(0);
    expect([pa.v, pb.v]).toEqual(['resolved', 'resolved']);
    expect(deps.acked).toEqual([['t', 10, 12_000], ['t', 10, 12_000]]);
    expect(c.bufferedBytes()).toBe(0);
  });

  it('answers each caller by its own records: a failed request rejects only the calls it carried', async () => {
    const { sent, deps } = fakeKafka();
    const c = createCoalescer({ ...settings, batchMaxBytes: 700_000 }, deps);
    // The first call fills the batch bound and goes at once; the second waits for linger.
    const first = state(c.produce('t', [{ key: Buffer.from('a'), value: Buffer.alloc(700_000) }]));
    const second = state(c.produce('t', records(3)));
    await vi.advanceTimersByTimeAsync(5);
    expect(sent).toHaveLength(2);
    sent[0]!.fail(new Error('NOT_ENOUGH_REPLICAS'));
    sent[1]!.ack();
    await vi.advanceTimersByTimeAsync(0);
    expect(first.v).toBe('rejected:BRAID_ERR_QUEUE_UNAVAILABLE');
    expect(second.v).toBe('resolved');
    expect(deps.failed).toEqual(['t:unavailable']);
    expect(deps.acked).toEqual([['t', 3, 3_600]]);
  });

  it('sends the calls of a refused shared request again one by one, so that only the refused records fail', async () => {
    const { sent, deps } = fakeKafka();
    const c = createCoalescer(settings, deps);
    const good = records(3);
    const bad = [{ key: Buffer.from('x'), value: Buffer.alloc(5_000) }];
    const pGood = state(c.produce('spans', good));
    const pBad = state(c.produce('logs', bad));
    await vi.advanceTimersByTimeAsync(5);
    expect(sent).toHaveLength(1);
    sent[0]!.fail(new Error('MESSAGE_TOO_LARGE'));
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.slice(1).map((s) => s.request.map((t) => [t.topic, t.messages.length]))).toEqual([[['spans', 3]], [['logs', 1]]]);
    sent[1]!.ack();
    sent[2]!.fail(new Error('MESSAGE_TOO_LARGE'));
    await vi.advanceTimersByTimeAsync(0);
    expect([pGood.v, pBad.v]).toEqual(['resolved', 'rejected:BRAID_ERR_QUEUE_UNAVAILABLE']);
    expect(deps.requests).toEqual([4, 3, 1]);
    expect(c.bufferedBytes()).toBe(0);
  });

  it('fails every call of a request at once when the failure is not one to isolate (broker unreachable)', async () => {
    const { sent, deps } = fakeKafka();
    const c = createCoalescer(settings, { ...deps, isolatable: () => false });
    const ps = [state(c.produce('t', records(2))), state(c.produce('t', records(2)))];
    await vi.advanceTimersByTimeAsync(5);
    sent[0]!.fail(new Error('Connection error: connect ECONNREFUSED'));
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(1);
    expect(ps.map((p) => p.v)).toEqual(['rejected:BRAID_ERR_QUEUE_UNAVAILABLE', 'rejected:BRAID_ERR_QUEUE_UNAVAILABLE']);
  });

  it('resolves a call cut over several requests only when all of them were acknowledged', async () => {
    const { sent, deps } = fakeKafka();
    const c = createCoalescer(settings, deps);
    const big = Array.from({ length: 5 }, () => ({ key: Buffer.from('one-trace'), value: Buffer.alloc(900_000) }));
    const p = state(c.produce('t', big));
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(5);
    for (const s of sent.slice(0, 4)) s.ack();
    await vi.advanceTimersByTimeAsync(0);
    expect(p.v).toBe('pending');
    sent[4]!.ack();
    await vi.advanceTimersByTimeAsync(0);
    expect(p.v).toBe('resolved');
  });

  it('rejects a call whose records were not acknowledged within the timeout, others unaffected', async () => {
    const { sent, deps } = fakeKafka();
    const c = createCoalescer({ ...settings, timeoutMs: 100 }, deps);
    const p = state(c.produce('t', records(2)));
    await vi.advanceTimersByTimeAsync(99);
    expect(p.v).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(p.v).toBe('rejected:BRAID_ERR_QUEUE_UNAVAILABLE');
    // Its bytes stay held until the broker answers: they are still in flight.
    expect(c.bufferedBytes()).toBeGreaterThan(2_400);
    sent[0]!.ack();
    await vi.advanceTimersByTimeAsync(0);
    expect(c.bufferedBytes()).toBe(0);
    expect(deps.acked).toEqual([]);
  });

  it('refuses with BRAID_ERR_QUEUE_FULL past max_buffered_bytes, but never a lone call for its size', async () => {
    const { sent, deps } = fakeKafka();
    const c = createCoalescer({ ...settings, maxBufferedBytes: 100_000 }, deps);
    const huge = state(c.produce('t', records(100, 2_000)));
    const refused = state(c.produce('t', records(1)));
    await vi.advanceTimersByTimeAsync(5);
    expect(huge.v).toBe('pending');
    expect(refused.v).toBe('rejected:BRAID_ERR_QUEUE_FULL');
    expect(deps.failed).toEqual(['t:full']);
    for (const s of sent) s.ack();
    await vi.advanceTimersByTimeAsync(0);
    expect(huge.v).toBe('resolved');
    const after = state(c.produce('t', records(1)));
    await vi.advanceTimersByTimeAsync(5);
    sent.at(-1)!.ack();
    await vi.advanceTimersByTimeAsync(0);
    expect(after.v).toBe('resolved');
  });

  it('with max_in_flight requests out, keeps what waits past linger until one is answered', async () => {
    const { sent, deps } = fakeKafka();
    const c = createCoalescer({ ...settings, maxInFlight: 1 }, deps);
    const first = state(c.produce('t', records(2)));
    await vi.advanceTimersByTimeAsync(5);
    expect(sent).toHaveLength(1);
    const later = [state(c.produce('t', records(2))), state(c.produce('t', records(3)))];
    await vi.advanceTimersByTimeAsync(50);
    expect(sent).toHaveLength(1);
    sent[0]!.ack();
    await vi.advanceTimersByTimeAsync(0);
    expect(first.v).toBe('resolved');
    expect(sent).toHaveLength(2);
    expect(deps.requests).toEqual([2, 5]);
    sent[1]!.ack();
    await vi.advanceTimersByTimeAsync(0);
    expect(later.map((p) => p.v)).toEqual(['resolved', 'resolved']);
  });

  it('spreads keyless records round robin over the partitions', async () => {
    const { sent, deps } = fakeKafka(3);
    const c = createCoalescer(settings, deps);
    void c.produce('t', Array.from({ length: 5 }, () => ({ key: null, value: Buffer.alloc(10) })));
    await vi.advanceTimersByTimeAsync(5);
    expect(sent[0]!.request[0]!.messages.map((m) => m.partition)).toEqual([0, 1, 2, 0, 1]);
  });

  it('with linger 0 sends what came in the same turn together, and flush waits for what is in flight', async () => {
    const { sent, deps } = fakeKafka();
    const c = createCoalescer({ ...settings, lingerMs: 0 }, deps);
    const ps = [c.produce('t', records(2)), c.produce('u', records(3))];
    const flushed = state(c.flush());
    expect(sent).toHaveLength(1);
    expect(sent[0]!.request.map((t) => [t.topic, t.messages.length])).toEqual([['t', 2], ['u', 3]]);
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed.v).toBe('pending');
    sent[0]!.ack();
    await Promise.all(ps);
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed.v).toBe('resolved');
  });
});

describe('snappy record batches', () => {
  it('decodes a plain snappy block and xerial-framed chunks (Java clients) alike', () => {
    const data = Buffer.from('span '.repeat(2_000));
    expect(snappyDecompress(Buffer.from(compress(data)))).toEqual(data);
    const chunk = (b: Buffer) => {
      const c = Buffer.from(compress(b));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(c.length);
      return Buffer.concat([len, c]);
    };
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
    const framed = Buffer.concat([header, chunk(data.subarray(0, 6_000)), chunk(data.subarray(6_000))]);
    expect(snappyDecompress(framed)).toEqual(data);
    expect(() => snappyDecompress(framed.subarray(0, framed.length - 3))).toThrow(/runs past the end/);
  });
});

describe('queue.kafka produce keys', () => {
  it('defaults linger 5 ms, no compression; names a codec it does not offer', () => {
    const kafka = validateConfig({}, 'test').queue.kafka;
    expect([kafka.linger_ms, kafka.batch_max_bytes, kafka.max_buffered_bytes, kafka.compression]).toEqual([PRODUCE_DEFAULTS.linger_ms, PRODUCE_DEFAULTS.batch_max_bytes, PRODUCE_DEFAULTS.max_buffered_bytes, PRODUCE_DEFAULTS.compression]);
    expect(() => validateConfig({ queue: { kafka: { compression: 'lz4' } } }, 'test')).toThrow(/queue\.kafka\.compression/);
  });
});
