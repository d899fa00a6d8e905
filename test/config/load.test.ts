import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { BraidError } from '../../src/errors.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));
const example = fileURLToPath(new URL('../../config/braid.example.yaml', import.meta.url));

async function errorOf(p: Promise<unknown>): Promise<BraidError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BraidError) return err;
    throw err;
  }
  throw new Error('expected the config to be refused');
}

describe('loadConfig', () => {
  it('gives the embedded all-in-one with no file and no env', async () => {
    const c = await loadConfig(undefined, {});
    expect(c.targets).toEqual(['collector', 'ingester', 'query', 'alerter']);
    expect(c.queueKind).toBe('memory');
    expect(c.storeKind).toBe('memory');
    expect(c.receivers.otlp.http.endpoint).toBe('127.0.0.1:4318');
    expect(c.receivers.otlp.grpc.max_recv_msg_size_mib).toBe(4);
  });

  it('accepts the documented example, which equals the defaults', async () => {
    const fromFile = await loadConfig(example, {});
    const defaults = await loadConfig(undefined, {});
    expect(fromFile).toEqual(defaults);
  });

  it('applies environment overrides over the file', async () => {
    const c = await loadConfig(example, {
      BRAID_KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19093',
      BRAID_ELASTICSEARCH_URL: 'http://127.0.0.1:19200',
      BRAID_TARGET: 'collector,ingester',
    });
    expect(c.queue.kafka.brokers).toEqual(['127.0.0.1:19092', '127.0.0.1:19093']);
    expect(c.queueKind).toBe('kafka');
    expect(c.storeKind).toBe('elasticsearch');
    expect(c.targets).toEqual(['collector', 'ingester']);
  });

  it('names the full path of a mistyped key', async () => {
    const e = await errorOf(loadConfig(fixture('typo_endpoint.yaml'), {}));
    expect(e.code).toBe('BRAID_ERR_CONFIG_INVALID');
    expect(e.message).toContain("receivers.otlp.http.endpiont: unknown key (not one of Braid's settings; check its spelling)");
  });

  it('names an unknown top-level key', async () => {
    const e = await errorOf(loadConfig(fixture('typo_top_level.yaml'), {}));
    expect(e.message).toContain('  querry: unknown key');
  });

  it('says what was expected for a wrong type or range', async () => {
    const e = await errorOf(loadConfig(fixture('invalid_types.yaml'), {}));
    expect(e.message).toContain('receivers.otlp.grpc.max_recv_msg_size_mib: Invalid input: expected number, received string');
    expect(e.message).toContain('queue.kafka.partitions: Too small: expected number to be >0');
  });

  it('refuses a collector-only process without Kafka (cross-field check)', async () => {
    const e = await errorOf(loadConfig(fixture('invalid_split_without_kafka.yaml'), {}));
    expect(e.message).toContain('splits collector and ingester across processes, which needs Kafka');
  });

  it('refuses an unknown target from the environment', async () => {
    const e = await errorOf(loadConfig(undefined, { BRAID_TARGET: 'collector,quary' }));
    expect(e.message).toContain('target: unknown target "quary"');
  });

  it('reports invalid YAML and unreadable files', async () => {
    expect((await errorOf(loadConfig(fixture('invalid_yaml.yaml'), {}))).message).toMatch(/invalid YAML/);
    const e = await errorOf(loadConfig(fixture('does_not_exist.yaml'), {}));
    expect(e.code).toBe('BRAID_ERR_CONFIG_READ');
    expect(e.message).toContain('cannot read');
  });
});
