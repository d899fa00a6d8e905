import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readGroups, startFileSd, type FileSdSettings } from '../../src/receivers/prometheus/scrape/file-sd.js';
import type { Discoverer, TargetGroup } from '../../src/receivers/prometheus/scrape/types.js';
import { createLogger } from '../../src/telemetry/logger.js';

const HOUR = 3_600_000;
const WAIT_MS = 5_000;

let dir: string;
let sd: Discoverer | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'braid-file-sd-'));
});
afterEach(async () => {
  await sd?.stop();
  sd = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Writes via a temporary name and a rename, as tools that generate these files should. */
function put(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
  return path;
}

/** Starts discovery and records every update, the current groups by source, and the logs. */
function start(settings: FileSdSettings) {
  const updates: TargetGroup[][] = [];
  const state = new Map<string, TargetGroup>();
  const logs: { level: number; msg: string; file?: string; err?: string }[] = [];
  const log = createLogger('debug', { write: (line: string) => void logs.push(JSON.parse(line)) });
  sd = startFileSd(
    settings,
    (groups) => {
      updates.push(groups);
      for (const g of groups) {
        if (g.targets.length === 0) state.delete(g.source);
        else state.set(g.source, g);
      }
    },
    log,
  );
  const addresses = () =>
    [...state.values()]
      .flatMap((g) => g.targets.map((t) => t.__address__))
      .sort();
  return { updates, state, logs, addresses };
}

/** Polls until `check` passes or WAIT_MS runs out; the last failure is the test's failure. */
async function eventually(check: () => void): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('readGroups', () => {
  it('reads JSON and YAML groups with __meta_filepath and <file>:<index> sources', async () => {
    const json = put('a.json', JSON.stringify([{ targets: ['a:1', 'b:2'], labels: { env: 'prod' } }, { targets: ['c:3'] }]));
    expect(await readGroups(json)).toEqual([
      { source: `${json}:0`, targets: [{ __address__: 'a:1' }, { __address__: 'b:2' }], labels: { env: 'prod', __meta_filepath: json } },
      { source: `${json}:1`, targets: [{ __address__: 'c:3' }], labels: { __meta_filepath: json } },
    ]);
    const yaml = put('b.yml', '- targets: [d:4]\n  labels:\n    team: x\n');
    expect(await readGroups(yaml)).toEqual([{ source: `${yaml}:0`, targets: [{ __address__: 'd:4' }], labels: { team: 'x', __meta_filepath: yaml } }]);
  });

  it('reads an empty YAML file and a JSON null as no groups', async () => {
    expect(await readGroups(put('e.yaml', ''))).toEqual([]);
    expect(await readGroups(put('n.json', 'null'))).toEqual([]);
  });

  it('says what is wrong with a malformed file', async () => {
    await expect(readGroups(put('bad.json', '[{"targets": ["a:1"]'))).rejects.toThrow(/JSON/);
    await expect(readGroups(put('typo.yml', '- targets: [a:1]\n  lables: {x: y}\n'))).rejects.toThrow('[0]: Unrecognized key: "lables"');
    await expect(readGroups(put('name.yml', '- targets: [a:1]\n  labels: {"a-b": y}\n'))).rejects.toThrow('[0].labels: "a-b" is not a valid label name');
    await expect(readGroups(put('obj.json', '{"targets": ["a:1"]}'))).rejects.toThrow('(top level): Invalid input: expected array, received object');
    await expect(readGroups(put('num.json', '[{"targets": [1]}]'))).rejects.toThrow('[0].targets[0]: Invalid input: expected string, received number');
  });
});

describe('startFileSd', () => {
  it('sends the groups of every matching file once at start, and nothing more while nothing changes', async () => {
    const a = put('a.json', JSON.stringify([{ targets: ['a:1'] }]));
    const b = put('b.yaml', '- targets: [b:1]\n');
    put('c.txt', 'not a target file');
    const sd = start({ files: [join(dir, '*.json'), join(dir, 'b.yaml'), join(dir, 'missing.yml')], refreshIntervalMs: 50 });
    await eventually(() => expect(sd.updates).toHaveLength(1));
    expect(sd.updates[0]!.map((g) => g.source).sort()).toEqual([`${a}:0`, `${b}:0`]);
    await sleep(300); // several refresh intervals
    expect(sd.updates).toHaveLength(1);
  });

  it('calls onUpdate once with no groups when no file matches', async () => {
    const sd = start({ files: [join(dir, '*.json')], refreshIntervalMs: HOUR });
    await eventually(() => expect(sd.updates).toEqual([[]]));
  });

  it('picks up a new file, a changed file and a removed file through fs.watch', async () => {
    const a = put('a.json', JSON.stringify([{ targets: ['a:1'] }]));
    const sd = start({ files: [join(dir, '*.json')], refreshIntervalMs: HOUR });
    await eventually(() => expect(sd.addresses()).toEqual(['a:1']));

    const b = put('b.json', JSON.stringify([{ targets: ['b:1'], labels: { env: 'dev' } }]));
    await eventually(() => expect(sd.addresses()).toEqual(['a:1', 'b:1']));
    expect(sd.updates.at(-1)).toEqual([{ source: `${b}:0`, targets: [{ __address__: 'b:1' }], labels: { env: 'dev', __meta_filepath: b } }]);

    put('a.json', JSON.stringify([{ targets: ['a:2'] }]));
    await eventually(() => expect(sd.addresses()).toEqual(['a:2', 'b:1']));

    unlinkSync(a);
    await eventually(() => expect(sd.addresses()).toEqual(['b:1']));
    expect(sd.updates.at(-1)).toEqual([{ source: `${a}:0`, targets: [], labels: {} }]);
  });

  it('sends an empty group for each group a file no longer has', async () => {
    const f = put('t.yml', '- targets: [a:1]\n- targets: [b:1]\n- targets: [c:1]\n');
    const sd = start({ files: [f], refreshIntervalMs: HOUR });
    await eventually(() => expect(sd.addresses()).toEqual(['a:1', 'b:1', 'c:1']));
    put('t.yml', '- targets: [a:1]\n');
    await eventually(() => expect(sd.addresses()).toEqual(['a:1']));
    expect(sd.updates.at(-1)).toEqual([
      { source: `${f}:1`, targets: [], labels: {} },
      { source: `${f}:2`, targets: [], labels: {} },
    ]);
  });

  it('keeps the previous groups of a malformed file, logs it once, and recovers', async () => {
    const f = put('t.json', JSON.stringify([{ targets: ['a:1'] }]));
    const sd = start({ files: [f], refreshIntervalMs: 50 });
    await eventually(() => expect(sd.addresses()).toEqual(['a:1']));

    put('t.json', '[{"targets": ["a:1", ');
    await eventually(() => expect(sd.logs.filter((l) => l.msg === 'file_sd cannot read file; keeping its previous targets')).toHaveLength(1));
    await sleep(300); // several refreshes with the file still broken
    expect(sd.addresses()).toEqual(['a:1']);
    expect(sd.updates).toHaveLength(1);
    const errors = sd.logs.filter((l) => l.msg === 'file_sd cannot read file; keeping its previous targets');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.file).toBe(f);

    put('t.json', JSON.stringify([{ targets: ['a:1', 'a:2'] }]));
    await eventually(() => expect(sd.addresses()).toEqual(['a:1', 'a:2']));
    expect(sd.logs.some((l) => l.msg === 'file_sd file readable again' && l.file === f)).toBe(true);
  });

  it('finds files in a directory created after start, on the refresh interval', async () => {
    const sub = join(dir, 'later');
    const sd = start({ files: [join(sub, '*.yml')], refreshIntervalMs: 100 });
    await eventually(() => expect(sd.updates).toEqual([[]]));
    mkdirSync(sub);
    writeFileSync(join(sub, 'x.yml'), '- targets: [x:1]\n');
    await eventually(() => expect(sd.addresses()).toEqual(['x:1']));
  });

  it('sends nothing after stop', async () => {
    const f = put('t.json', JSON.stringify([{ targets: ['a:1'] }]));
    const s = start({ files: [f], refreshIntervalMs: 50 });
    await eventually(() => expect(s.updates).toHaveLength(1));
    await sd!.stop();
    put('t.json', JSON.stringify([{ targets: ['b:1'] }]));
    await sleep(300);
    expect(s.updates).toHaveLength(1);
    expect(s.logs.map((l) => l.msg)).toContain('file_sd stopped');
  });
});
