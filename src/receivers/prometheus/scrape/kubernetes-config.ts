/**
 * The kubernetes_sd_config entry (Prometheus's SDConfig for the roles Braid supports): its types
 * and the strict validation that lists every problem of an entry in one start-up error.
 */
import { isAbsolute, join } from 'node:path';
import { BraidError } from '../../../errors.js';
import { fieldSelectorProblem, labelSelectorProblem } from './kubernetes-selectors.js';

/** The roles Braid discovers; Prometheus's node, endpointslice and ingress are not supported yet. */
export type KubernetesRole = 'pod' | 'service' | 'endpoints';

/** A label and/or field selector applied when listing one kind of object. */
export interface KubernetesSelectorConfig {
  role: KubernetesRole;
  label: string;
  field: string;
}

/** How requests to the API server authenticate. Files are read on every connection (rotation). */
export type KubernetesAuth =
  | { kind: 'none' }
  | { kind: 'authorization'; type: string; credentials?: string; credentialsFile?: string }
  | { kind: 'basic'; username?: string; usernameFile?: string; password?: string; passwordFile?: string };

/** TLS settings towards the API server (Prometheus's tls_config, file forms). */
export interface KubernetesTlsConfig {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
  insecureSkipVerify: boolean;
}

/** One validated kubernetes_sd_config entry. */
export interface KubernetesSdConfig {
  /** Where the entry sits in the configuration, for messages. */
  path: string;
  role: KubernetesRole;
  /** Base URL of the API server; undefined means in-cluster (service account). */
  apiServer?: string;
  namespaces: { names: string[]; ownNamespace: boolean };
  selectors: KubernetesSelectorConfig[];
  auth: KubernetesAuth;
  tls: KubernetesTlsConfig;
}

const ROLES: readonly KubernetesRole[] = ['pod', 'service', 'endpoints'];
const PROMETHEUS_ONLY_ROLES = ['node', 'endpointslice', 'ingress'];
/** Which selector roles each role accepts (Prometheus's allowedSelectors). */
const ALLOWED_SELECTORS: Record<KubernetesRole, KubernetesRole[]> = {
  pod: ['pod'],
  service: ['service'],
  endpoints: ['pod', 'service', 'endpoints'],
};
const TOP_KEYS = ['role', 'api_server', 'namespaces', 'selectors', 'authorization', 'bearer_token', 'bearer_token_file', 'tls_config', 'basic_auth'];
const TOP_UNSUPPORTED = [
  'kubeconfig_file', 'attach_metadata', 'oauth2', 'proxy_url', 'no_proxy', 'proxy_from_environment',
  'proxy_connect_header', 'follow_redirects', 'enable_http2', 'http_headers',
];

type Mapping = Record<string, unknown>;

/** Collects every problem of an entry, so one start-up error lists them all. */
class Problems {
  readonly messages: string[] = [];
  add(at: string, message: string): void {
    this.messages.push(`${at}: ${message}`);
  }
  /** The mapping at `at`, its keys checked against `allowed` (and `unsupported`, named as such). */
  mapping(raw: unknown, at: string, allowed: readonly string[], unsupported: readonly string[] = []): Mapping | undefined {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      this.add(at, 'expected a mapping');
      return undefined;
    }
    for (const key of Object.keys(raw)) {
      if (unsupported.includes(key)) this.add(`${at}.${key}`, 'not supported yet');
      else if (!allowed.includes(key)) this.add(`${at}.${key}`, 'unknown key');
    }
    return raw as Mapping;
  }
  /** The value of `key` when `is` accepts it; YAML null counts as absent. */
  private typed<T>(m: Mapping, key: string, at: string, is: (v: unknown) => v is T, expected: string): T | undefined {
    const v = m[key];
    if (v === undefined || v === null) return undefined;
    if (is(v)) return v;
    this.add(`${at}.${key}`, expected);
    return undefined;
  }
  string(m: Mapping, key: string, at: string): string | undefined {
    return this.typed(m, key, at, (v): v is string => typeof v === 'string', 'expected a string');
  }
  bool(m: Mapping, key: string, at: string): boolean | undefined {
    return this.typed(m, key, at, (v): v is boolean => typeof v === 'boolean', 'expected true or false');
  }
  list(m: Mapping, key: string, at: string): unknown[] {
    const v = m[key];
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    this.add(`${at}.${key}`, 'expected a list');
    return [];
  }
}

