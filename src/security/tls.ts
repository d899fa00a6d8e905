/**
 * Server TLS for every listener (the top-level `tls` block): the certificate, key and optional
 * client CA read and checked at start (a bad file stops start-up naming its setting), re-read
 * when they change and handed to every server by `setSecureContext`, so new connections get the
 * new certificate without a restart. Client certificates follow Prometheus's web config:
 * NoClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { BraidError } from '../errors.js';
import type { Logger } from '../telemetry/logger.js';
import { watchFiles, type FileWatch, type FileWatchSettings } from './watch.js';

/** The `tls` block of the config. */
export interface ServerTlsConfig {
  cert_file: string;
  key_file: string;
  client_ca_file?: string | undefined;
  client_auth_type?: 'NoClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert' | undefined;
  min_version: 'TLS12' | 'TLS13';
}

/** Options for tls/https/http2 secure servers. */
export type ServerTlsOptions = SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean; minVersion: 'TLSv1.2' | 'TLSv1.3' };

/** What a TLS server must offer to be kept current. */
export interface ReloadableTlsServer {
  setSecureContext(options: SecureContextOptions): void;
  on(event: 'secureConnection', listener: (socket: TLSSocket) => void): unknown;
}

/** The server TLS of one process, shared by all its listeners. */
export interface ServerTls {
  /** The options of the current certificate, for a server being created. */
  options(): ServerTlsOptions;
  /** Keeps `server` on the current certificate and enforces the client-certificate policy. */
  attach(server: ReloadableTlsServer): void;
  /** The current certificate's serial number (hex). */
  serial(): string;
  /** When the current certificate expires (ms since the epoch). */
  notAfterMs(): number;
  close(): void;
}

interface Loaded {
  options: ServerTlsOptions;
  serial: string;
  notAfterMs: number;
}

const read = (setting: string, path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new BraidError('BRAID_ERR_CONFIG_READ', `${setting}: cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
};

const invalid = (setting: string, path: string, why: string, cause?: unknown) =>
  new BraidError('BRAID_ERR_CONFIG_INVALID', `${setting}: ${path} ${why}`, cause === undefined ? {} : { cause });

/** Reads and checks the files of `config`; errors name the setting (tls.cert_file, tls.key_file, tls.client_ca_file). */
export function loadServerTls(config: ServerTlsConfig): Loaded {
  const certPem = read('tls.cert_file', config.cert_file);
  const keyPem = read('tls.key_file', config.key_file);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (cause) {
    throw invalid('tls.cert_file', config.cert_file, `is not a PEM certificate: ${(cause as Error).message}`, cause);
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (cause) {
    throw invalid('tls.key_file', config.key_file, `is not a PEM private key (encrypted keys are not supported): ${(cause as Error).message}`, cause);
  }
  if (!cert.checkPrivateKey(key)) throw invalid('tls.key_file', config.key_file, `does not belong to the certificate in tls.cert_file ${config.cert_file}`);
  let ca: string | undefined;
  if (config.client_ca_file !== undefined) {
    ca = read('tls.client_ca_file', config.client_ca_file);
    try {
      new X509Certificate(ca);
    } catch (cause) {
      throw invalid('tls.client_ca_file', config.client_ca_file, `is not a PEM certificate: ${(cause as Error).message}`, cause);
    }
  }
  const authType = config.client_auth_type ?? (ca !== undefined ? 'RequireAndVerifyClientCert' : 'NoClientCert');
  if (authType !== 'NoClientCert' && ca === undefined) throw new BraidError('BRAID_ERR_CONFIG_INVALID', `tls.client_auth_type: ${authType} needs tls.client_ca_file, the CA that signs client certificates`);
  const options: ServerTlsOptions = {
    cert: certPem,
    key: keyPem,
    ...(ca !== undefined ? { ca } : {}),
    requestCert: authType !== 'NoClientCert',
    rejectUnauthorized: authType === 'RequireAndVerifyClientCert',
    minVersion: config.min_version === 'TLS13' ? 'TLSv1.3' : 'TLSv1.2',
  };
  try {
    createSecureContext(options);
  } catch (cause) {
    throw invalid('tls.cert_file', config.cert_file, `and its key are not usable: ${(cause as Error).message}`, cause);
  }
  return { options, serial: cert.serialNumber, notAfterMs: Date.parse(cert.validTo) };
}

/** Loads the server TLS of `config` (throws on bad files) and watches its files for changes. */
export function openServerTls(config: ServerTlsConfig, log: Logger, watchSettings: FileWatchSettings = {}, onLoad: (notAfterMs: number) => void = () => {}): ServerTls {
  let current = loadServerTls(config);
  const servers: ReloadableTlsServer[] = [];
  onLoad(current.notAfterMs);
  log.info({ serial: current.serial, clientAuth: current.options.requestCert ? (current.options.rejectUnauthorized ? 'required' : 'if given') : 'none' }, 'tls certificate loaded');
  let lastError = '';
  const reload = () => {
    let next: Loaded;
    try {
      next = loadServerTls(config);
    } catch (err) {
      const why = (err as Error).message;
      // A certificate written before its key fails once; the key's own change reloads again.
      if (why !== lastError) log.warn({ err: why }, 'tls files not reloaded; the previous certificate stays');
      lastError = why;
      return;
    }
    lastError = '';
    if (next.options.cert === current.options.cert && next.options.key === current.options.key && next.options.ca === current.options.ca) return;
    current = next;
    onLoad(current.notAfterMs);
    for (const s of servers) s.setSecureContext(current.options);
    log.info({ serial: current.serial, servers: servers.length }, 'tls certificate reloaded');
  };
  const paths = [config.cert_file, config.key_file, ...(config.client_ca_file !== undefined ? [config.client_ca_file] : [])];
  const watch: FileWatch = watchFiles(paths, reload, watchSettings);
  return {
    options: () => current.options,
    serial: () => current.serial,
    notAfterMs: () => current.notAfterMs,
    attach(server) {
      servers.push(server);
      server.on('secureConnection', (socket) => {
        // VerifyClientCertIfGiven: a certificate given must verify; none at all is fine.
        if (current.options.requestCert && !current.options.rejectUnauthorized && !socket.authorized && Object.keys(socket.getPeerCertificate()).length > 0) socket.destroy();
      });
    },
    close: () => watch.close(),
  };
}
