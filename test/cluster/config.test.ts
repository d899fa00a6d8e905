import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../../src/config/load.js';
import { BraidError } from '../../src/errors.js';

const distributed = { BRAID_KAFKA_BROKERS: '127.0.0.1:19092', BRAID_ELASTICSEARCH_URL: 'http://127.0.0.1:19200' };

function refusal(raw: unknown): string {
  try {
    validateConfig(raw, 'braid.yaml');
  } catch (err) {
    if (err instanceof BraidError && err.code === 'BRAID_ERR_CONFIG_INVALID') return err.message;
    throw err;
  }
  throw new Error('expected the config to be refused');
}

describe('cluster.workers', () => {
  it('is 0 (one process) by default; BRAID_WORKERS sets a number or auto', async () => {
    expect((await loadConfig(undefined, {})).cluster.workers).toBe(0);
    expect((await loadConfig(undefined, { ...distributed, BRAID_TARGET: 'collector,ingester', BRAID_WORKERS: '3' })).cluster.workers).toBe(3);
    expect((await loadConfig(undefined, { ...distributed, BRAID_TARGET: 'collector', BRAID_WORKERS: 'auto' })).cluster.workers).toBe('auto');
  });

  it('refuses a value that is neither a count nor auto, naming the key', () => {
    expect(refusal({ cluster: { workers: 'four' } })).toBe('config braid.yaml:\n  cluster.workers: expected 0-64 or "auto"');
    expect(refusal({ cluster: { workers: 65 } })).toBe('config braid.yaml:\n  cluster.workers: Too big: expected number to be <=64');
  });

  it('allows 1 worker with the embedded queue and store and the alerter: it means one process', async () => {
    expect((await loadConfig(undefined, { BRAID_WORKERS: '1' })).targets).toContain('alerter');
  });

  it('refuses several workers with the in-process queue and the memory store, naming why', () => {
    expect(refusal({ target: 'collector,ingester,query', cluster: { workers: 2 } })).toBe(
      'config braid.yaml:\n' +
        '  cluster.workers: 2 needs Kafka: the in-process queue lives inside one process, where other workers cannot reach it; set queue.kafka.brokers (BRAID_KAFKA_BROKERS) or cluster.workers: 0\n' +
        '  cluster.workers: 2 needs Elasticsearch: the memory store lives inside one process, where other workers cannot reach it; set storage.elasticsearch.url (BRAID_ELASTICSEARCH_URL) or cluster.workers: 0',
    );
  });

  it('refuses several workers running the alerter (one evaluator only), also with auto', () => {
    const raw = { cluster: { workers: 'auto' }, queue: { kafka: { brokers: ['k:9092'] } }, storage: { elasticsearch: { url: 'http://es:9200' } } };
    expect(refusal(raw)).toBe(
      'config braid.yaml:\n  cluster.workers: auto cannot run the alerter target: rules need one evaluator (each worker would evaluate and notify on its own); run the alerter in a process of its own and list the other targets, e.g. --target collector,ingester,query',
    );
  });

  it('accepts several workers for collector, ingester and query on Kafka and Elasticsearch', async () => {
    const c = await loadConfig(undefined, { ...distributed, BRAID_TARGET: 'collector,ingester,query', BRAID_WORKERS: '2' });
    expect(c.cluster.workers).toBe(2);
    // A collector alone needs no store; the memory store's refusal is only for ingester and query.
    const collector = await loadConfig(undefined, { BRAID_KAFKA_BROKERS: '127.0.0.1:19092', BRAID_TARGET: 'collector', BRAID_WORKERS: '2' });
    expect(collector.storeKind).toBe('memory');
  });
});