/**
 * Validates one kubernetes_sd_config entry found at `path` (e.g. `scrape_configs[0].kubernetes_sd_configs[1]`).
 * Relative file names are resolved against `baseDir` when given. Throws BRAID_ERR_CONFIG_INVALID
 * listing every problem, each as `<path>.<key>: <why>`.
 */
export function parseKubernetesSdConfig(raw: unknown, path: string, baseDir?: string): KubernetesSdConfig {
  const p = new Problems();
  const m = p.mapping(raw, path, TOP_KEYS, TOP_UNSUPPORTED);
  if (m === undefined) throw new BraidError('BRAID_ERR_CONFIG_INVALID', p.messages.join('\n'));
  const file = (name: string | undefined) => (name === undefined || baseDir === undefined || isAbsolute(name) ? name : join(baseDir, name));
  const role = parseRole(p, m, path);
  const apiServer = parseApiServer(p, m, path);
  const namespaces = parseNamespaces(p, m, path);
  const selectors = parseSelectors(p, m, path, role);
  const auth = parseAuth(p, m, path, file);
  const tls = parseTls(p, m, path, file);
  const custom = auth.kind !== 'none' || m.tls_config !== undefined;
  if (apiServer === undefined && custom) {
    p.add(`${path}.api_server`, "to use custom HTTP client configuration please provide the 'api_server' URL explicitly");
  }
  if (apiServer !== undefined && namespaces.ownNamespace) {
    p.add(`${path}.namespaces.own_namespace`, "cannot use 'api_server' and 'namespaces.own_namespace' simultaneously");
  }
  if (p.messages.length > 0) throw new BraidError('BRAID_ERR_CONFIG_INVALID', p.messages.join('\n'));
  return { path, role: role!, apiServer, namespaces, selectors, auth, tls };
}

function parseRole(p: Problems, m: Mapping, at: string): KubernetesRole | undefined {
  const role = p.string(m, 'role', at);
  if (role === undefined) {
    if (m.role === undefined || m.role === null) p.add(`${at}.role`, 'missing (one of: pod, service, endpoints)');
    return undefined;
  }
  if ((ROLES as readonly string[]).includes(role)) return role as KubernetesRole;
  if (PROMETHEUS_ONLY_ROLES.includes(role)) p.add(`${at}.role`, `role "${role}" is not supported yet (supported: pod, service, endpoints)`);
  else p.add(`${at}.role`, `unknown Kubernetes SD role "${role}" (one of: pod, service, endpoints)`);
  return undefined;
}

