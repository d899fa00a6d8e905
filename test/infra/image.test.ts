/**
 * The container image, without a container engine: the Dockerfile's stages are replayed in a
 * temporary folder (each stage's `/` a folder of its own; COPY takes exactly the paths it names,
 * from the build context as .dockerignore filters it or from an earlier stage; RUN runs its npm
 * commands), then the runtime stage's ENTRYPOINT + CMD runs as its USER with its ENV and WORKDIR.
 * Braid must start there, take a span over OTLP, answer it through the Jaeger API and exit 0 on
 * SIGTERM: this fails when a runtime import needs a dev dependency (only `npm ci --omit=dev` is in
 * the runtime's node_modules, and nothing above it), or when a COPY misses a file the process reads.
 *
 * Replayed differently from `docker build`: the build stage's full `npm ci` links the checkout's
 * node_modules (the same lock; test/lockfile.test.ts keeps it installable), `npm cache clean` is
 * skipped (it would empty the machine's shared cache), and the runtime's `npm ci` adds
 * --prefer-offline. The node binary is this machine's, checked to be the image's major version.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statfsSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { copyArgs, copyFiltered, dockerignore, execForm, keyValues, parseDockerfile, type Stage } from '../helpers/dockerfile.js';
import { eventually, newSpanId, newTraceId } from '../helpers/otlp.js';
import { uniqueName } from '../helpers/braid.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; engines: { node: string }; bin: Record<string, string> };
const stages = parseDockerfile(readFileSync(join(repo, 'Dockerfile'), 'utf8'));
const ignore = dockerignore(readFileSync(join(repo, '.dockerignore'), 'utf8'));

/** What the runtime stage leaves behind for `docker run`. */
interface Image {
  /** The stage's `/`. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  command: string[];
  exposed: number[];
  labels: Record<string, string>;
}

/** A container path inside a replayed stage's root. */
const inRoot = (root: string, path: string) => join(root, path);

async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('exit', resolve));
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} in ${cwd} exited ${code}:\n${output.split('\n').slice(-30).join('\n')}`);
}

/** One RUN: its `&&`-joined npm commands; anything else is not reproduced, and says so. */
async function replayRun(args: string, line: number, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  for (const command of args.split('&&').map((c) => c.trim())) {
    const words = command.split(/\s+/);
    if (words[0] !== 'npm') throw new Error(`Dockerfile line ${line}: RUN ${command}: only npm commands are replayed by this test`);
    if (words[1] === 'ci' && words.includes('--omit=dev')) await run('npm', [...words.slice(1), '--prefer-offline'], cwd, env);
    else if (words[1] === 'ci') symlinkSync(join(repo, 'node_modules'), join(cwd, 'node_modules'));
    else if (words[1] === 'cache' && words[2] === 'clean') continue;
    else if (words[1] === 'run' && words.length === 3) await run('npm', ['run', words[2]!], cwd, env);
    else throw new Error(`Dockerfile line ${line}: RUN ${command}: not replayed by this test`);
  }
}

/**
 * Replays one stage into `root`. As BuildKit does, stages run at once and a COPY --from waits
 * for the stage it names (`built`: each stage's root once it is complete).
 */
async function replayStage(stage: Stage, root: string, built: Map<string, Promise<string>>): Promise<Image> {
  const image: Image = { root, workdir: '/', env: {}, user: undefined, command: [], exposed: [], labels: {} };
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  const env = () => ({ PATH: process.env.PATH, HOME: process.env.HOME, npm_config_cache: process.env.npm_config_cache, ...image.env });
  for (const ins of stage.instructions) {
    const cwd = inRoot(root, image.workdir);
    switch (ins.keyword) {
      case 'WORKDIR':
        image.workdir = ins.args.startsWith('/') ? ins.args : join(image.workdir, ins.args);
        mkdirSync(inRoot(root, image.workdir), { recursive: true });
        break;
      case 'ENV':
        Object.assign(image.env, keyValues(ins));
        break;
      case 'LABEL':
        Object.assign(image.labels, keyValues(ins));
        break;
      case 'USER':
        image.user = ins.args;
        break;
      case 'EXPOSE':
        image.exposed = ins.args.split(/\s+/).map((p) => Number(p.replace(/\/tcp$/, '')));
        break;
      case 'ENTRYPOINT':
        entrypoint = execForm(ins);
        break;
      case 'CMD':
        cmd = execForm(ins);
        break;
      case 'RUN':
        await replayRun(ins.args, ins.line, cwd, env());
        break;
      case 'COPY': {
        const { from, sources, dest } = copyArgs(ins);
        const to = dest.startsWith('/') ? inRoot(root, dest) : join(cwd, dest);
        const intoDir = sources.length > 1 || dest.endsWith('/') || dest === '.';
        for (const src of sources) {
          if (from !== undefined) {
            const fromRoot = await built.get(from);
            if (!fromRoot) throw new Error(`Dockerfile line ${ins.line}: COPY --from=${from}: no earlier stage of that name`);
            copyFiltered(fromRoot, src.replace(/^\//, ''), intoDir ? join(to, basename(src)) : to, { excluded: () => false, hasExceptions: false });
          } else {
            const isDir = statSync(join(repo, src)).isDirectory();
            copyFiltered(repo, src, !isDir && intoDir ? join(to, basename(src)) : to, ignore);
          }
        }
        break;
      }
      case 'ARG':
      case 'HEALTHCHECK':
      case 'STOPSIGNAL':
        break;
      default:
        throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} is not replayed by this test`);
    }
  }
  image.command = [...entrypoint, ...cmd];
  return image;
}

