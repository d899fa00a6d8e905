/**
 * Collects the counts each fuzz file writes (test/fuzz/harness.ts) and prints them as one table
 * at the end of the run, with the total: the figures to quote for a fuzz run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

interface Count {
  name: string;
  inputs: number;
  decoded: number;
  refused: number;
  slowestMs: number;
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'braid-fuzz-'));
  project.provide('fuzzReportDir', dir);
  const started = Date.now();
  return () => {
    let counts: Count[] = [];
    try {
      counts = readFileSync(join(dir, 'counts.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Count);
    } catch {
      counts = [];
    }
    rmSync(dir, { recursive: true, force: true });
    if (counts.length === 0) return;
    const width = Math.max(...counts.map((c) => c.name.length));
    const lines = counts.map((c) =>
      `  ${c.name.padEnd(width)}  ${String(c.inputs).padStart(9)} inputs  ${String(c.decoded).padStart(9)} decoded  ${String(c.refused).padStart(9)} refused  slowest ${c.slowestMs.toFixed(1)} ms`);
    const total = counts.reduce((n, c) => n + c.inputs, 0);
    const runs = process.env.FUZZ_RUNS ?? '500 (default)';
    process.stdout.write(`\n[fuzz] FUZZ_RUNS=${runs}: ${total} inputs over ${counts.length} decoders and endpoints in ${((Date.now() - started) / 1000).toFixed(0)} s\n${lines.join('\n')}\n`);
  };
}