function parseApiServer(p: Problems, m: Mapping, at: string): string | undefined {
  const text = p.string(m, 'api_server', at);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    p.add(`${at}.api_server`, `invalid URL "${text}"`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') p.add(`${at}.api_server`, `scheme must be http or https, got "${url.protocol.slice(0, -1)}"`);
  if (url.search !== '' || url.hash !== '') p.add(`${at}.api_server`, 'must not have a query or fragment');
  return text.replace(/\/+$/, '');
}

function parseNamespaces(p: Problems, m: Mapping, at: string): KubernetesSdConfig['namespaces'] {
  if (m.namespaces === undefined || m.namespaces === null) return { names: [], ownNamespace: false };
  const nat = `${at}.namespaces`;
  const n = p.mapping(m.namespaces, nat, ['names', 'own_namespace']) ?? {};
  const names: string[] = [];
  p.list(n, 'names', nat).forEach((name, i) => {
    if (typeof name === 'string' && name !== '') names.push(name);
    else p.add(`${nat}.names[${i}]`, 'expected a namespace name');
  });
  return { names, ownNamespace: p.bool(n, 'own_namespace', nat) ?? false };
}

function parseSelectors(p: Problems, m: Mapping, at: string, role: KubernetesRole | undefined): KubernetesSelectorConfig[] {
  const out: KubernetesSelectorConfig[] = [];
  p.list(m, 'selectors', at).forEach((raw, i) => {
    const sat = `${at}.selectors[${i}]`;
    const s = p.mapping(raw, sat, ['role', 'label', 'field']);
    if (s === undefined) return;
    const sRole = p.string(s, 'role', sat);
    const label = p.string(s, 'label', sat) ?? '';
    const field = p.string(s, 'field', sat) ?? '';
    const labelProblem = labelSelectorProblem(label);
    if (labelProblem !== undefined) p.add(`${sat}.label`, `invalid label selector "${label}": ${labelProblem}`);
    const fieldProblem = fieldSelectorProblem(field);
    if (fieldProblem !== undefined) p.add(`${sat}.field`, `invalid field selector "${field}": ${fieldProblem}`);
    if (sRole === undefined) {
      p.add(`${sat}.role`, 'missing');
      return;
    }
    if (out.some((o) => o.role === sRole)) p.add(`${sat}.role`, `duplicated selector role: ${sRole}`);
    else if (role !== undefined && !(ALLOWED_SELECTORS[role] as string[]).includes(sRole)) {
      p.add(`${sat}.role`, `${role} role supports only ${ALLOWED_SELECTORS[role].join(', ')} selectors`);
    } else if ((ROLES as readonly string[]).includes(sRole)) out.push({ role: sRole as KubernetesRole, label, field });
  });
  return out;
}

function parseAuth(p: Problems, m: Mapping, at: string, file: (f: string | undefined) => string | undefined): KubernetesAuth {
  const token = p.string(m, 'bearer_token', at);
  const tokenFile = file(p.string(m, 'bearer_token_file', at));
  const bearer = token !== undefined || tokenFile !== undefined;
  if (token !== undefined && tokenFile !== undefined) p.add(`${at}.bearer_token_file`, 'at most one of bearer_token & bearer_token_file must be configured');
  if (m.basic_auth !== undefined && bearer) p.add(`${at}.basic_auth`, 'at most one of basic_auth, bearer_token & bearer_token_file must be configured');
  if (m.authorization !== undefined && bearer) p.add(`${at}.authorization`, 'authorization is not compatible with bearer_token & bearer_token_file');
  if (m.authorization !== undefined && m.basic_auth !== undefined) p.add(`${at}.authorization`, 'at most one of basic_auth & authorization must be configured');
  if (m.basic_auth !== undefined) {
    const bat = `${at}.basic_auth`;
    const b = p.mapping(m.basic_auth, bat, ['username', 'username_file', 'password', 'password_file']) ?? {};
    const auth = {
      kind: 'basic' as const,
      username: p.string(b, 'username', bat),
      usernameFile: file(p.string(b, 'username_file', bat)),
      password: p.string(b, 'password', bat),
      passwordFile: file(p.string(b, 'password_file', bat)),
    };
    if (auth.username !== undefined && auth.usernameFile !== undefined) p.add(`${bat}.username_file`, 'at most one of basic_auth username & username_file must be configured');
    if (auth.password !== undefined && auth.passwordFile !== undefined) p.add(`${bat}.password_file`, 'at most one of basic_auth password & password_file must be configured');
    return auth;
  }
  if (m.authorization !== undefined) {
    const aat = `${at}.authorization`;
    const a = p.mapping(m.authorization, aat, ['type', 'credentials', 'credentials_file']) ?? {};
    const type = p.string(a, 'type', aat) || 'Bearer';
    if (type.toLowerCase() === 'basic') p.add(`${aat}.type`, 'authorization type cannot be set to "basic", use "basic_auth" instead');
    const credentials = p.string(a, 'credentials', aat);
    const credentialsFile = file(p.string(a, 'credentials_file', aat));
    if (credentials !== undefined && credentialsFile !== undefined) p.add(`${aat}.credentials_file`, 'at most one of authorization credentials & credentials_file must be configured');
    return { kind: 'authorization', type, credentials, credentialsFile };
  }
  if (bearer) return { kind: 'authorization', type: 'Bearer', credentials: token, credentialsFile: tokenFile };
  return { kind: 'none' };
}

function parseTls(p: Problems, m: Mapping, at: string, file: (f: string | undefined) => string | undefined): KubernetesTlsConfig {
  if (m.tls_config === undefined || m.tls_config === null) return { insecureSkipVerify: false };
  const tat = `${at}.tls_config`;
  const t = p.mapping(m.tls_config, tat, ['ca_file', 'cert_file', 'key_file', 'server_name', 'insecure_skip_verify'], ['ca', 'cert', 'key', 'min_version', 'max_version']) ?? {};
  const tls: KubernetesTlsConfig = {
    caFile: file(p.string(t, 'ca_file', tat)),
    certFile: file(p.string(t, 'cert_file', tat)),
    keyFile: file(p.string(t, 'key_file', tat)),
    serverName: p.string(t, 'server_name', tat),
    insecureSkipVerify: p.bool(t, 'insecure_skip_verify', tat) ?? false,
  };
  if (tls.certFile !== undefined && tls.keyFile === undefined) p.add(`${tat}.key_file`, 'must be configured when cert_file is');
  if (tls.keyFile !== undefined && tls.certFile === undefined) p.add(`${tat}.cert_file`, 'must be configured when key_file is');
  return tls;
}
