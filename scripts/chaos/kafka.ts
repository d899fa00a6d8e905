/** Straight to and from the chaos run's Kafka: the poison record, and reading the dead-letter topic. */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

/** A record read back from a topic. */
export interface ReadRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

const client = (brokers: string) => new Kafka({ clientId: 'braid-chaos', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 5 } });

/**
 * The poison record: a length-delimited field 1 claiming 255 bytes where 6 follow, so no
 * protobuf reader can decode it as an export request.
 */
export const POISON = Buffer.concat([Buffer.from([0x0a, 0xff, 0x01]), Buffer.from('poison')]);

/** Produces the poison record on `topic`, keyed like a trace (16 bytes). */
export async function producePoison(brokers: string, topic: string): Promise<void> {
  const producer = client(brokers).producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: randomBytes(16), value: POISON }] });
  } finally {
    await producer.disconnect();
  }
}

/** Every record of `topic` from the beginning to its end now ([] when the topic does not exist). */
export async function readTopic(brokers: string, topic: string, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const kafka = client(brokers);
  const admin = kafka.admin();
  await admin.connect();
  let total = 0;
  try {
    if (!(await admin.listTopics()).includes(topic)) return [];
    for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high) - Number(p.low);
  } finally {
    await admin.disconnect();
  }
  if (total === 0) return [];
  const out: ReadRecord[] = [];
  const consumer = kafka.consumer({ groupId: `braid-chaos-reader-${randomBytes(6).toString('hex')}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${total} records of ${topic} in ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
          out.push({ key: message.key, value: message.value, headers });
          if (out.length >= total) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
