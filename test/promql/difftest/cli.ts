/**
 * Runs the differential check by hand and prints the agreement and every disagreement:
 *   npx tsx test/promql/difftest/cli.ts [--seed N] [--count N] [--engine path/to/src/promql/index.ts] [--json]
 *   npx tsx test/promql/difftest/cli.ts --seed N --query 'expr' [--at <ms> | --range <start,end,step ms>]
 *   (both answers to one query over the seed's data)
 * `--engine` measures another build of the engine (an older commit's src/promql, extracted with its
 * dependencies next to a node_modules link) against the same data and expressions.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as braidEngine from '../../../src/promql/index.js';
import { memorySource } from '../promqltest.js';
import { dataset, T0, toRemoteWrite, toSeries } from './data.js';
import { prometheusBinary, startPrometheus } from './prometheus.js';
import { runDifferential, summary, type Engine } from './run.js';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, count: { type: 'string', default: '500' }, engine: { type: 'string' }, json: { type: 'boolean', default: false },
  query: { type: 'string' }, at: { type: 'string' }, range: { type: 'string' } } });
const seed = Number(values.seed);
const count = Number(values.count);
if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 1) throw new Error(`--seed and --count must be integers, got ${values.seed} and ${values.count}`);
const engine = values.engine === undefined ? undefined : ((await import(pathToFileURL(resolve(values.engine)).href)) as Engine);
const prom = await startPrometheus(await prometheusBinary());
try {
  if (values.query !== undefined) {
    const at = Number(values.at ?? T0 + 600_000);
    const data = dataset(seed);
    await prom.write(toRemoteWrite(data));
    const eng = engine ?? braidEngine;
    const source = memorySource(toSeries(data));
    if (values.range !== undefined) {
      const [start, end, step] = values.range.split(',').map(Number) as [number, number, number];
      const braid = await eng.rangeQuery(source, values.query, start, end, step).catch((e: Error) => e.message);
      console.log(`Braid:      ${JSON.stringify(braid)}\nPrometheus: ${JSON.stringify(await prom.range(values.query, start, end, step))}`);
    } else {
      const braid = await eng.instantQuery(source, values.query, at).catch((e: Error) => e.message);
      console.log(`Braid:      ${JSON.stringify(braid)}\nPrometheus: ${JSON.stringify(await prom.instant(values.query, at))}`);
    }
  } else {
    const report = await runDifferential(prom, { seed, count, ...(engine === undefined ? {} : { engine }) });
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else {
      for (const d of report.disagreements) console.log(`${d.mode} [${d.at.join(', ')}] ${d.query}\n    ${d.diff}`);
      console.log(summary(report));
    }
  }
} finally {
  await prom.stop();
}
