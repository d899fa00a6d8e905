/**
 * The HTTP client settings of a scrape job, Prometheus's HTTPClientConfig as far as Braid
 * supports it: basic_auth, authorization, bearer_token(_file) and tls_config. A strict schema
 * for the job schema to include, then Prometheus's checks (exclusive auth settings, one of
 * inline or file), resolved to request headers and TLS options with the named files read.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import type { ScrapeTls } from './client.js';

const basicAuth = z.strictObject({
  username: z.string().optional(),
  username_file: z.string().optional(),
  password: z.string().optional(),
  password_file: z.string().optional(),
});

const authorization = z.strictObject({
  type: z.string().optional(),
  credentials: z.string().optional(),
  credentials_file: z.string().optional(),
});

const tlsConfig = z.strictObject({
  ca: z.string().optional(),
  ca_file: z.string().optional(),
  cert: z.string().optional(),
  cert_file: z.string().optional(),
  key: z.string().optional(),
  key_file: z.string().optional(),
  server_name: z.string().optional(),
  insecure_skip_verify: z.boolean().optional(),
});

/** The HTTP client keys of a scrape job, for the job schema to include. */
export const httpClientFields = {
  basic_auth: basicAuth.optional(),
  authorization: authorization.optional(),
  bearer_token: z.string().optional(),
  bearer_token_file: z.string().optional(),
  tls_config: tlsConfig.optional(),
};

/** The HTTP client keys of a job as the schema outputs them. */
export interface HttpClientInput {
  basic_auth?: z.output<typeof basicAuth>;
  authorization?: z.output<typeof authorization>;
  bearer_token?: string;
  bearer_token_file?: string;
  tls_config?: z.output<typeof tlsConfig>;
}

/** Reads files named in the config, relative to its directory; a failure becomes a problem line. */
export class FileReader {
  constructor(
    private readonly baseDir: string,
    private readonly problems: string[],
  ) {}

  read(path: string, at: string, trim: boolean): string {
    const full = joinDir(this.baseDir, path);
    try {
      const text = readFileSync(full, 'utf8');
      // Prometheus trims credential files (a trailing newline is never part of a token).
      return trim ? text.trim() : text;
    } catch (err) {
      this.problems.push(`  ${at}: cannot read ${full}: ${(err as Error).message}`);
      return '';
    }
  }
}

/** Prometheus's config.JoinDir: relative paths are taken from the config file's directory. */
export function joinDir(dir: string, path: string): string {
  return path === '' || isAbsolute(path) ? path : join(dir, path);
}

/** The request headers the job's auth settings resolve to: `authorization`, or none. */
export function resolveAuth(job: HttpClientInput, at: string, files: FileReader, problems: string[]): Record<string, string> {
  const bearer = job.bearer_token !== undefined || job.bearer_token_file !== undefined;
  const only = (msg: string) => problems.push(`  ${at}: ${msg}`);
  if (job.bearer_token !== undefined && job.bearer_token_file !== undefined) only('at most one of bearer_token & bearer_token_file must be configured');
  if (job.basic_auth !== undefined && bearer) only('at most one of basic_auth, bearer_token & bearer_token_file must be configured');
  if (job.authorization !== undefined && bearer) only('authorization is not compatible with bearer_token & bearer_token_file');
  if (job.authorization !== undefined && job.basic_auth !== undefined) only('at most one of basic_auth & authorization must be configured');

  if (job.basic_auth !== undefined) {
    const b = job.basic_auth;
    const ba = `${at}.basic_auth`;
    if (b.username !== undefined && b.username_file !== undefined) problems.push(`  ${ba}: at most one of username & username_file must be configured`);
    if (b.password !== undefined && b.password_file !== undefined) problems.push(`  ${ba}: at most one of password & password_file must be configured`);
    const user = b.username_file !== undefined ? files.read(b.username_file, `${ba}.username_file`, true) : (b.username ?? '');
    const pass = b.password_file !== undefined ? files.read(b.password_file, `${ba}.password_file`, true) : (b.password ?? '');
    return { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
  }
  if (job.authorization !== undefined) {
    const a = job.authorization;
    const aa = `${at}.authorization`;
    const type = a.type?.trim() || 'Bearer';
    if (type.toLowerCase() === 'basic') problems.push(`  ${aa}.type: authorization type cannot be set to "basic", use "basic_auth" instead`);
    if (a.credentials !== undefined && a.credentials_file !== undefined) problems.push(`  ${aa}: at most one of credentials & credentials_file must be configured`);
    const credentials = a.credentials_file !== undefined ? files.read(a.credentials_file, `${aa}.credentials_file`, true) : (a.credentials ?? '');
    return { authorization: `${type} ${credentials.trim()}` };
  }
  if (job.bearer_token_file !== undefined) return { authorization: `Bearer ${files.read(job.bearer_token_file, `${at}.bearer_token_file`, true)}` };
  if (job.bearer_token !== undefined) return { authorization: `Bearer ${job.bearer_token.trim()}` };
  return {};
}

/** The job's tls_config with its PEM files read. */
export function resolveTls(t: z.output<typeof tlsConfig>, at: string, files: FileReader, problems: string[]): ScrapeTls {
  const pem = (inline: string | undefined, file: string | undefined, name: string): string | undefined => {
    if (inline !== undefined && file !== undefined) problems.push(`  ${at}: at most one of ${name} and ${name}_file must be configured`);
    return file !== undefined ? files.read(file, `${at}.${name}_file`, false) : inline;
  };
  const ca = pem(t.ca, t.ca_file, 'ca');
  const cert = pem(t.cert, t.cert_file, 'cert');
  const key = pem(t.key, t.key_file, 'key');
  if ((cert === undefined) !== (key === undefined)) {
    problems.push(`  ${at}: a client certificate needs both cert (or cert_file) and key (or key_file)`);
  }
  const out: ScrapeTls = { insecureSkipVerify: t.insecure_skip_verify ?? false };
  if (ca !== undefined) out.ca = ca;
  if (cert !== undefined) out.cert = cert;
  if (key !== undefined) out.key = key;
  if (t.server_name !== undefined) out.serverName = t.server_name;
  return out;
}
