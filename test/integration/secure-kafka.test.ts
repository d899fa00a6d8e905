/**
 * Braid's Kafka queue against a real secured Kafka 4.1.1 (scripts/infra/kafka-secure.ts, started
 * for this file and stopped after it): SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 over TLS, TLS
 * alone, and mTLS; a record produced through each is consumed back. A wrong password or an
 * untrusted certificate stops start-up with a permanent error that names what to fix and never
 * the password; a whole Braid (collector + ingester) runs through SASL_SSL with the password from
 * BRAID_KAFKA_SASL_PASSWORD.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecureKafka, type SecureKafka } from '../../scripts/infra/kafka-secure.js';
import { loadConfig } from '../../src/config/load.js';
import { BraidError } from '../../src/errors.js';
import { startBraid } from '../../src/main.js';
import { createKafkaQueue, type KafkaQueueSettings } from '../../src/queue/kafka/kafka-queue.js';
import { createQueueMetrics } from '../../src/queue/metrics.js';
import type { Queue } from '../../src/queue/queue.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { makeTestPki } from '../helpers/certs.js';
import { captureLog } from '../helpers/log.js';
import { eventually, newTraceId, twoSpanTrace } from '../helpers/otlp.js';
import { testConfig, uniqueName } from '../helpers/braid.js';

const secret = (who: string) => `${who}-${randomBytes(9).toString('base64url')}`;
const PLAIN = { name: 'braid-plain', password: secret('plain') };
const SCRAM = { name: 'braid-scram', password: secret('scram') };

describe('the Kafka queue through a secured broker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'braid-secure-kafka-'));
  const pki = makeTestPki('braid-kafka-pki-');
  const stranger = makeTestPki('braid-kafka-other-pki-');
  let broker: SecureKafka;
  const queues: Queue[] = [];

  beforeAll(async () => {
    broker = await startSecureKafka({ dir: join(dir, 'kafka'), pki, plainUsers: [PLAIN], scramUsers: [SCRAM], log: () => undefined });
  }, 180_000);
  afterAll(async () => {
    for (const q of queues) await q.close().catch(() => undefined);
    await broker?.stop();
    for (const d of [dir, pki.dir, stranger.dir]) rmSync(d, { recursive: true, force: true });
  }, 60_000);

  const trusted = () => ({ enabled: true, ca_file: pki.caCert, insecure_skip_verify: false });

  function queueWith(brokers: string, extra: Partial<KafkaQueueSettings>, log = createLogger('warn')): Queue {
    const prefix = uniqueName('secure');
    const queue = createKafkaQueue({ brokers: [brokers], client_id: prefix, topic_prefix: `${prefix}.`, partitions: 1, replication_factor: 1, produce_timeout_ms: 10_000, ...extra }, createQueueMetrics(new Registry()), log);
    queues.push(queue);
    return queue;
  }

  /** Starts the queue, produces one record and consumes it back; resolves with the value read. */
  async function roundTrip(queue: Queue): Promise<string> {
    await queue.start();
    const value = randomUUID();
    await queue.send('spans', [{ key: Buffer.from('k'), value: Buffer.from(value) }]);
    const seen: string[] = [];
    const consumer = await queue.consume(uniqueName('group'), ['spans'], async (batch) => {
      for (const r of batch.records) seen.push(r.value.toString());
    });
    try {
      return await eventually(async () => (seen.length > 0 ? seen[0] : undefined), 30_000, 'the record consumed back');
    } finally {
      await consumer.stop();
    }
  }

  it.each([
    ['plain', PLAIN],
    ['scram-sha-256', SCRAM],
    ['scram-sha-512', SCRAM],
  ] as const)('produces and consumes with SASL %s over TLS', async (mechanism, user) => {
    const queue = queueWith(broker.saslSsl, { tls: trusted(), sasl: { mechanism, username: user.name, password: user.password } });
    expect(await roundTrip(queue)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads the SASL password from password_file (a trailing newline, as a mounted Secret has, is dropped)', async () => {
    const file = join(dir, 'scram-password');
    writeFileSync(file, `${SCRAM.password}\n`);
    const queue = queueWith(broker.saslSsl, { tls: trusted(), sasl: { mechanism: 'scram-sha-512', username: SCRAM.name, password_file: file } });
    expect(await roundTrip(queue)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('speaks TLS without SASL, and mTLS with a client certificate signed by the CA', async () => {
    expect(await roundTrip(queueWith(broker.ssl, { tls: trusted() }))).toMatch(/^[0-9a-f-]{36}$/);
    const mtls = queueWith(broker.mtls, { tls: { ...trusted(), cert_file: pki.clientCert, key_file: pki.clientKey } });
    expect(await roundTrip(mtls)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['no client certificate', {}],
    ['a client certificate of another CA', { cert_file: stranger.clientCert, key_file: stranger.clientKey }],
  ])('refuses for good when the mTLS listener gets %s, saying which settings to set', async (_what, client) => {
    const err = (await queueWith(broker.mtls, { tls: { ...trusted(), ...client } }).start().catch((e: unknown) => e)) as BraidError;
    expect(err).toBeInstanceOf(BraidError);
    expect(err.code).toBe('BRAID_ERR_QUEUE_AUTH');
    expect(err.transient).toBe(false);
    expect(err.message).toContain('check queue.kafka.tls.cert_file and queue.kafka.tls.key_file');
  });

  it.each([
    ['plain', PLAIN],
    ['scram-sha-256', SCRAM],
    ['scram-sha-512', SCRAM],
  ] as const)('a wrong %s password fails start-up for good, naming the user and mechanism but never a password', async (mechanism, user) => {
    const wrong = secret('wrong');
    const { log, lines } = captureLog();
    const t0 = Date.now();
    const err = (await queueWith(broker.saslSsl, { tls: trusted(), sasl: { mechanism, username: user.name, password: wrong } }, log).start().catch((e: unknown) => e)) as BraidError;
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(err).toBeInstanceOf(BraidError);
    expect(err.code).toBe('BRAID_ERR_QUEUE_AUTH');
    expect(err.transient).toBe(false);
    expect(err.message).toContain(`user ${user.name}`);
    expect(err.message).toContain(mechanism.toUpperCase());
    expect(err.message).toContain('queue.kafka.sasl');
    const everything = `${err.message}\n${err.stack ?? ''}\n${JSON.stringify(lines)}`;
    for (const pw of [wrong, user.password, PLAIN.password, SCRAM.password]) expect(everything).not.toContain(pw);
  });

  it('a CA that did not sign the broker certificate fails start-up with a TLS error naming queue.kafka.tls.ca_file', async () => {
    const err = (await queueWith(broker.ssl, { tls: { enabled: true, ca_file: stranger.caCert, insecure_skip_verify: false } }).start().catch((e: unknown) => e)) as BraidError;
    expect(err).toBeInstanceOf(BraidError);
    expect(err.code).toBe('BRAID_ERR_QUEUE_AUTH');
    expect(err.message).toContain('not trusted');
    expect(err.message).toContain('queue.kafka.tls.ca_file');
  });

  /** A config file of a Braid on the secured broker (collector + ingester + query, memory store). */
  function braidConfigFile(sasl: Record<string, string>): string {
    const prefix = uniqueName('securebraid');
    const file = join(dir, `${prefix}.yaml`);
    const config = testConfig({
      queue: { kafka: { brokers: [broker.saslSsl], tls: { enabled: true, ca_file: pki.caCert }, sasl: sasl as never, topic_prefix: `${prefix}.`, group_id: `${prefix}-ingester`, partitions: 1 } },
    });
    writeFileSync(file, stringify(config));
    return file;
  }

  it('runs a whole Braid through SASL_SSL with SCRAM-SHA-512 and the password from BRAID_KAFKA_SASL_PASSWORD', async () => {
    const config = await loadConfig(braidConfigFile({ mechanism: 'scram-sha-512', username: SCRAM.name }), { BRAID_KAFKA_SASL_PASSWORD: SCRAM.password });
    const braid = await startBraid(config, { log: createLogger('warn'), signal: AbortSignal.timeout(60_000) });
    try {
      const traceId = newTraceId();
      const res = await fetch(`${braid.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(twoSpanTrace(traceId).body) });
      expect(res.status).toBe(200);
      const spans = await eventually(async () => {
        const r = await fetch(`${braid.addresses.query}/api/traces/${traceId}`);
        return r.status === 200 ? ((await r.json()) as { data: Array<{ spans: unknown[] }> }).data[0]?.spans.length : undefined;
      }, 30_000, 'the trace through the secured broker');
      expect(spans).toBe(2);
    } finally {
      await braid.stop();
    }
  });

  it('stops a whole Braid at start-up on a wrong password instead of retrying forever', async () => {
    const wrong = secret('wrong');
    const config = await loadConfig(braidConfigFile({ mechanism: 'scram-sha-256', username: SCRAM.name }), { BRAID_KAFKA_SASL_PASSWORD: wrong });
    const { log, lines } = captureLog();
    const err = (await startBraid(config, { log, signal: AbortSignal.timeout(60_000) }).catch((e: unknown) => e)) as BraidError;
    expect(err).toBeInstanceOf(BraidError);
    expect(err.code).toBe('BRAID_ERR_QUEUE_AUTH');
    expect(`${err.message}${JSON.stringify(lines)}`).not.toContain(wrong);
  });
});
