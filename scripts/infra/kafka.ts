/** Single-node Kafka (KRaft, broker+controller) on 127.0.0.1, from the Maven runtime classpath. */
import { existsSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { type InfraConfig, kafkaPaths, type ServerPaths } from './paths.js';
import { cmdline, run, spawnDetached, tcpOpen } from './process.js';

/** True when a kafkajs admin can connect to 127.0.0.1:`port` (over TLS when `ssl` is given) and list topics. */
export async function kafkaHealthy(port: number, ssl?: KafkaConfig['ssl']): Promise<boolean> {
  if (!(await tcpOpen(port))) return false;
  const kafka = new Kafka({
    clientId: 'braid-infra-health',
    brokers: [`127.0.0.1:${port}`],
    ...(ssl === undefined ? {} : { ssl }),
    connectionTimeout: 1500,
    requestTimeout: 3000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** True when a command line is a Kafka broker (kafka.Kafka main class). */
export function isKafkaCmdline(args: string[]): boolean {
  return args.includes('kafka.Kafka');
}

/** Best effort: the Kafka version of a running broker, from the kafka-clients jar on its classpath. */
export function kafkaVersionOfPid(pid: number): string | undefined {
  const args = cmdline(pid);
  const i = args.findIndex((a) => a === '-cp' || a === '-classpath');
  const cp = i >= 0 ? args[i + 1] : undefined;
  if (!cp) return undefined;
  let cwd = '/';
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    // keep '/'
  }
  for (const entry of cp.split(':')) {
    const dir = entry.endsWith('/*') ? entry.slice(0, -2) : entry;
    const abs = isAbsolute(dir) ? dir : resolve(cwd, dir);
    try {
      for (const f of readdirSync(abs)) {
        const m = /^kafka-clients-(.+)\.jar$/.exec(f);
        if (m?.[1]) return m[1];
      }
    } catch {
      // a jar, or unreadable: skip
    }
  }
  return undefined;
}

/** server.properties of a single-node broker+controller: its listener lines, then what every test broker shares. */
export function singleNodeProperties(controllerPort: number, listenerLines: string[], dataDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    'controller.listener.names=CONTROLLER',
    ...listenerLines,
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

function serverProperties(c: InfraConfig, dataDir: string): string {
  return singleNodeProperties(c.kafkaControllerPort, [
    `listeners=PLAINTEXT://127.0.0.1:${c.kafkaPort},CONTROLLER://127.0.0.1:${c.kafkaControllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${c.kafkaPort}`,
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
  ], dataDir);
}

function log4jConfig(serverLog: string): string {
  return [
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = FILE',
    `appender.file.fileName = ${serverLog}`,
    'appender.file.append = true',
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.file.ref = FILE',
    '',
  ].join('\n');
}

/** Writes the config, formats storage on first use, and starts the broker detached; returns its pid. */
export async function startKafka(c: InfraConfig, java: string, libs: string): Promise<number> {
  const p = kafkaPaths(c);
  return startKafkaProcess(p, serverProperties(c, p.dataDir), java, libs);
}

/**
 * Writes `properties` under `p.dir`, formats `p.dataDir` on first use (with `formatArgs`, e.g.
 * `--add-scram` users), and starts the broker detached; returns its pid (also its process group).
 */
export async function startKafkaProcess(p: ServerPaths, properties: string, java: string, libs: string, formatArgs: string[] = []): Promise<number> {
  for (const d of [p.dir, p.dataDir, p.logsDir]) mkdirSync(d, { recursive: true });
  const props = join(p.dir, 'server.properties');
  const log4j = join(p.dir, 'log4j2.properties');
  writeFileSync(props, properties);
  writeFileSync(log4j, log4jConfig(p.serverLog));
  const cp = `${libs}/*`;
  const logOpt = `-Dlog4j2.configurationFile=${log4j}`;
  if (!existsSync(join(p.dataDir, 'meta.properties'))) {
    const runOpts = { cwd: p.dir, logFile: p.stdoutLog };
    const uuid = (await run(java, [logOpt, '-cp', cp, 'kafka.tools.StorageTool', 'random-uuid'], runOpts)).trim().split('\n').pop() ?? '';
    await run(java, [logOpt, '-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', uuid, '-c', props, ...formatArgs], runOpts);
  }
  return spawnDetached(java, ['-Xms256m', '-Xmx512m', '-Djava.awt.headless=true', logOpt, '-cp', cp, 'kafka.Kafka', props], {
    cwd: p.dir,
    env: process.env,
    logFile: p.stdoutLog,
  });
}
