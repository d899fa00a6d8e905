/**
 * A real log shipper through the Elasticsearch-compatible endpoint: Debian's rsyslog with
 * omelasticsearch (packages rsyslog, rsyslog-elasticsearch) receives syslog lines over TCP and
 * ships them to Braid's `_bulk` with its default settings; the lines are searchable in
 * /braid/v1/logs. Also the single-document mode (bulkmode off: POST /{index}/{type}).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { eventually } from '../helpers/otlp.js';
import { freePort } from '../helpers/process.js';
import { startTestBraid, testConfig } from '../helpers/braid.js';

const RSYSLOGD = '/usr/sbin/rsyslogd';

function send(port: number, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(lines.map((l) => `${l}\n`).join(''), () => resolve()));
    socket.on('error', reject);
  });
}

describe('rsyslog omelasticsearch ships to the _bulk endpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'braid-rsyslog-'));
  let braid: RunningBraid;
  let rsyslog: ChildProcess | undefined;
  let output = '';
  const ports = { bulk: 0, single: 0 };

  beforeAll(async () => {
    if (!existsSync(RSYSLOGD)) throw new Error(`${RSYSLOGD} not found: install the Debian packages rsyslog and rsyslog-elasticsearch (.ci/run does)`);
    braid = await startTestBraid(testConfig());
    const es = new URL(braid.addresses.elasticsearch!);
    ports.bulk = await freePort();
    ports.single = await freePort();
    mkdirSync(join(dir, 'work'));
    const conf = join(dir, 'rsyslog.conf');
    writeFileSync(
      conf,
      [
        `global(workDirectory="${join(dir, 'work')}")`,
        'module(load="imtcp")',
        'module(load="omelasticsearch")',
        `input(type="imtcp" address="127.0.0.1" port="${ports.bulk}" ruleset="bulk")`,
        `input(type="imtcp" address="127.0.0.1" port="${ports.single}" ruleset="single")`,
        // Default template and index settings: what an unchanged rsyslog setup sends.
        `ruleset(name="bulk") { action(type="omelasticsearch" server="127.0.0.1" serverport="${es.port}" searchIndex="syslog-bulk" bulkmode="on" action.resumeRetryCount="-1") }`,
        `ruleset(name="single") { action(type="omelasticsearch" server="127.0.0.1" serverport="${es.port}" searchIndex="syslog-single" action.resumeRetryCount="-1") }`,
      ].join('\n'),
    );
    rsyslog = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
    rsyslog.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    rsyslog.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await eventually(async () => (await new Promise<boolean>((r) => connect(ports.bulk, '127.0.0.1').on('connect', function (this: ReturnType<typeof connect>) { this.destroy(); r(true); }).on('error', () => r(false)))) || undefined, 20_000, `rsyslogd listening (${output})`);
  }, 60_000);
  afterAll(async () => {
    rsyslog?.kill('SIGTERM');
    await braid?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const search = async (q: string) =>
    (await (await fetch(`${braid.addresses.query}/braid/v1/logs?q=${encodeURIComponent(q)}&start=2000-01-01T00:00:00Z`)).json()) as {
      logs: Array<{ message: string; level: string; timestamp: string; attributes: Record<string, unknown> }>;
    };

  it('ships syslog lines in bulk and they are searchable', async () => {
    const tag = `bulk${Date.now()}`;
    const lines = Array.from({ length: 20 }, (_, i) => `<11>Nov 23 17:00:${String(i).padStart(2, '0')} web-1 checkout[4242]: payment ${tag} number ${i} failed`);
    await send(ports.bulk, lines);
    const found = await eventually(async () => {
      const r = await search(tag);
      return r.logs.length === 20 ? r : undefined;
    }, 30_000, `20 shipped lines (rsyslog output: ${output})`);
    expect(found.logs.map((l) => l.message).sort()).toEqual(lines.map((_, i) => ` payment ${tag} number ${i} failed`).sort());
    expect(found.logs[0]?.attributes['elasticsearch.index']).toBe('syslog-bulk');
    expect(found.logs[0]?.attributes.fromhost).toBe('web-1');
    // rsyslog's default template: timereported and priority become the time and the level.
    expect(found.logs.map((l) => l.level)).toEqual(Array(20).fill('error'));
    expect(found.logs.map((l) => l.timestamp.slice(4, 19)).sort()).toEqual(lines.map((_, i) => `-11-23T17:00:${String(i).padStart(2, '0')}`).sort());
    expect((await search(`${tag} number 7`)).logs).toHaveLength(1);
    const metrics = await (await fetch(`${braid.addresses.admin}/metrics`)).text();
    expect(metrics).toMatch(/braid_receiver_accepted_log_records_total\{transport="elasticsearch"\} ([2-9]\d|\d{3,})/);
  });

  it('ships single documents (bulkmode off) too', async () => {
    const tag = `single${Date.now()}`;
    await send(ports.single, [`<14>Nov 23 17:01:00 db-1 postgres[77]: checkpoint ${tag} complete`]);
    const found = await eventually(async () => {
      const r = await search(tag);
      return r.logs.length === 1 ? r : undefined;
    }, 30_000, `the shipped line (rsyslog output: ${output})`);
    expect(found.logs[0]?.message).toBe(` checkpoint ${tag} complete`);
    expect(found.logs[0]?.attributes['elasticsearch.index']).toBe('syslog-single');
  });
});
