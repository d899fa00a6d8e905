/**
 * The chart's tokens file (values auth.tokens / auth.existingSecret) with the real Helm v4.3.2
 * (built once from the Go module proxy by scripts/infra/helm.ts, cached): `helm lint --strict`,
 * `helm template`, and the rendered Secret read by Braid's own tokens-file parser. No API server:
 * rendering is all this part of the chart does.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHelm } from '../../scripts/infra/helm.js';
import { TokenTable } from '../../src/security/tokens.js';

const run = promisify(execFile);
const CHART = fileURLToPath(new URL('../../helm/braid', import.meta.url));
type Obj = Record<string, unknown> & { kind: string; metadata: { name: string }; spec?: { template?: { spec: PodSpec } }; stringData?: Record<string, string> };
interface PodSpec {
  containers: Array<{ env?: Array<{ name: string; value?: string }>; volumeMounts: Array<{ name: string; mountPath: string }> }>;
  volumes: Array<{ name: string; secret?: { secretName: string } }>;
}

let helm: string;
let work: string;

beforeAll(async () => {
  helm = (await buildHelm()).helm;
  work = mkdtempSync(join(tmpdir(), 'braid-helm-auth-'));
}, 30 * 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function render(values: Record<string, unknown>): Promise<Obj[]> {
  const file = join(work, `v${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(values));
  // helm lint reports on stdout: keep both streams in the error.
  await run(helm, ['lint', '--strict', CHART, '-f', file]).catch((e: { stdout: string; stderr: string }) => {
    throw new Error(`helm lint: ${e.stdout}${e.stderr}`);
  });
  const { stdout } = await run(helm, ['template', 'obs', CHART, '-f', file, '--namespace', 'braid'], { maxBuffer: 64 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((d) => d.toJS() as Obj).filter(Boolean);
}

const podSpecs = (objs: Obj[]) => objs.filter((o) => o.spec?.template?.spec).map((o) => [o.metadata.name, o.spec!.template!.spec] as const);

describe('chart: auth tokens', () => {
  it('auth.tokens: a Secret with the tokens file, mounted in every pod and named by BRAID_AUTH_TOKENS_FILE', async () => {
    for (const mode of [{}, { mode: 'distributed', kafka: { brokers: ['k:9092'] }, elasticsearch: { url: 'http://es:9200' } }]) {
      const objs = await render({ ...mode, auth: { tokens: [{ tenant: 'acme', token: 'tok-acme-1' }, { tenant: 'acme', token: 'tok-acme-2' }, { tenant: 'beta', token: 'tok:beta' }] } });
      const secret = objs.find((o) => o.kind === 'Secret' && o.metadata.name === 'obs-braid-auth');
      const table = TokenTable.parse(secret!.stringData!.tokens!, 'rendered Secret');
      expect([table.size, table.tenants]).toEqual([3, 2]);
      expect([table.tenantOf('tok-acme-2'), table.tenantOf('tok:beta'), table.tenantOf('tok-acme')]).toEqual(['acme', 'beta', undefined]);
      const pods = podSpecs(objs);
      expect(pods.length).toBeGreaterThan(0);
      for (const [name, spec] of pods) {
        const c = spec.containers[0]!;
        expect(c.env?.find((e) => e.name === 'BRAID_AUTH_TOKENS_FILE')?.value, name).toBe('/etc/braid-auth/tokens');
        expect(c.volumeMounts.find((m) => m.name === 'auth')?.mountPath, name).toBe('/etc/braid-auth');
        expect(spec.volumes.find((v) => v.name === 'auth')?.secret?.secretName, name).toBe('obs-braid-auth');
      }
    }
  }, 120_000);

  it('auth.existingSecret: no Secret of the chart, the pods read the existing one; no tokens: open, nothing mounted', async () => {
    const existing = await render({ auth: { existingSecret: 'my-tokens' } });
    expect(existing.some((o) => o.metadata.name === 'obs-braid-auth')).toBe(false);
    for (const [name, spec] of podSpecs(existing)) expect(spec.volumes.find((v) => v.name === 'auth')?.secret?.secretName, name).toBe('my-tokens');
    const open = await render({});
    expect(open.some((o) => o.metadata.name === 'obs-braid-auth')).toBe(false);
    for (const [name, spec] of podSpecs(open)) {
      expect(spec.containers[0]!.env?.some((e) => e.name === 'BRAID_AUTH_TOKENS_FILE') ?? false, name).toBe(false);
      expect(spec.volumes.some((v) => v.name === 'auth'), name).toBe(false);
    }
  }, 120_000);

  it('auth.scrapeToken: the self-scrape and the ServiceMonitor send it as a bearer token; it is in the tokens file', async () => {
    const objs = await render({ auth: { tokens: [{ tenant: 'acme', token: 'tok-acme-1' }], scrapeToken: 'scrape-tok-1' }, serviceMonitor: { enabled: true } });
    const secret = objs.find((o) => o.kind === 'Secret' && o.metadata.name === 'obs-braid-auth')!;
    expect(TokenTable.parse(secret.stringData!.tokens!, 'rendered Secret').tenantOf('scrape-tok-1')).toBe('default');
    expect(secret.stringData!['scrape-token']).toBe('scrape-tok-1');
    const collectors = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'obs-braid-collectors') as unknown as { data: Record<string, string> };
    const scrape = parseAllDocuments(collectors.data['scrape.yml']!)[0]!.toJS() as { scrape_configs: Array<{ job_name: string; authorization?: unknown }> };
    expect(scrape.scrape_configs.find((j) => j.job_name === 'braid')?.authorization).toEqual({ credentials_file: '/etc/braid-auth/scrape-token' });
    const monitor = objs.find((o) => o.kind === 'ServiceMonitor') as unknown as { spec: { endpoints: Array<{ authorization?: unknown }> } };
    expect(monitor.spec.endpoints[0]!.authorization).toEqual({ type: 'Bearer', credentials: { name: 'obs-braid-auth', key: 'scrape-token' } });
    for (const [name, spec] of podSpecs(objs)) expect(spec.volumes.find((v) => v.name === 'auth')?.secret, name).toMatchObject({ items: [{ key: 'tokens', path: 'tokens' }, { key: 'scrape-token', path: 'scrape-token' }] });
  }, 120_000);

  it('values.schema.json refuses a tenant that is not a tenant ID and a token with whitespace', async () => {
    for (const tokens of [[{ tenant: 'Acme', token: 't' }], [{ tenant: 'acme', token: 'two words' }], [{ tenant: 'acme' }]]) {
      await expect(render({ auth: { tokens } })).rejects.toThrow(/at '\/auth\/tokens\/0(\/tenant|\/token)?': /);
    }
  }, 120_000);
});
