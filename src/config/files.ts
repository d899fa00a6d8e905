/**
 * Files the configuration names for connections (TLS PEM files, password and API-key files), read
 * once at start-up. A missing or unreadable file stops start-up naming its setting, never its
 * contents; `braid config check` reads them the same way.
 */
import { readFileSync } from 'node:fs';
import { BraidError } from '../errors.js';
import type { BraidConfig } from './schema.js';

/** Reads the file a setting names; `secret` files lose their trailing newline (as Kubernetes Secrets mounted as files have one). */
export function readConfigFile(setting: string, path: string, secret = false): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new BraidError('BRAID_ERR_CONFIG_READ', `${setting}: cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  return secret ? text.replace(/\r?\n$/, '') : text;
}

/** TLS settings of a client connection, as the config holds them. */
export interface ClientTlsSettings {
  ca_file?: string | undefined;
  cert_file?: string | undefined;
  key_file?: string | undefined;
  server_name?: string | undefined;
  insecure_skip_verify: boolean;
}

/** Node `tls.connect` options from the TLS settings at `setting` (the files read now). */
export function clientTlsOptions(setting: string, tls: ClientTlsSettings): { ca?: string; cert?: string; key?: string; servername?: string; rejectUnauthorized: boolean } {
  return {
    ...(tls.ca_file ? { ca: readConfigFile(`${setting}.ca_file`, tls.ca_file) } : {}),
    ...(tls.cert_file ? { cert: readConfigFile(`${setting}.cert_file`, tls.cert_file) } : {}),
    ...(tls.key_file ? { key: readConfigFile(`${setting}.key_file`, tls.key_file) } : {}),
    ...(tls.server_name ? { servername: tls.server_name } : {}),
    rejectUnauthorized: !tls.insecure_skip_verify,
  };
}

/** Every connection file the config names, as [setting, path]: what `braid config check` reads. */
export function connectionFiles(config: BraidConfig): Array<[string, string]> {
  const k = config.queue.kafka;
  const es = config.storage.elasticsearch;
  const out: Array<[string, string | undefined]> = [];
  if (config.queueKind === 'kafka') {
    out.push(['queue.kafka.tls.ca_file', k.tls.ca_file], ['queue.kafka.tls.cert_file', k.tls.cert_file], ['queue.kafka.tls.key_file', k.tls.key_file], ['queue.kafka.sasl.password_file', k.sasl?.password_file]);
  }
  if (config.storeKind === 'elasticsearch') {
    out.push(['storage.elasticsearch.tls.ca_file', es.tls.ca_file], ['storage.elasticsearch.tls.cert_file', es.tls.cert_file], ['storage.elasticsearch.tls.key_file', es.tls.key_file]);
    out.push(['storage.elasticsearch.password_file', es.password_file], ['storage.elasticsearch.api_key_file', es.api_key_file]);
  }
  return out.filter((e): e is [string, string] => e[1] !== undefined);
}

/** Node's codes for a server certificate that does not verify against the CA Braid trusts. */
const SERVER_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);
/** OpenSSL alerts of a server that wanted a (valid) client certificate. */
const CLIENT_CERT_CODE = /^ERR_SSL_(TLSV13_ALERT_CERTIFICATE_REQUIRED|SSLV3_ALERT_BAD_CERTIFICATE|TLSV1_ALERT_UNKNOWN_CA|SSLV3_ALERT_CERTIFICATE_UNKNOWN|TLSV1_ALERT_ACCESS_DENIED)$/;

/**
 * Node's messages for those codes, for clients that keep only the message (the Elasticsearch
 * client's ConnectionError): the code each stands for.
 */
const CERT_MESSAGES: Array<[RegExp, string]> = [
  [/unable to verify the first certificate/i, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  [/self[- ]signed certificate in certificate chain/i, 'SELF_SIGNED_CERT_IN_CHAIN'],
  [/self[- ]signed certificate/i, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  [/unable to get (local )?issuer certificate/i, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  [/certificate has expired/i, 'CERT_HAS_EXPIRED'],
  [/certificate is not yet valid/i, 'CERT_NOT_YET_VALID'],
  [/does not match certificate's altnames/i, 'ERR_TLS_CERT_ALTNAME_INVALID'],
  [/alert certificate required/i, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'],
  [/alert bad certificate/i, 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'],
  [/alert unknown ca/i, 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'],
];

/** The `code`s of `err` and of the errors it wraps (`cause`, kafkajs's `originalError`), and the codes their messages stand for. */
function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let e = err as { code?: unknown; message?: unknown; cause?: unknown; originalError?: unknown } | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 6; depth++) {
    if (typeof e.code === 'string') codes.push(e.code);
    const message = typeof e.message === 'string' ? e.message : '';
    const known = CERT_MESSAGES.find(([re]) => re.test(message));
    if (known) codes.push(known[1]);
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return codes;
}

/**
 * When `err` (or an error it wraps) is a failed TLS handshake that retrying cannot fix, a one-line
 * reason naming the settings under `setting` to check; otherwise undefined.
 */
export function tlsTrustFailure(err: unknown, setting: string): string | undefined {
  const codes = errorCodes(err);
  const server = codes.find((c) => SERVER_CERT_CODES.has(c));
  if (server === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the server's TLS certificate does not name the host Braid dials (${server})`;
  if (server) return `the server's TLS certificate is not trusted (${server}); check ${setting}.ca_file`;
  const client = codes.find((c) => CLIENT_CERT_CODE.test(c));
  if (client) return `the server refused the TLS handshake for want of a trusted client certificate (${client}); check ${setting}.cert_file and ${setting}.key_file`;
  return undefined;
}
