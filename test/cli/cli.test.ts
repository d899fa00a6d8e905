import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnBraid } from '../helpers/process.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));

describe('braid CLI', () => {
  it('serve with an unknown key exits non-zero naming the key path', async () => {
    const run = spawnBraid(['serve', '--config', fixture('typo_endpoint.yaml')]);
    const { code } = await run.exited;
    expect(code).toBe(2);
    expect(run.output()).toContain('receivers.otlp.http.endpiont: unknown key');
  });

  it('config check validates without starting', async () => {
    const ok = spawnBraid(['config', 'check', fileURLToPath(new URL('../../config/braid.example.yaml', import.meta.url))]);
    expect((await ok.exited).code).toBe(0);
    expect(ok.output()).toContain('valid (targets: collector,ingester,query,alerter; queue: memory; store: memory; scrape: collectors/scrape.yml, 1 job; rules: 2 files; auth: none (open))');
    const bad = spawnBraid(['config', 'check', fixture('typo_top_level.yaml')]);
    expect((await bad.exited).code).toBe(2);
    expect(bad.output()).toContain('querry: unknown key');
    // The scrape file the collector would read is checked too.
    const scrape = spawnBraid(['config', 'check', fixture('typo_scrape_job.yaml')]);
    expect((await scrape.exited).code).toBe(2);
    expect(scrape.output()).toContain('scrape config test/fixtures/config/typo_scrape_job.scrape.yml:\n  scrape_configs[0].scrape_intreval: unknown key');
    // And the alerter's rule files, with promtool's message naming file, group and rule.
    const rules = spawnBraid(['config', 'check', fixture('invalid_rule_file.yaml')]);
    expect((await rules.exited).code).toBe(2);
    expect(rules.output()).toContain('test/fixtures/config/invalid_rule_file.rules.yaml: 5:15: group "checkout", rule 1, "CheckoutSlow": could not parse expression: 1:89: parse error: unexpected end of input');
  });

  it('config check applies the environment serve would see, as a pod passes its secrets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'braid-cli-'));
    const file = join(dir, 'braid.yaml');
    writeFileSync(file, 'target: collector\nreceivers: {prometheus: {enabled: false}}\nqueue: {kafka: {brokers: ["kafka:9093"], sasl: {mechanism: scram-sha-512, username: braid}}}\n');
    const without = spawnBraid(['config', 'check', file]);
    expect((await without.exited).code).toBe(2);
    expect(without.output()).toContain('queue.kafka.sasl: set one of password, password_file or the env BRAID_KAFKA_SASL_PASSWORD');
    const withEnv = spawnBraid(['config', 'check', file], { BRAID_KAFKA_SASL_PASSWORD: 'from-a-secret' });
    expect((await withEnv.exited).code).toBe(0);
    expect(withEnv.output()).toContain('valid (targets: collector; queue: kafka');
    expect(withEnv.output()).not.toContain('from-a-secret');
    // --target as serve takes it: a query pod of the same file needs a shared store.
    const query = spawnBraid(['config', 'check', file, '--target', 'query'], { BRAID_KAFKA_SASL_PASSWORD: 'x' });
    expect((await query.exited).code).toBe(2);
    expect(query.output()).toContain('separates query from ingester, which needs a shared store');
  });

  it('rejects an unknown target given on the command line', async () => {
    const run = spawnBraid(['serve', '--target', 'collector,ingestor']);
    expect((await run.exited).code).toBe(2);
    expect(run.output()).toContain('target: unknown target "ingestor"');
  });
  it('config check reads the tokens file and the TLS files as start-up does, printing no token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'braid-cli-'));
    const tokens = join(dir, 'tokens');
    writeFileSync(tokens, 'acme:s3cret-acme-token\nglobex:s3cret-globex-token\n');
    const file = join(dir, 'braid.yaml');
    writeFileSync(file, `receivers: {prometheus: {enabled: false}}\nalerting: {rule_files: []}\nauth: {tokens_file: ${JSON.stringify(tokens)}}\n`);
    const ok = spawnBraid(['config', 'check', file]);
    expect((await ok.exited).code).toBe(0);
    expect(ok.output()).toContain('; auth: 2 tokens)');
    expect(ok.output()).not.toContain('s3cret');
    writeFileSync(tokens, 'acme:s3cret-acme-token\nno colon here\n');
    const bad = spawnBraid(['config', 'check', file]);
    expect((await bad.exited).code).not.toBe(0);
    expect(bad.output()).toMatch(/auth\.tokens_file .*line 2/);
    expect(bad.output()).not.toContain('s3cret');
    const tls = join(dir, 'tls.yaml');
    writeFileSync(tls, `receivers: {prometheus: {enabled: false}}\nalerting: {rule_files: []}\ntls: {cert_file: ${JSON.stringify(tokens)}, key_file: ${JSON.stringify(tokens)}}\n`);
    const badTls = spawnBraid(['config', 'check', tls]);
    expect((await badTls.exited).code).not.toBe(0);
    expect(badTls.output()).toContain('tls.cert_file');
  });
});
