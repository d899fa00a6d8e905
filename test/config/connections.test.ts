import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionFiles, readConfigFile, tlsTrustFailure } from '../../src/config/files.js';
import { applyEnv, validateConfig } from '../../src/config/load.js';
import { BraidError } from '../../src/errors.js';
import { kafkaConnectionOptions } from '../../src/queue/kafka/kafka-queue.js';
import { errors as esErrors } from '@elastic/elasticsearch';
import { elasticsearchConnectionOptions, refusedConnection } from '../../src/storage/elasticsearch/es-store.js';

const dir = mkdtempSync(join(tmpdir(), 'braid-conn-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof BraidError) return err.message;
    throw err;
  }
  throw new Error('expected a refusal');
};
const pipeline = { queue: { kafka: { brokers: ['kafka:9093'] } }, storage: { elasticsearch: { url: 'https://es:9200' } } };

describe('connection settings for Kafka and Elasticsearch', () => {
  it('takes secrets from the environment variables a Kubernetes Secret sets', () => {
    const raw = applyEnv({ queue: { kafka: { brokers: ['kafka:9093'], sasl: { mechanism: 'scram-sha-512', username: 'braid' } } }, storage: { elasticsearch: { url: 'https://es:9200', username: 'elastic' } } }, {
      BRAID_KAFKA_SASL_PASSWORD: 'k-secret',
      BRAID_ELASTICSEARCH_PASSWORD: 'e-secret',
    });
    const c = validateConfig(raw, 'test');
    expect(c.queue.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'braid', password: 'k-secret' });
    expect(kafkaConnectionOptions(c.queue.kafka).sasl).toEqual({ mechanism: 'scram-sha-512', username: 'braid', password: 'k-secret' });
    expect(elasticsearchConnectionOptions(c.storage.elasticsearch).auth).toEqual({ username: 'elastic', password: 'e-secret' });
  });

  it('reads password, API key and PEM files, dropping the trailing newline of secrets only', () => {
    const ca = file('ca.crt', '-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n');
    const c = validateConfig(
      {
        queue: { kafka: { brokers: ['kafka:9093'], tls: { enabled: true, ca_file: ca, server_name: 'kafka.internal' }, sasl: { mechanism: 'plain', username: 'u', password_file: file('kpw', 'pw\n') } } },
        storage: { elasticsearch: { url: 'https://es:9200', api_key_file: file('key', 'aWQ6a2V5\n'), tls: { ca_file: ca } } },
      },
      'test',
    );
    const k = kafkaConnectionOptions(c.queue.kafka);
    expect(k.ssl).toEqual({ ca: '-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n', servername: 'kafka.internal', rejectUnauthorized: true });
    expect(k.sasl).toEqual({ mechanism: 'plain', username: 'u', password: 'pw' });
    const e = elasticsearchConnectionOptions(c.storage.elasticsearch);
    expect(e.auth).toEqual({ apiKey: 'aWQ6a2V5' });
    expect(e.tls).toMatchObject({ ca: expect.stringContaining('BEGIN CERTIFICATE'), rejectUnauthorized: true });
    expect(connectionFiles(c).map(([s]) => s).sort()).toEqual(['queue.kafka.sasl.password_file', 'queue.kafka.tls.ca_file', 'storage.elasticsearch.api_key_file', 'storage.elasticsearch.tls.ca_file']);
  });

  it('connects in plain text without credentials by default', () => {
    const c = validateConfig(pipeline, 'test');
    expect(kafkaConnectionOptions(c.queue.kafka)).toEqual({});
    expect(elasticsearchConnectionOptions(c.storage.elasticsearch)).toEqual({});
    expect(connectionFiles(c)).toEqual([]);
  });

  it('names the setting of a missing file, not its contents', () => {
    const msg = refusal(() => readConfigFile('storage.elasticsearch.password_file', join(dir, 'absent')));
    expect(msg).toContain('storage.elasticsearch.password_file');
    expect(msg).toContain('ENOENT');
  });

  it('refuses contradictory or incomplete credentials with the path', () => {
    const bad = (es: object, kafka: object = {}) => refusal(() => validateConfig({ queue: { kafka: { brokers: ['k:1'], ...kafka } }, storage: { elasticsearch: { url: 'http://es:9200', ...es } } }, 'test'));
    expect(bad({ api_key: 'x', username: 'u', password: 'p' })).toContain('either api_key or username/password');
    expect(bad({ username: 'u' })).toContain('username and password');
    expect(bad({ password: 'p', password_file: '/x' })).toContain('password or password_file');
    expect(bad({}, { sasl: { mechanism: 'plain', username: 'u' } })).toContain('queue.kafka.sasl: set one of password');
    expect(bad({}, { sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } })).toContain('queue.kafka.sasl.mechanism');
    expect(bad({ tls: { cert_file: '/c' } })).toContain('storage.elasticsearch.tls: cert_file and key_file go together');
  });

  it('tells a TLS trust failure (server or client certificate) from other connection errors, through wrapping errors', () => {
    const tlsError = (code: string) => Object.assign(new Error('handshake'), { code });
    // kafkajs: NumberOfRetriesExceeded -> cause: ConnectionError { code }; undici: cause chain.
    const wrapped = new Error('retries exceeded', { cause: Object.assign(new Error('Connection error'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }) });
    expect(tlsTrustFailure(wrapped, 'queue.kafka.tls')).toBe("the server's TLS certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE); check queue.kafka.tls.ca_file");
    expect(tlsTrustFailure({ originalError: tlsError('SELF_SIGNED_CERT_IN_CHAIN') }, 'storage.elasticsearch.tls')).toContain('check storage.elasticsearch.tls.ca_file');
    expect(tlsTrustFailure(tlsError('ERR_TLS_CERT_ALTNAME_INVALID'), 'queue.kafka.tls')).toContain('does not name the host');
    expect(tlsTrustFailure(tlsError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'), 'queue.kafka.tls')).toContain('check queue.kafka.tls.cert_file and queue.kafka.tls.key_file');
    // The Elasticsearch client keeps only the message.
    expect(tlsTrustFailure(new Error('unable to verify the first certificate'), 'storage.elasticsearch.tls')).toContain('(UNABLE_TO_VERIFY_LEAF_SIGNATURE); check storage.elasticsearch.tls.ca_file');
    expect(tlsTrustFailure(new Error("Hostname/IP does not match certificate's altnames: IP: 10.0.0.1 is not in the cert's list: 127.0.0.1"), 'storage.elasticsearch.tls')).toContain('does not name the host');
    for (const other of [tlsError('ECONNREFUSED'), tlsError('ERR_SSL_WRONG_VERSION_NUMBER'), new Error('no code'), undefined, 'text']) expect(tlsTrustFailure(other, 'queue.kafka.tls')).toBeUndefined();
  });

  it('turns Elasticsearch 401 / 403 answers and TLS trust failures into BRAID_ERR_STORE_AUTH naming the settings, not the secret', () => {
    const answer = (statusCode: number, body: unknown) => new esErrors.ResponseError({ statusCode, body, headers: {}, warnings: null, meta: {} as never });
    const settings = { url: 'https://braid:url-secret@es.internal:9243/', username: 'writer', password: 'pw-secret' };
    const denied = refusedConnection('bulk write', answer(403, { error: { type: 'security_exception', reason: 'action [indices:data/write/bulk] is unauthorized for user [writer]' } }), settings);
    expect(denied?.code).toBe('BRAID_ERR_STORE_AUTH');
    expect(denied?.transient).toBe(false);
    expect(denied?.message).toBe('elasticsearch https://es.internal:9243 denied bulk write to user writer (storage.elasticsearch.username with password, password_file or BRAID_ELASTICSEARCH_PASSWORD) (403 during bulk write): security_exception');
    const refused = refusedConnection('ping', answer(401, '<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body><h1>401 Authorization Required</h1></body></html>'), { url: 'https://es:9200', api_key_file: '/k' });
    expect(refused?.message).toBe('elasticsearch https://es:9200 refused the API key (storage.elasticsearch.api_key, api_key_file or BRAID_ELASTICSEARCH_API_KEY) (401 during ping): 401 Authorization Required');
    expect(refusedConnection('ping', new Error('unable to verify the first certificate'), settings)?.message).toContain('check storage.elasticsearch.tls.ca_file');
    expect(refusedConnection('ping', answer(400, { error: { type: 'x' } }), settings)).toBeUndefined();
    expect(refusedConnection('bulk write', answer(403, { error: { type: 'cluster_block_exception', reason: 'index [x] blocked by: [FORBIDDEN/8/index write (api)]' } }), settings)).toBeUndefined();
    expect(refusedConnection('ping', answer(503, 'busy'), settings)).toBeUndefined();
    for (const e of [denied, refused]) expect(e?.message).not.toMatch(/secret/);
  });
});
