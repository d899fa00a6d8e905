/**
 * Secrets in configuration never come back out: `braid config check` (the real CLI, as a child
 * process) prints no password, API key or token of a valid or an invalid file; a bad tokens file
 * stops start-up naming the line, never the token; BRAID_AUTH_TOKENS_FILE wins over the key.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEnv, validateConfig } from '../../src/config/load.js';
import { startBraid } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { testConfig } from '../helpers/braid.js';

const run = promisify(execFile);
const ES_PASSWORD = 'es-pw-9f8e7d6c5b';
const SASL_PASSWORD = 'sasl-pw-1a2b3c4d';
const API_KEY = 'YXBpLWtleS1zZWNyZXQ=';
const TOKEN = 'tok-0badc0ffee0badc0ffee';

describe('secrets in configuration', () => {
  let dir: string;
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'braid-auth-config-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const configCheck = async (yaml: string) => {
    const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    try {
      const r = await run('npx', ['tsx', 'src/cli/index.ts', 'config', 'check', file, '--target', 'ingester,query'], { env: { ...process.env, BRAID_ELASTICSEARCH_PASSWORD: '' } });
      return { code: 0, out: r.stdout + r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: e.stdout + e.stderr };
    }
  };
  const secrets = `queue:\n  kafka:\n    brokers: [127.0.0.1:9]\n    sasl: {mechanism: scram-sha-512, username: braid, password: ${SASL_PASSWORD}}\nstorage:\n  elasticsearch:\n    url: http://127.0.0.1:9\n    username: elastic\n    password: ${ES_PASSWORD}\n`;

  it('braid config check prints neither the passwords of a valid file nor those of an invalid one', async () => {
    const valid = await configCheck(secrets);
    expect(valid.out).toContain('valid');
    expect(valid.code).toBe(0);
    const invalid = await configCheck(`${secrets}    api_key: ${API_KEY}\n    pasword: ${ES_PASSWORD}\nauth:\n  tokens_file: 17\n`);
    expect(invalid.code).toBe(2);
    expect(invalid.out).toContain('storage.elasticsearch.pasword: unknown key');
    for (const s of [ES_PASSWORD, SASL_PASSWORD, API_KEY]) {
      expect(valid.out).not.toContain(s);
      expect(invalid.out).not.toContain(s);
    }
  }, 60_000);

  it('a bad tokens file stops start-up naming the file and line, not the token', async () => {
    const tokens = join(dir, 'tokens');
    writeFileSync(tokens, `acme:${TOKEN}\n\nbroken ${TOKEN}x\n`);
    const config = validateConfig(testConfig({ auth: { tokens_file: tokens } }), 'test');
    const err = await startBraid(config, { log: createLogger('silent') }).then(
      async (b) => {
        await b.stop();
        return new Error('started');
      },
      (e: Error) => e,
    );
    expect(err.message).toBe(`auth.tokens_file ${tokens} line 3: expected tenant:token`);
    const missing = validateConfig(testConfig({ auth: { tokens_file: join(dir, 'absent') } }), 'test');
    await expect(startBraid(missing, { log: createLogger('silent') })).rejects.toThrow(`auth.tokens_file: cannot read ${join(dir, 'absent')}: ENOENT`);
  });

  it('BRAID_AUTH_TOKENS_FILE wins over auth.tokens_file', () => {
    const raw = applyEnv({ auth: { tokens_file: '/from/config' } }, { BRAID_AUTH_TOKENS_FILE: '/from/env' }) as { auth: { tokens_file: string } };
    expect(raw.auth.tokens_file).toBe('/from/env');
    expect((applyEnv({ auth: { tokens_file: '/from/config' } }, {}) as { auth: { tokens_file: string } }).auth.tokens_file).toBe('/from/config');
  });
});