/** A free TCP port of 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** `import ... from 'x'` / `export ... from 'x'` (tsc's output, one statement may span lines), `import 'x'`, `import('x')`: bare specifiers only. */
const MODULE_SPECIFIER = /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*(['"])([^'"\s./][^'"\s]*)\1|^\s*import\s*(['"])([^'"\s./][^'"\s]*)\3|\bimport\s*\(\s*(['"])([^'"\s./][^'"\s]*)\5\s*\)/gm;

/** Every bare module specifier the built server code imports (dist/web is the page's own bundle). */
function bareImports(dist: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, name.name);
      if (name.isDirectory()) {
        if (path !== join(dist, 'web')) walk(path);
      } else if (name.name.endsWith('.js')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(MODULE_SPECIFIER)) found.set(m[2] ?? m[4] ?? m[6]!, relative(dist, path));
      }
    }
  };
  walk(dist);
  return found;
}

const packageName = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

/**
 * Memory-backed /dev/shm when it has room: the runtime's npm ci writes, and the clean-up deletes,
 * some 20,000 files, which took 17-70 s on the shared disk of a loaded machine.
 */
function scratchDir(): string {
  try {
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize > 2 ** 30) return '/dev/shm';
  } catch {
    // no /dev/shm: the disk
  }
  return tmpdir();
}

let workspace: string;
let image: Image;
const timings: Record<string, number> = {};
const fileStarted = Date.now();

beforeAll(async () => {
  workspace = mkdtempSync(join(scratchDir(), 'braid-image-'));
  chmodSync(workspace, 0o755); // the runtime user (uid 1000) reads the image's files from here
  const built = new Map<string, Promise<string>>();
  const images = stages.map((stage, i) => {
    const name = stage.name ?? String(i);
    const root = join(workspace, name);
    mkdirSync(root, { recursive: true });
    const started = Date.now();
    const done = replayStage(stage, root, built).then((img) => {
      timings[`stage ${name}`] = Date.now() - started;
      return img;
    });
    const complete = done.then(() => root);
    complete.catch(() => undefined); // a failed stage is reported once, below
    built.set(name, complete);
    return done;
  });
  // Every stage settles before the first failure is thrown: no npm left running into afterAll.
  const settled = await Promise.allSettled(images);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  image = await images.at(-1)!;
}, 240_000);

afterAll(async () => {
  const removing = Date.now();
  // rm -rf: several times faster than fs.rmSync over the runtime's thousands of node_modules files.
  if (workspace) await run('rm', ['-rf', workspace], tmpdir(), { PATH: process.env.PATH });
  timings['clean-up'] = Date.now() - removing;
  timings['whole file'] = Date.now() - fileStarted;
  process.stdout.write(`[image] ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}\n`);
});

