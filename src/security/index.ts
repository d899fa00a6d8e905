/**
 * The security of a process's listeners: who may call (the tokens file, trusted proxies) and
 * the server TLS, built once from the config and shared by every server (docs/adr/0018).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../telemetry/logger.js';
import { createTokenAuthenticator, OPEN_AUTHENTICATOR, parseTrustedProxies, type AuthFailureReason, type Authenticator } from './authenticator.js';
import { openServerTls, type ServerTls, type ServerTlsConfig } from './tls.js';
import { openTokensFile, type TokensFile } from './tokens-file.js';
import type { FileWatchSettings } from './watch.js';

export { UNAUTHENTICATED_MESSAGE, type AuthFailureReason, type AuthResult, type Authenticator, type Credentials } from './authenticator.js';
export type { ServerTls, ServerTlsConfig, ServerTlsOptions } from './tls.js';

/** The `auth` and `tls` blocks of the config. */
export interface SecurityConfig {
  auth: { tokens_file?: string | undefined; trusted_proxies: string[] };
  tls?: ServerTlsConfig | undefined;
}

/** What every listener of a process checks and serves with. */
export interface ListenerSecurity {
  auth: Authenticator;
  /** Server TLS; absent: the listeners speak plain HTTP and cleartext HTTP/2. */
  tls?: ServerTls;
  /** Counts one refused request of `listener`. */
  refused(listener: string, reason: AuthFailureReason): void;
  /** Stops watching the tokens and certificate files. */
  close(): void;
}

/** No tokens, no TLS: Braid as it ran before issue 14 (and what servers get when nothing is passed). */
export const OPEN_SECURITY: ListenerSecurity = { auth: OPEN_AUTHENTICATOR, refused: () => {}, close: () => {} };

/** The counter `name` of `registry`, created on first use (every listener of a process shares it). */
function counterOf<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

/** Builds the security of a process from the config; a bad tokens file, proxy list or TLS file throws naming its setting. */
export function createSecurity(config: SecurityConfig, deps: { log: Logger; registry?: Registry; watch?: FileWatchSettings }): ListenerSecurity {
  const log = deps.log.child({ component: 'security' });
  const proxies = parseTrustedProxies(config.auth.trusted_proxies);
  const r = deps.registry;
  const counter = r && counterOf(r, 'braid_auth_failures_total', 'Requests refused for their credentials: missing, invalid, or X-Scope-OrgID from an untrusted peer.', ['listener', 'reason']);
  const reloads = r && counterOf(r, 'braid_auth_tokens_reloads_total', 'Re-reads of the tokens file after a change, by result (error: the previous tokens stay).', ['result']);
  let tokens: TokensFile | undefined;
  let auth: Authenticator = OPEN_AUTHENTICATOR;
  if (config.auth.tokens_file !== undefined) {
    tokens = openTokensFile(config.auth.tokens_file, log, (ok) => reloads?.inc({ result: ok ? 'ok' : 'error' }), deps.watch);
    const file = tokens;
    auth = createTokenAuthenticator(() => file.current(), proxies);
  } else {
    log.warn('no tokens file (auth.tokens_file or BRAID_AUTH_TOKENS_FILE): every listener is open, without authentication; every request is tenant "default"');
  }
  let tls: ServerTls | undefined;
  try {
    // Alert on it before clients do: expiry is the failure a reloadable certificate still has.
    const expiry = r && ((r.getSingleMetric('braid_tls_certificate_expiry_timestamp_seconds') as Gauge | undefined) ?? new Gauge({ name: 'braid_tls_certificate_expiry_timestamp_seconds', help: "When the listeners' current TLS certificate expires (notAfter), in seconds since the epoch.", registers: [r] }));
    tls = config.tls ? openServerTls(config.tls, log, deps.watch, (notAfterMs) => expiry?.set(notAfterMs / 1000)) : undefined;
  } catch (err) {
    tokens?.close();
    throw err;
  }
  return {
    auth,
    ...(tls ? { tls } : {}),
    refused: (listener, reason) => counter?.inc({ listener, reason }),
    close() {
      tokens?.close();
      tls?.close();
    },
  };
}
