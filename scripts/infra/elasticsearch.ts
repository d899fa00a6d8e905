/** Single-node Elasticsearch on 127.0.0.1 from the integ-test zip (no bundled JDK, no ILM); never as root. */
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ES_VERSION, esHomeDir, esPaths, type InfraConfig } from './paths.js';
import { InfraError, run, spawnDetached } from './process.js';

/** ES refuses to run as root; when we are root it runs as this system user. */
export const ES_USER = 'braid-es';

/** True when GET /_cluster/health?wait_for_status=yellow answers 200 on 127.0.0.1:`port`. */
export async function esHealthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/_cluster/health?wait_for_status=yellow&timeout=2s`, {
      signal: AbortSignal.timeout(5000),
    });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The node's version (GET /_nodes/_local; this distribution has no `GET /` info endpoint), or undefined. */
export async function esVersion(port: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/_nodes/_local?filter_path=nodes.*.version`, { signal: AbortSignal.timeout(3000) });
    const body: unknown = await res.json();
    if (typeof body !== 'object' || body === null || !('nodes' in body)) return undefined;
    const nodes: unknown = body.nodes;
    if (typeof nodes !== 'object' || nodes === null) return undefined;
    const first: unknown = Object.values(nodes)[0];
    if (typeof first !== 'object' || first === null || !('version' in first)) return undefined;
    return typeof first.version === 'string' ? first.version : undefined;
  } catch {
    return undefined;
  }
}

/** True when a command line belongs to Elasticsearch (launcher script, CLI or server JVM). */
export function isEsCmdline(args: string[]): boolean {
  return args.some((a) => a.includes('elasticsearch'));
}

/** Unzips the distribution into the infra dir unless an extracted tree is already there. */
export async function extractEs(c: InfraConfig, zip: string): Promise<string> {
  const home = esHomeDir(c);
  if (existsSync(join(home, 'bin', 'elasticsearch'))) return home;
  const tmp = join(c.infraDir, 'es', '.extract');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await run('unzip', ['-q', zip, '-d', tmp]);
  rmSync(home, { recursive: true, force: true });
  renameSync(join(tmp, `elasticsearch-${ES_VERSION}`), home);
  rmSync(tmp, { recursive: true, force: true });
  return home;
}

async function numericId(flag: '-u' | '-g'): Promise<number> {
  return Number((await run('id', [flag, ES_USER])).trim());
}

/** When root: creates the ES system user if needed and hands it the tree, data and logs dirs; returns its ids. */
async function esUser(dirs: string[]): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    await run('id', [ES_USER]);
  } catch {
    await run('useradd', ['-r', '-M', '-s', '/usr/sbin/nologin', ES_USER]).catch((e: unknown) => {
      throw new InfraError(`cannot create the ${ES_USER} user (Elasticsearch refuses to run as root): ${e instanceof Error ? e.message : String(e)}`);
    });
  }
  const uid = await numericId('-u');
  const gid = await numericId('-g');
  for (const d of dirs) {
    if (statSync(d).uid !== uid) await run('chown', ['-R', `${uid}:${gid}`, d]);
  }
  return { uid, gid };
}

/** Extracts (once), prepares ownership, and starts Elasticsearch detached; returns the pid (also its process group). */
export async function startEs(c: InfraConfig, zip: string, javaHome: string): Promise<number> {
  const p = esPaths(c);
  for (const d of [c.infraDir, p.dir]) {
    mkdirSync(d, { recursive: true });
    chmodSync(d, 0o755); // the unprivileged ES user must be able to traverse it
  }
  mkdirSync(p.dataDir, { recursive: true });
  mkdirSync(p.logsDir, { recursive: true });
  const home = await extractEs(c, zip);
  const user = await esUser([home, p.dataDir, p.logsDir]);
  const settings = [
    'cluster.name=braid',
    'discovery.type=single-node',
    'network.host=127.0.0.1',
    `http.port=${c.esPort}`,
    `transport.port=${c.esTransportPort}`,
    `path.data=${p.dataDir}`,
    `path.logs=${p.logsDir}`,
    'cluster.routing.allocation.disk.threshold_enabled=false',
    'xpack.security.enabled=false', // otherwise it serves HTTPS only
  ];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: process.env.LANG ?? 'C.UTF-8',
    HOME: p.dir,
    ES_JAVA_HOME: javaHome,
    ES_JAVA_OPTS: '-Xms512m -Xmx512m',
  };
  return spawnDetached(join(home, 'bin', 'elasticsearch'), settings.flatMap((s) => ['-E', s]), {
    cwd: home,
    env,
    logFile: p.stdoutLog,
    ...(user ?? {}),
  });
}
