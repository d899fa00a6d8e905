/**
 * A secured single-node Kafka 4.1.1 (KRaft) on 127.0.0.1, from the same cached classpath as the
 * main broker (scripts/infra/kafka.ts), for the tests of Braid's TLS and SASL settings:
 * - SASL_SSL: PLAIN (users in the listener's JAAS config), SCRAM-SHA-256 and SCRAM-SHA-512 (users
 *   written into the metadata log when the storage is formatted, as KRaft needs);
 * - SSL: TLS without SASL (also the inter-broker listener);
 * - MTLS: TLS that requires a client certificate signed by the CA.
 * Key and trust stores are PEM files (ssl.keystore.type=PEM). Each call starts its own broker on
 * free ports with its state under `dir`; `stop` ends it. Nothing is reused between test files.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fetchKafkaLibs, type Logger, requireTools } from './fetch.js';
import { kafkaHealthy, singleNodeProperties, startKafkaProcess } from './kafka.js';
import { loadConfig, type ServerPaths } from './paths.js';
import { stopGroup, waitForHealth } from './process.js';

/** A user name and password. */
export interface KafkaUser {
  name: string;
  password: string;
}

/** PEM files of the broker's certificate, its key, and the CA it trusts (for mTLS clients too). */
export interface BrokerPki {
  caCert: string;
  serverCert: string;
  serverKey: string;
}

/** Options of startSecureKafka. */
export interface SecureKafkaOptions {
  /** Where the broker keeps its config, data and logs. */
  dir: string;
  pki: BrokerPki;
  /** Users of SASL/PLAIN, and of SCRAM-SHA-256 and SCRAM-SHA-512 (the same users for both). */
  plainUsers: KafkaUser[];
  scramUsers: KafkaUser[];
  log?: Logger;
  /** Health wait in ms (default 120 000). */
  timeoutMs?: number;
}

/** A running secured broker: its listeners as `host:port`, and how to stop it. */
export interface SecureKafka {
  saslSsl: string;
  ssl: string;
  mtls: string;
  serverLog: string;
  stop(): Promise<void>;
}

const listen = (): Promise<Server> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });

/** `n` distinct ports that were free a moment ago on 127.0.0.1 (all held open together while chosen). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, listen));
  const ports = servers.map((s) => {
    const a = s.address();
    return typeof a === 'object' && a ? a.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** A JAAS string value: quotes and backslashes escaped. */
const jaasValue = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** A properties-file value: backslashes escaped (JAAS quotes survive as they are). */
const propValue = (v: string) => v.replace(/\\/g, '\\\\');

/** The broker's server.properties for the listeners on `ports` [saslSsl, ssl, mtls, controller]. */
export function secureServerProperties(ports: number[], dataDir: string, keystore: string, truststore: string, plainUsers: KafkaUser[]): string {
  const [saslSsl, ssl, mtls, controller] = ports;
  const plainJaas = `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers.map((u) => `user_${u.name}=${jaasValue(u.password)}`).join(' ')};`;
  const scramJaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  return singleNodeProperties(controller as number, [
    `listeners=SASL_SSL://127.0.0.1:${saslSsl},SSL://127.0.0.1:${ssl},MTLS://127.0.0.1:${mtls},CONTROLLER://127.0.0.1:${controller}`,
    `advertised.listeners=SASL_SSL://127.0.0.1:${saslSsl},SSL://127.0.0.1:${ssl},MTLS://127.0.0.1:${mtls}`,
    'inter.broker.listener.name=SSL',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,MTLS:SSL',
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${propValue(keystore)}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${propValue(truststore)}`,
    'listener.name.mtls.ssl.client.auth=required',
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    `listener.name.sasl_ssl.plain.sasl.jaas.config=${propValue(plainJaas)}`,
    `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${scramJaas}`,
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${scramJaas}`,
  ], dataDir);
}

/** `kafka-storage format` arguments that create each SCRAM user for both SCRAM mechanisms. */
export function scramFormatArgs(users: KafkaUser[]): string[] {
  for (const u of users) {
    // The tool parses `[name=...,password=...]` itself: a comma or bracket would split it.
    if (/[,\]=\s]/.test(u.name) || /[,\]\s]/.test(u.password)) throw new Error(`SCRAM user ${u.name}: names and passwords must not hold ',', ']', '=' (names) or spaces`);
  }
  return users.flatMap((u) => ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u.name},password=${u.password}]`]));
}

/** Starts a secured broker on free ports (formatting its storage with the SCRAM users) and waits until its SSL listener answers. */
export async function startSecureKafka(opts: SecureKafkaOptions): Promise<SecureKafka> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[braid-infra] ${line}\n`));
  const tools = requireTools();
  const { libs } = await fetchKafkaLibs(loadConfig(), tools, log);
  const p: ServerPaths = {
    dir: opts.dir,
    dataDir: join(opts.dir, 'data'),
    logsDir: join(opts.dir, 'logs'),
    stdoutLog: join(opts.dir, 'logs', 'stdout.log'),
    serverLog: join(opts.dir, 'logs', 'server.log'),
    pidFile: join(opts.dir, 'kafka.pid'),
  };
  mkdirSync(opts.dir, { recursive: true });
  const ports = await freePorts(4);
  const keystore = join(opts.dir, 'keystore.pem');
  // A PEM keystore file holds the (unencrypted PKCS#8) key and the certificate chain.
  writeFileSync(keystore, `${readFileSync(opts.pki.serverKey, 'utf8')}${readFileSync(opts.pki.serverCert, 'utf8')}`, { mode: 0o600 });
  const properties = secureServerProperties(ports, p.dataDir, keystore, opts.pki.caCert, opts.plainUsers);
  const pid = await startKafkaProcess(p, properties, tools.java, libs, scramFormatArgs(opts.scramUsers));
  const [saslSsl, ssl, mtls] = ports.map((port) => `127.0.0.1:${port}`) as [string, string, string];
  const stop = () => stopGroup(pid, 20_000).then(() => undefined);
  const ca = readFileSync(opts.pki.caCert, 'utf8');
  try {
    await waitForHealth({ name: 'secure kafka', healthy: () => kafkaHealthy(ports[1] as number, { ca }), pid, timeoutMs: opts.timeoutMs ?? 120_000, logs: [p.serverLog, p.stdoutLog] });
  } catch (e) {
    await stop();
    throw e;
  }
  log(`secure kafka up (pid ${pid}): SASL_SSL ${saslSsl}, SSL ${ssl}, mTLS ${mtls}; log: ${p.serverLog}`);
  return { saslSsl, ssl, mtls, serverLog: p.serverLog, stop };
}