describe('container image (Dockerfile replayed)', () => {
  it('builds on the same pinned Node image in both stages, a version package.json accepts', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const bases = new Set(stages.map((s) => s.image));
    expect([...bases]).toHaveLength(1);
    const tag = /^node:(\d+\.\d+\.\d+)-bookworm-slim$/.exec(stages[0]!.image);
    expect(tag, `base ${stages[0]!.image} pinned as node:<x.y.z>-bookworm-slim`).not.toBeNull();
    expect(semver.satisfies(tag![1]!, pkg.engines.node)).toBe(true);
    // The replay runs this machine's node: it must be the image's major version to prove anything.
    expect(semver.major(process.version)).toBe(semver.major(tag![1]!));
  });

  it('runs as a non-root numeric user the package bin, and exposes exactly the ports its config binds on 0.0.0.0', () => {
    expect(image.user).toMatch(/^[1-9]\d*(:\d+)?$/);
    const script = relative(image.workdir, image.command[1] ?? '');
    expect(image.command[0]).toBe('node');
    expect(script).toBe(pkg.bin.braid);
    expect(image.command[2]).toBe('serve');
    const configPath = image.env.BRAID_CONFIG;
    expect(configPath, 'ENV BRAID_CONFIG names the config the image runs').toBeDefined();
    const endpoints = collectEndpoints(parseYaml(readFileSync(inRoot(image.root, configPath!), 'utf8')));
    expect(endpoints.length).toBe(6);
    expect(endpoints.filter((e) => !e.startsWith('0.0.0.0:'))).toEqual([]);
    expect(endpoints.map((e) => Number(e.split(':')[1])).sort((a, b) => a - b)).toEqual([...image.exposed].sort((a, b) => a - b));
    expect(Object.keys(image.labels)).toEqual(expect.arrayContaining(['org.opencontainers.image.title', 'org.opencontainers.image.licenses', 'org.opencontainers.image.version']));
    expect(image.labels['org.opencontainers.image.version'], 'the version label follows package.json').toBe(pkg.version);
  });

  it('imports only production dependencies, all installed in the runtime stage, with nothing above it to fall back on', () => {
    const app = inRoot(image.root, image.workdir);
    const missing: string[] = [];
    for (const [spec, file] of bareImports(join(app, 'dist'))) {
      if (isBuiltin(spec)) continue;
      const name = packageName(spec);
      if (pkg.dependencies[name] === undefined) missing.push(`${file} imports ${spec}: not in package.json dependencies`);
      else if (!existsSync(join(app, 'node_modules', name, 'package.json'))) missing.push(`${file} imports ${spec}: not installed by npm ci --omit=dev`);
    }
    expect(missing).toEqual([]);
    // Node looks for node_modules in every parent folder: none may hold one (the dev tree, say).
    for (let dir = dirname(app); dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, 'node_modules')), `${dir}/node_modules`).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'vitest'))).toBe(false);
  });

  for (const mode of ['embedded', 'pipeline (real Kafka, real Elasticsearch)'] as const) {
    it(`serves ${mode}: ready, one span in and out through the Jaeger API, rules and scrape files read, exit 0 on SIGTERM`, async () => {
      const started = Date.now();
      const ports = { grpc: await freePort(), http: await freePort(), zipkin: await freePort(), es: await freePort(), query: await freePort(), admin: await freePort() };
      const config = localConfig(ports, mode === 'embedded' ? undefined : uniqueName('image'));
      const configFile = join(workspace, `config-${mode.split(' ')[0]}.yaml`);
      writeFileSync(configFile, stringifyYaml(config));
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: workspace, ...image.env, BRAID_CONFIG: configFile };
      if (mode !== 'embedded') Object.assign(env, { BRAID_KAFKA_BROKERS: inject('kafkaBrokers'), BRAID_ELASTICSEARCH_URL: inject('elasticsearchUrl') });
      const braid = startImage(env);
      try {
        const admin = `http://127.0.0.1:${ports.admin}`;
        const query = `http://127.0.0.1:${ports.query}`;
        await eventually(async () => ((await fetch(`${admin}/readyz`)).ok ? true : undefined), 60_000, `/readyz (output so far:\n${braid.output()})`);
        timings[`${mode.split(' ')[0]} ready`] = Date.now() - started;

        const traceId = newTraceId();
        const spanId = newSpanId();
        const sent = await fetch(`http://127.0.0.1:${ports.http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(oneSpan(traceId, spanId)) });
        expect(sent.status).toBe(200);
        const trace = await eventually(
          async () => {
            const r = await fetch(`${query}/api/traces/${traceId}`);
            return r.ok ? ((await r.json()) as { data: Array<{ spans: Array<{ spanID: string; operationName: string }> }> }).data[0] : undefined;
          },
          30_000,
          'the span through the Jaeger API',
        );
        expect(trace.spans.map((s) => [s.spanID, s.operationName])).toEqual([[spanId, 'GET /image']]);

        // The rule files the image copied (alerts/), as the rules API lists them.
        const rules = (await (await fetch(`${query}/prometheus/api/v1/rules`)).json()) as { data: { groups: Array<{ file: string }> } };
        const ruleFiles = new Set(rules.data.groups.map((g) => basename(g.file)));
        expect([...ruleFiles].sort()).toEqual(readdirSync(join(repo, 'alerts')).filter((f) => f.endsWith('.yaml')).sort());
        // The explorer page npm run build made (dist/web), and one of its bundles.
        const page = await (await fetch(`${query}/`)).text();
        const index = join(inRoot(image.root, image.workdir), 'dist/web/index.html');
        expect(existsSync(index), 'npm run build writes the explorer page to dist/web').toBe(true);
        expect(page).toBe(readFileSync(index, 'utf8'));
        const bundle = /(?:src|href)="(\/assets\/[^"]+)"/.exec(page)?.[1];
        expect(bundle, 'the page names a bundle under /assets/').toBeDefined();
        expect((await fetch(`${query}${bundle}`)).status).toBe(200);
        expect(braid.output()).toContain('"msg":"scraper started"');
        expect(braid.output()).not.toContain('no scrape configuration file');
      } finally {
        braid.process.kill('SIGTERM');
      }
      const exit = await braid.exited;
      expect(exit, braid.output().split('\n').slice(-20).join('\n')).toEqual({ code: 0, signal: null });
      expect(braid.output()).toContain('"msg":"stopped"');
      timings[`${mode.split(' ')[0]} total`] = Date.now() - started;
    });
  }
});

/** Every `endpoint` value of a config tree, with its path. */
function collectEndpoints(node: unknown): string[] {
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) => (k === 'endpoint' && typeof v === 'string' ? [v] : collectEndpoints(v)));
}

/** The image's config with each server on a free port of 127.0.0.1; names of its own on Kafka and Elasticsearch. */
function localConfig(ports: Record<'grpc' | 'http' | 'zipkin' | 'es' | 'query' | 'admin', number>, prefix: string | undefined): Record<string, unknown> {
  const config = parseYaml(readFileSync(inRoot(image.root, image.env.BRAID_CONFIG!), 'utf8')) as Record<string, Record<string, Record<string, Record<string, unknown>>>>;
  const byPort: Record<number, number> = { 4317: ports.grpc, 4318: ports.http, 9411: ports.zipkin, 9200: ports.es, 16686: ports.query, 8888: ports.admin };
  const rebind = (node: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'endpoint' && typeof v === 'string') {
        const port = byPort[Number(v.split(':')[1])];
        if (port === undefined) throw new Error(`the image's config binds ${v}, a port this test does not know`);
        node[k] = `127.0.0.1:${port}`;
      } else if (v !== null && typeof v === 'object') rebind(v as Record<string, unknown>);
    }
  };
  rebind(config);
  const out: Record<string, unknown> = { ...config, telemetry: { log_level: 'info' } };
  if (prefix) {
    out.queue = { kafka: { topic_prefix: `${prefix}.`, group_id: `${prefix}-ingester`, partitions: 3 } };
    out.storage = { elasticsearch: { index_prefix: prefix } };
  }
  return out;
}

function oneSpan(traceId: string, spanId: string) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'image-test' } }] },
        scopeSpans: [{ spans: [{ traceId, spanId, name: 'GET /image', kind: 2, startTimeUnixNano: String(now - 5_000_000n), endTimeUnixNano: String(now) }] }],
      },
    ],
  };
}

/** Starts the image's ENTRYPOINT + CMD in its WORKDIR, as its USER when this test runs as root. */
function startImage(env: NodeJS.ProcessEnv): { process: ChildProcess; output: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const [node, ...args] = image.command;
  expect(node).toBe('node');
  const [uid, gid] = (image.user ?? '').split(':').map(Number);
  const asUser = process.getuid?.() === 0 && uid !== undefined ? { uid, gid: gid ?? uid } : {};
  const child = spawn(process.execPath, args.map((a) => (a.startsWith('/') ? inRoot(image.root, a) : a)), {
    cwd: inRoot(image.root, image.workdir),
    env: { ...env, BRAID_CONFIG: env.BRAID_CONFIG?.startsWith(workspace) ? env.BRAID_CONFIG : inRoot(image.root, env.BRAID_CONFIG ?? '') },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...asUser,
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { process: child, output: () => output, exited };
}
