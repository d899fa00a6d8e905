/**
 * The scraper across collectors and over time: two collectors sharing one scrape configuration,
 * shard 0/2 and 1/2, scrape every target exactly once between them; a target removed from file
 * discovery gets staleness markers for its series.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { eventually } from '../helpers/otlp.js';
import { startTestBraid, testConfig } from '../helpers/braid.js';

interface SampleView {
  metric: string;
  labels: Record<string, string>;
  value: number | string | null;
  stale?: boolean;
}

describe('scraper shards and staleness', () => {
  const dir = mkdtempSync(join(tmpdir(), 'braid-scrape-shard-'));
  const servers: Server[] = [];
  const addresses: string[] = [];
  const braids: RunningBraid[] = [];
  const targetsFile = join(dir, 'targets.json');

  beforeAll(async () => {
    for (let i = 0; i < 8; i++) {
      const server = createServer((_req, res) => res.end(`# TYPE widgets gauge\nwidgets{n="${i}"} ${i}\n`));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      servers.push(server);
      addresses.push(`127.0.0.1:${(server.address() as { port: number }).port}`);
    }
    writeFileSync(targetsFile, JSON.stringify([{ targets: addresses, labels: { fleet: 'a' } }]));
    const file = join(dir, 'scrape.yml');
    writeFileSync(file, ['global: { scrape_interval: 1s, scrape_timeout: 1s }', 'scrape_configs:', '  - job_name: widgets', '    file_sd_configs:', `      - { files: ["${targetsFile}"], refresh_interval: 1s }`, ''].join('\n'));
    for (const index of [0, 1]) {
      const input = testConfig();
      braids.push(await startTestBraid({ ...input, receivers: { ...input.receivers, prometheus: { enabled: true, config_file: file, shard: { index, count: 2 } } } }));
    }
  });
  afterAll(async () => {
    for (const b of braids) await b.stop();
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const samples = async (b: RunningBraid, params: string) => ((await (await fetch(`${b.addresses.query}/braid/v1/samples?${params}`)).json()) as { samples: SampleView[] }).samples;
  const instances = async (b: RunningBraid) => new Set((await samples(b, 'metric=up&label=job:widgets&limit=1000')).map((s) => s.labels.instance));

  it('scrapes each target with exactly one of two collectors', async () => {
    const [a, b] = await eventually(async () => {
      const sets = await Promise.all(braids.map(instances));
      return sets[0]!.size + sets[1]!.size === 8 ? sets : undefined;
    }, 30_000, 'all eight targets scraped');
    expect([...a!].filter((i) => b!.has(i))).toEqual([]);
    expect(new Set([...a!, ...b!])).toEqual(new Set(addresses));
    expect(a!.size).toBeGreaterThan(0);
    expect(b!.size).toBeGreaterThan(0);
  });

  it('writes staleness markers for the series of a target that went away', async () => {
    const gone = addresses[0]!;
    writeFileSync(targetsFile, JSON.stringify([{ targets: addresses.slice(1), labels: { fleet: 'a' } }]));
    const stale = await eventually(async () => {
      const all = (await Promise.all(braids.map((b) => samples(b, `metric=widgets&label=instance:${gone}&limit=10`)))).flat();
      return all.find((s) => s.stale) ? all : undefined;
    }, 30_000, 'a staleness marker');
    const marker = stale.find((s) => s.stale)!;
    expect(marker.value).toBeNull();
    expect(marker.labels).toMatchObject({ instance: gone, job: 'widgets', n: '0', fleet: 'a' });
    const upMarkers = (await Promise.all(braids.map((b) => samples(b, `metric=up&label=instance:${gone}&limit=10`)))).flat();
    expect(upMarkers.some((s) => s.stale)).toBe(true);
  });
});
