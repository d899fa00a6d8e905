/** Where the harness keeps downloads (cache) and runtime state (infra dir), and which ports and versions it uses. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const KAFKA_VERSION = '4.1.1';
export const ES_VERSION = '8.19.4';

/** Everything the harness needs to know about locations and ports, resolved once from the environment. */
export interface InfraConfig {
  cacheDir: string;
  infraDir: string;
  kafkaPort: number;
  kafkaControllerPort: number;
  esPort: number;
  esTransportPort: number;
}

/** Layout of one server's runtime state under the infra dir. */
export interface ServerPaths {
  dir: string;
  dataDir: string;
  logsDir: string;
  /** Where the process's stdout/stderr go. */
  stdoutLog: string;
  /** The server's own main log file (what to read on failure). */
  serverLog: string;
  pidFile: string;
}

function portFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65_000) throw new Error(`${name}=${raw} is not a valid port`);
  return n;
}

/** Reads BRAID_CACHE_DIR, BRAID_INFRA_DIR, BRAID_INFRA_KAFKA_PORT and BRAID_INFRA_ES_PORT (with defaults). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): InfraConfig {
  const kafkaPort = portFromEnv(env, 'BRAID_INFRA_KAFKA_PORT', 19092);
  const esPort = portFromEnv(env, 'BRAID_INFRA_ES_PORT', 19200);
  return {
    cacheDir: env.BRAID_CACHE_DIR || join(homedir(), '.cache', 'braid'),
    infraDir: env.BRAID_INFRA_DIR || '/tmp/braid-infra',
    kafkaPort,
    kafkaControllerPort: kafkaPort + 1,
    esPort,
    esTransportPort: esPort + 100,
  };
}

/** Runtime paths for Kafka under the infra dir. */
export function kafkaPaths(c: InfraConfig): ServerPaths {
  const dir = join(c.infraDir, 'kafka');
  return {
    dir,
    dataDir: join(dir, 'data'),
    logsDir: join(dir, 'logs'),
    stdoutLog: join(dir, 'logs', 'stdout.log'),
    serverLog: join(dir, 'logs', 'server.log'),
    pidFile: join(dir, 'kafka.pid'),
  };
}

/** Runtime paths for Elasticsearch under the infra dir. */
export function esPaths(c: InfraConfig): ServerPaths {
  const dir = join(c.infraDir, 'es');
  return {
    dir,
    dataDir: join(dir, 'data'),
    logsDir: join(dir, 'logs'),
    stdoutLog: join(dir, 'logs', 'stdout.log'),
    serverLog: join(dir, 'logs', 'braid.log'),
    pidFile: join(dir, 'elasticsearch.pid'),
  };
}

/** The cached Kafka runtime classpath directory (filled by mvn). */
export function kafkaLibsDir(c: InfraConfig): string {
  return join(c.cacheDir, `kafka-${KAFKA_VERSION}`, 'libs');
}

/** The cached Elasticsearch distribution zip (fetched by mvn). */
export function esZipPath(c: InfraConfig): string {
  return join(c.cacheDir, `elasticsearch-${ES_VERSION}.zip`);
}

/** The extracted Elasticsearch home under the infra dir. */
export function esHomeDir(c: InfraConfig): string {
  return join(c.infraDir, 'es', `elasticsearch-${ES_VERSION}`);
}
