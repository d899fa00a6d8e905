/**
 * The connection to the Kubernetes API server: where it is (api_server, or in-cluster through the
 * service account) and the GET requests the reflectors make, with auth and TLS files read afresh
 * on every request so that rotated credentials are picked up.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { BraidError } from '../../../errors.js';
import type { KubernetesAuth, KubernetesSdConfig, KubernetesTlsConfig } from './kubernetes-config.js';
import { joinHostPort, obj, str } from './kubernetes-targets.js';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const USER_AGENT = 'Braid/0.1 (kubernetes_sd)';

/** Where and how to reach the API server, and which namespaces to watch ('' = all). */
export interface KubernetesConnection {
  apiServer: string;
  auth: KubernetesAuth;
  tls: KubernetesTlsConfig;
  namespaces: string[];
}

/**
 * Resolves the API server of `config`: its api_server, or in-cluster (KUBERNETES_SERVICE_HOST/PORT,
 * the service account's token and CA) when absent. Throws BRAID_ERR_CONFIG_INVALID when the
 * in-cluster environment is missing, as client-go's rest.InClusterConfig fails.
 */
export function resolveKubernetesConnection(config: KubernetesSdConfig, env: NodeJS.ProcessEnv = process.env, serviceAccountDir = SERVICE_ACCOUNT_DIR): KubernetesConnection {
  const names = [...new Set(config.namespaces.names)];
  if (config.apiServer !== undefined) return { apiServer: config.apiServer, auth: config.auth, tls: config.tls, namespaces: names.length > 0 ? names : [''] };
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new BraidError('BRAID_ERR_CONFIG_INVALID', `${config.path}: unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined (or set api_server)`);
  }
  const tokenFile = join(serviceAccountDir, 'token');
  readServiceAccountFile(config, tokenFile);
  if (config.namespaces.ownNamespace) {
    const own = readServiceAccountFile(config, join(serviceAccountDir, 'namespace')).trim();
    if (own === '') throw new BraidError('BRAID_ERR_CONFIG_INVALID', `${config.path}.namespaces.own_namespace: could not read own namespace name (empty file)`);
    if (!names.includes(own)) names.push(own);
  }
  return {
    apiServer: `https://${joinHostPort(host, port)}`,
    auth: { kind: 'authorization', type: 'Bearer', credentialsFile: tokenFile },
    tls: { caFile: join(serviceAccountDir, 'ca.crt'), insecureSkipVerify: false },
    namespaces: names.length > 0 ? names : [''],
  };
}

function readServiceAccountFile(config: KubernetesSdConfig, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new BraidError('BRAID_ERR_CONFIG_INVALID', `${config.path}: unable to load in-cluster configuration: cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
}

/** An answer of the API server other than success. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

async function readSecretFile(file: string): Promise<string> {
  return (await readFile(file, 'utf8')).trim();
}

async function authorizationHeader(auth: KubernetesAuth): Promise<string | undefined> {
  if (auth.kind === 'authorization') {
    const credentials = auth.credentialsFile !== undefined ? await readSecretFile(auth.credentialsFile) : (auth.credentials ?? '').trim();
    return credentials === '' ? undefined : `${auth.type} ${credentials}`;
  }
  if (auth.kind === 'basic') {
    const user = auth.usernameFile !== undefined ? await readSecretFile(auth.usernameFile) : (auth.username ?? '');
    const pass = auth.passwordFile !== undefined ? await readSecretFile(auth.passwordFile) : (auth.password ?? '');
    return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  return undefined;
}

/** GETs `path` on the API server; resolves with the response once its headers arrive. */
export async function apiGet(conn: KubernetesConnection, path: string, query: URLSearchParams, signal: AbortSignal, idleMs: number): Promise<IncomingMessage> {
  const url = new URL(conn.apiServer);
  url.pathname = url.pathname.replace(/\/+$/, '') + path;
  url.search = query.toString();
  const authorization = await authorizationHeader(conn.auth);
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': USER_AGENT, ...(authorization === undefined ? {} : { authorization }) };
  const secure = url.protocol === 'https:';
  const t = conn.tls;
  const tls = secure
    ? {
        ca: t.caFile === undefined ? undefined : await readFile(t.caFile),
        cert: t.certFile === undefined ? undefined : await readFile(t.certFile),
        key: t.keyFile === undefined ? undefined : await readFile(t.keyFile),
        servername: t.serverName,
        rejectUnauthorized: !t.insecureSkipVerify,
      }
    : {};
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(url, { method: 'GET', headers, signal, ...tls }, resolve);
    // A watch that stays silent past the server's own timeout is a dead connection.
    req.setTimeout(idleMs, () => req.destroy(new Error(`no answer from the API server for ${idleMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The body of `res` as text; fails once it exceeds `maxBytes`. */
export function readBody(res: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) res.destroy(new Error(`answer larger than ${maxBytes} bytes`));
      else chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** The error for a non-2xx answer, with the message of the Status object the server sent. */
export async function apiError(res: IncomingMessage, what: string): Promise<ApiError> {
  const body = await readBody(res, 64 * 1024).catch(() => '');
  let message = body.slice(0, 300);
  try {
    message = str(obj(JSON.parse(body)).message) || message;
  } catch {
    // Not a Status object: keep the text.
  }
  return new ApiError(res.statusCode ?? 0, `${what}: ${res.statusCode} ${res.statusMessage ?? ''}${message === '' ? '' : `: ${message}`}`);
}
