/**
 * The peers of `npm run bench -- --peers`: the Jaeger v2 configs say what issue 13 found they need,
 * and the build is pinned to Jaeger's v1.75.0 module and telemetrygen v0.161.0. Nothing is built here
 * (a Jaeger build takes minutes): `npx tsx scripts/infra/cli.ts peers-build` does that.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { JAEGER_MODULE_VERSION, PEER_PROGRAMS, peerBinaryPath, TELEMETRYGEN_VERSION } from '../../scripts/infra/jaeger.js';
import { loadConfig } from '../../scripts/infra/paths.js';
import { jaegerConfig, jaegerVars } from '../../scripts/bench/peers/systems.js';

type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const env = { kafkaBrokers: '127.0.0.1:19092', elasticsearchUrl: 'http://127.0.0.1:19200', prefix: 'peerstest', portBase: 24_000 };

/** The config as the collector would see it: ${env:X} replaced by the bench's variables (a missing one fails). */
function load(role: 'collector' | 'ingester'): Yaml {
  const vars = jaegerVars(env, role);
  const text = readFileSync(jaegerConfig(role), 'utf8').replace(/\$\{env:(\w+)\}/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`jaeger-${role}.yaml reads ${name}, which the bench does not set`);
    return vars[name]!;
  });
  return parse(text) as Yaml;
}

/** Every `endpoint`/`host` value anywhere in a config. */
function listenAddresses(v: unknown, out: string[] = []): string[] {
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if ((k === 'endpoint' || k === 'host') && typeof x === 'string') out.push(x);
      else listenAddresses(x, out);
    }
  }
  return out;
}

describe('Jaeger v2 configs of the peers bench', () => {
  it('collector: OTLP in, Kafka out keyed by trace ID, acks from all in-sync replicas, OTLP protobuf', () => {
    const c = load('collector');
    expect(c.service.pipelines.traces).toEqual({ receivers: ['otlp'], processors: ['batch'], exporters: ['kafka'] });
    const kafka = c.exporters.kafka;
    expect(kafka.partition_traces_by_id).toBe(true);
    expect(kafka.producer.required_acks).toBe(-1);
    expect(kafka.encoding).toBe('otlp_proto');
    expect(kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(kafka.topic).toBe('peerstest.spans');
    expect(c.receivers.otlp.protocols.grpc.endpoint).toBe('127.0.0.1:24000');
  });

  it('ingester: Kafka in from the earliest offset, Elasticsearch 8 without the health check, the query API on its own port', () => {
    const c = load('ingester');
    expect(c.service.pipelines.traces).toEqual({ receivers: ['kafka'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] });
    expect(c.service.extensions).toEqual(expect.arrayContaining(['jaeger_storage', 'jaeger_query', 'healthcheckv2']));
    expect(c.receivers.kafka).toMatchObject({ topic: 'peerstest.spans', encoding: 'otlp_proto', initial_offset: 'earliest', group_id: 'peerstest-ingester' });
    const backend = c.exporters.jaeger_storage_exporter.trace_storage as string;
    expect(c.extensions.jaeger_query.storage.traces).toBe(backend);
    const es = c.extensions.jaeger_storage.backends[backend].elasticsearch;
    expect(es.version).toBe(8);
    expect(es.disable_health_check).toBe(true);
    expect(es.server_urls).toEqual(['http://127.0.0.1:19200']);
    expect(es.indices.index_prefix).toBe('peerstest');
    expect(es.indices.spans).toEqual({ shards: 1, replicas: 0 });
    expect(c.extensions.jaeger_query.http.endpoint).toBe('127.0.0.1:24007');
  });

  it('every server of both listens on 127.0.0.1, on ports that do not clash within a process', () => {
    for (const role of ['collector', 'ingester'] as const) {
      const addresses = listenAddresses(load(role)).filter((a) => !a.startsWith('http'));
      expect(addresses.length).toBeGreaterThan(2);
      for (const a of addresses) expect(a).toMatch(/^127\.0\.0\.1(:\d+)?$/);
      const ports = addresses.filter((a) => a.includes(':'));
      expect(new Set(ports).size).toBe(ports.length);
    }
  });
});

describe('peer builds', () => {
  it('are pinned: Jaeger module v1.75.0 and telemetrygen v0.161.0, cached under name-version-hash', () => {
    expect(JAEGER_MODULE_VERSION).toBe('v1.75.0');
    expect(TELEMETRYGEN_VERSION).toBe('v0.161.0');
    const c = loadConfig({ BRAID_CACHE_DIR: '/cache' });
    const paths = PEER_PROGRAMS.map((p) => peerBinaryPath(c, p));
    expect(paths[0]).toMatch(/^\/cache\/jaeger-v1\.75\.0-[0-9a-f]{12}\/jaeger$/);
    expect(paths[1]).toMatch(/^\/cache\/telemetrygen-v0\.161\.0-[0-9a-f]{12}\/telemetrygen$/);
    expect(PEER_PROGRAMS.map((p) => p.pkg)).toEqual(['github.com/jaegertracing/jaeger/cmd/jaeger', 'github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen']);
  });

  it('refuses a go.mod that requires another version, and names a new cache entry when go.sum changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'braid-jaeger-test-'));
    try {
      const p = PEER_PROGRAMS[0]!;
      cpSync(p.moduleDir, dir, { recursive: true });
      const copy = { ...p, moduleDir: dir };
      const c = loadConfig({ BRAID_CACHE_DIR: '/cache' });
      const before = peerBinaryPath(c, copy);
      expect(before).toBe(peerBinaryPath(c, p));
      writeFileSync(join(dir, 'go.sum'), `${readFileSync(join(dir, 'go.sum'), 'utf8')}example.com/x v1.0.0 h1:AAAA=\n`);
      expect(peerBinaryPath(c, copy)).not.toBe(before);
      writeFileSync(join(dir, 'go.mod'), readFileSync(join(dir, 'go.mod'), 'utf8').replace('github.com/jaegertracing/jaeger v1.75.0', 'github.com/jaegertracing/jaeger v1.74.0'));
      expect(() => peerBinaryPath(c, copy)).toThrow(`${join(dir, 'go.mod')} requires github.com/jaegertracing/jaeger v1.74.0, expected v1.75.0`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
