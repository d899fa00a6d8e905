/**
 * The YAML decoders under fuzz: Prometheus rule files (parseRuleFile, as `braid rules check` and
 * the alerter read them) and Braid's config file (loadConfig, from a real file). Generated valid
 * files decode to what was written; random, mutated and hostile YAML (alias bombs, deep nesting)
 * is refused with errors that name the file and what is wrong, never another exception, fast.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { parseRuleFile } from '../../src/alerting/rules/parse.js';
import { loadConfig } from '../../src/config/load.js';
import { mutatedText, text } from './arbitraries.js';
import { counter, decodeOnce, decodeOnceAsync, params, runs, timeoutFor } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'braid-fuzz-yaml-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rules = counter('rule files (yaml)');
const configs = counter('config files (yaml, loadConfig)');

/** Billion laughs: each level repeats the one before ten times. */
function aliasBomb(levels: number, top: string): string {
  let y = 'l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < levels; i++) y += `l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]\n`;
  return `${y}${top}: *l${levels - 1}\n`;
}

const HOSTILE_YAML = [
  aliasBomb(9, 'groups'),
  aliasBomb(9, 'receivers'),
  `${'- '.repeat(2_000)}x\n`,
  `${'['.repeat(5_000)}${']'.repeat(5_000)}\n`,
  `groups: ${'{a: '.repeat(3_000)}1${'}'.repeat(3_000)}\n`,
  `a: "${'\\u00e9'.repeat(30_000)}"\n`,
  Array.from({ length: 1_500 }, (_, i) => `k${i}: v`).join('\n'),
  'a: !!binary AAAA\nb: !!set {x}\nc: !custom x\nd: 2001-12-14t21:59:43.10-05:00\n',
];

const safeText = fc.stringMatching(/^[a-zA-Z0-9 .,:_-]{0,20}$/);
const labelName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/).filter((n) => n !== '__name__' && !(n in Object.prototype));
const exprs = fc.constantFrom('up == 0', 'sum by (job) (rate(http_requests_total[5m])) > 1', 'histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))', 'vector(1)', 'absent(up{job="a"})');
const duration = fc.constantFrom('30s', '1m', '5m', '1h30m', '2d');
const ruleSpec = fc.oneof(
  fc.record({ alert: fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,12}$/), expr: exprs, for: fc.option(duration, { nil: undefined }), labels: fc.dictionary(labelName, safeText, { maxKeys: 3 }), annotations: fc.dictionary(labelName, safeText, { maxKeys: 3 }) }),
  fc.record({ record: fc.stringMatching(/^[a-z_:][a-z0-9_:]{0,15}$/), expr: exprs, labels: fc.dictionary(labelName, safeText, { maxKeys: 3 }) }),
);
const groupsSpec = fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), interval: fc.option(duration, { nil: undefined }), rules: fc.array(ruleSpec, { maxLength: 4 }) }), { maxLength: 3, selector: (g) => g.name });
const toMs = (d: string | undefined) => (d === undefined ? 0 : [...d.matchAll(/(\d+)([a-z]+)/g)].reduce((ms, [, n, u]) => ms + Number(n) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[u as 's']!, 0));
const drop = <T extends object>(o: T) => JSON.parse(JSON.stringify(o)) as T;

describe('rule files', () => {
  it('generated rule files decode to their groups and rules, without errors', () => {
    const n = runs(300);
    fc.assert(fc.property(groupsSpec, (groups) => {
      const yaml = stringify(drop({ groups }));
      const r = decodeOnce(rules, 'parseRuleFile', () => parseRuleFile(yaml, 'gen.yaml')).value!;
      expect(r.errors).toEqual([]);
      expect(r.groups.map((g) => g.name)).toEqual(groups.map((g) => g.name));
      r.groups.forEach((g, i) => {
        const want = groups[i]!;
        expect(g.intervalMs).toBe(want.interval === undefined ? undefined : toMs(want.interval));
        expect(g.rules.map((x) => ({ alert: x.alert, record: x.record, expr: x.expr, forMs: x.forMs, labels: x.labels, annotations: x.annotations })))
          .toEqual(want.rules.map((x) => ({ alert: 'alert' in x ? x.alert : undefined, record: 'record' in x ? x.record : undefined, expr: x.expr, forMs: toMs('for' in x ? x.for : undefined), labels: x.labels, annotations: 'annotations' in x ? x.annotations : {} })));
      });
    }), params(n));
  }, timeoutFor(runs(300), 5));

  it('anchors and aliases decode as what they name (yaml stringify writes &a1 / *a1 for shared objects)', () => {
    const n = runs(200);
    fc.assert(fc.property(fc.dictionary(labelName, safeText, { minKeys: 1, maxKeys: 3 }), fc.array(fc.stringMatching(/^[A-Z][a-z]{0,6}$/), { minLength: 2, maxLength: 4 }), (labels, alerts) => {
      const rule = { alert: 'Shared', expr: 'up == 0', labels };
      // The same objects more than once: stringify anchors the first and aliases the others.
      const yaml = stringify({ groups: [{ name: 'g', rules: [...alerts.map((alert) => ({ alert, expr: 'vector(1)', labels })), rule, rule] }] });
      expect(yaml).toContain('*a');
      const r = decodeOnce(rules, 'parseRuleFile', () => parseRuleFile(yaml, 'aliases.yaml')).value!;
      expect(r.errors).toEqual([]);
      expect(r.groups[0]!.rules.map((x) => [x.alert, x.labels])).toEqual([...alerts.map((a) => [a, labels]), ['Shared', labels], ['Shared', labels]]);
    }), params(n));
  }, timeoutFor(runs(200), 5));

  const checkRuleFile = (yaml: string) => {
    const r = decodeOnce(rules, 'parseRuleFile', () => parseRuleFile(yaml, 'fuzz.yaml')).value!;
    for (const e of r.errors) expect(e.startsWith('fuzz.yaml: ')).toBe(true);
  };

  it('random and mutated YAML: groups or errors prefixed with the file name, never a throw', () => {
    const valid = groupsSpec.map((groups) => stringify(drop({ groups })));
    const n = runs(1500);
    fc.assert(fc.property(fc.oneof(mutatedText(valid), fc.string({ maxLength: 60 }), fc.jsonValue({ maxDepth: 3 }).map((v) => stringify({ groups: v }))), checkRuleFile), params(n));
  }, timeoutFor(runs(1500), 3));

  it.each(HOSTILE_YAML.map((y) => [y.slice(0, 40), y]))('hostile YAML %j: errors or groups within the bound', (_name, yaml) => checkRuleFile(yaml));
});

