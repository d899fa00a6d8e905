import { describe, expect, it } from 'vitest';
import { requireTools } from '../../scripts/infra/fetch.js';
import { InfraError, infraStatus, loadConfig } from '../../scripts/infra/index.js';
import { firstErrorLine, lastLines } from '../../scripts/infra/process.js';

describe('infra harness', () => {
  it('defaults ports and directories, and derives the controller and transport ports', () => {
    const c = loadConfig({ HOME: '/home/x' });
    expect(c.kafkaPort).toBe(19092);
    expect(c.kafkaControllerPort).toBe(19093);
    expect(c.esPort).toBe(19200);
    expect(c.esTransportPort).toBe(19300);
    expect(c.infraDir).toBe('/tmp/braid-infra');
    expect(c.cacheDir.endsWith('/.cache/braid')).toBe(true);
  });

  it('honours the env overrides and rejects bad ports', () => {
    const c = loadConfig({ BRAID_INFRA_KAFKA_PORT: '29092', BRAID_INFRA_ES_PORT: '29200', BRAID_CACHE_DIR: '/c', BRAID_INFRA_DIR: '/i' });
    expect([c.kafkaPort, c.kafkaControllerPort, c.esPort, c.esTransportPort]).toEqual([29092, 29093, 29200, 29300]);
    expect([c.cacheDir, c.infraDir]).toEqual(['/c', '/i']);
    expect(() => loadConfig({ BRAID_INFRA_KAFKA_PORT: 'x' })).toThrow(/not a valid port/);
  });

  it('says in one line which tool is missing', () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(() => requireTools()).toThrow(InfraError);
      expect(() => requireTools()).toThrow(/^java and mvn not found on PATH/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('reports both servers with their ports', async () => {
    const list = await infraStatus();
    expect(list.map((s) => s.name)).toEqual(['kafka', 'elasticsearch']);
    const c = loadConfig();
    expect(list.map((s) => s.port)).toEqual([c.kafkaPort, c.esPort]);
  });

  it('keeps log tails short and finds the first error line', () => {
    expect(lastLines('a\nb\nc\n', 2)).toBe('b\nc');
    expect(firstErrorLine('/nonexistent/log')).toBeUndefined();
  });
});