/** The documented config: every key of config/braid.example.yaml with its default. */
const example = parseYaml(readFileSync('config/braid.example.yaml', 'utf8')) as Record<string, unknown>;

/** The paths of the example's leaves (arrays and empty maps count as leaves). */
function leaves(o: unknown, path: string[] = []): string[][] {
  if (o === null || typeof o !== 'object' || Array.isArray(o) || Object.keys(o).length === 0) return [path];
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => leaves(v, [...path, k]));
}
const LEAVES = leaves(example);

function setPath(o: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = o;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  if (value === undefined) delete cur[path[path.length - 1]!];
  else cur[path[path.length - 1]!] = value;
}

let files = 0;
async function load(yaml: string): Promise<unknown> {
  const file = join(dir, `c${files++ % 8}.yaml`);
  writeFileSync(file, yaml);
  return loadConfig(file, {});
}
const CONFIG_CODES = ['BRAID_ERR_CONFIG_INVALID', 'BRAID_ERR_CONFIG_READ'];

describe('config files', () => {
  it('the example with any of its keys left out still loads (every key has a default)', async () => {
    const n = runs(200);
    await fc.assert(fc.asyncProperty(fc.subarray(LEAVES), async (dropped) => {
      const cfg = structuredClone(example);
      for (const p of dropped) setPath(cfg, p, undefined);
      const r = await decodeOnceAsync(configs, 'loadConfig', () => load(stringify(cfg)), 500, CONFIG_CODES);
      expect(r.outcome).toBe('decoded');
    }), params(n));
  }, timeoutFor(runs(200), 10));

  it('a leaf set to a wrong value or a key misspelt: refused naming the key\'s path', async () => {
    const n = runs(300);
    const wrong = fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: -5, max: 100_000 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.constant({ x: 1 }));
    await fc.assert(fc.asyncProperty(fc.constantFrom(...LEAVES), wrong, fc.boolean(), async (path, value, misspell) => {
      const cfg = structuredClone(example);
      const at = misspell ? [...path.slice(0, -1), `${path[path.length - 1]}x`] : path;
      setPath(cfg, at, misspell ? 1 : value);
      const r = await decodeOnceAsync(configs, 'loadConfig', async () => {
        try {
          return await load(stringify(cfg));
        } catch (err) {
          // The message names the path of what was wrong, as `a.b.c: <why>`.
          if (!(err as Error).message.includes(`${at.join('.')}:`) && !(err as Error).message.includes(`${at.slice(0, -1).join('.')}`)) {
            throw new Error(`error does not name ${at.join('.')}: ${(err as Error).message}`, { cause: err });
          }
          throw err;
        }
      }, 500, CONFIG_CODES);
      if (misspell) expect(r.outcome).toBe('refused');
    }), params(n));
  }, timeoutFor(runs(300), 10));

  it('random and mutated YAML: a config, or BRAID_ERR_CONFIG_INVALID with a reason, never another exception', async () => {
    const n = runs(300);
    await fc.assert(fc.asyncProperty(fc.oneof(mutatedText(fc.constant(stringify(example))), fc.string({ maxLength: 60 }), text(40)), async (yaml) => {
      await decodeOnceAsync(configs, 'loadConfig', () => load(yaml), 500, CONFIG_CODES);
    }), params(n));
  }, timeoutFor(runs(300), 10));

  it.each(HOSTILE_YAML.map((y) => [y.slice(0, 40), y]))('hostile YAML %j: BRAID_ERR_CONFIG_INVALID within the bound', async (_name, yaml) => {
    await decodeOnceAsync(configs, 'loadConfig', () => load(yaml), 500, CONFIG_CODES);
  });
});
