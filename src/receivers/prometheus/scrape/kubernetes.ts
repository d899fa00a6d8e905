/**
 * Kubernetes service discovery (Prometheus's kubernetes_sd_config) for the roles pod, service and
 * endpoints. The mapping from API objects to target groups follows Prometheus's
 * discovery/kubernetes package label for label; the client LISTs then WATCHes the core/v1 REST API
 * (JSON) per namespace, as client-go's reflector does, and re-lists when the watch expires.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIPv4, isIPv6 } from 'node:net';
import { isAbsolute, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { backoffDelay, sleep, type BackoffSettings } from '../../../backoff.js';
import { BraidError } from '../../../errors.js';
import type { Logger } from '../../../telemetry/logger.js';
import type { Discoverer, Labels, TargetGroup } from './types.js';

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

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

// Label selectors as k8s.io/apimachinery/pkg/labels.Parse reads them, field selectors as
// fields.ParseSelector does: checked at start-up, so a typo fails there and not at every LIST.

const NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const OPERATOR_RE = /^(==|!=|=|!|,|\(|\)|<|>)$/;

function labelKeyProblem(key: string | undefined): string | undefined {
  if (key === undefined || OPERATOR_RE.test(key)) return `expected a label key, found ${key === undefined ? 'the end' : `"${key}"`}`;
  const parts = key.split('/');
  const name = parts[parts.length - 1]!;
  if (parts.length > 2) return `label key "${key}" has more than one "/"`;
  if (parts.length === 2 && (parts[0]!.length > 253 || !DNS_SUBDOMAIN_RE.test(parts[0]!))) return `label key prefix "${parts[0]}" is not a DNS subdomain`;
  if (name.length > 63 || !NAME_RE.test(name)) return `label key name "${name}" is not a valid label name`;
  return undefined;
}

function labelValueProblem(value: string): string | undefined {
  return value === '' || (value.length <= 63 && NAME_RE.test(value)) ? undefined : `"${value}" is not a valid label value`;
}

/** Why `text` is not a label selector, or undefined when it is one. */
function labelSelectorProblem(text: string): string | undefined {
  const tokens: string[] = [];
  const scan = /\s*(==|!=|=|!|,|\(|\)|<|>|[^\s,()=!<>]+)\s*/y;
  while (scan.lastIndex < text.length) {
    const at = scan.lastIndex;
    const match = scan.exec(text);
    if (match === null) return `cannot read "${text.slice(at)}"`;
    tokens.push(match[1]!);
  }
  let i = 0;
  const isValue = (t: string | undefined) => t === undefined || t === ',' || t === ')' || !OPERATOR_RE.test(t);
  while (i < tokens.length) {
    const negated = tokens[i] === '!';
    if (negated) i++;
    const keyProblem = labelKeyProblem(tokens[i++]);
    if (keyProblem !== undefined) return keyProblem;
    const op = tokens[i];
    if (!negated && (op === '=' || op === '==' || op === '!=')) {
      const v = tokens[++i];
      if (!isValue(v)) return `expected a value after "${op}", found "${v}"`;
      if (v !== undefined && v !== ',') i++;
      const problem = labelValueProblem(v === undefined || v === ',' ? '' : v);
      if (problem !== undefined) return problem;
    } else if (!negated && (op === 'in' || op === 'notin')) {
      if (tokens[++i] !== '(') return `expected "(" after ${op}`;
      const values: string[] = [];
      for (i++; tokens[i] !== ')'; i++) {
        const t = tokens[i];
        if (t === undefined) return 'expected ")"';
        if (t !== ',') values.push(t);
        const problem = t === ',' ? undefined : labelValueProblem(t);
        if (problem !== undefined) return problem;
      }
      i++;
      if (values.length === 0) return `for '${op}' the set of values cannot be empty`;
    } else if (!negated && (op === '<' || op === '>')) {
      const v = tokens[++i];
      if (v === undefined || !/^-?\d+$/.test(v)) return `expected an integer after "${op}"`;
      i++;
    }
    if (i < tokens.length && tokens[i++] !== ',') return `expected "," found "${tokens[i - 1]}"`;
  }
  return undefined;
}

/** Why `text` is not a field selector, or undefined when it is one. */
function fieldSelectorProblem(text: string): string | undefined {
  for (const term of splitUnescaped(text, ',')) {
    if (term === '') continue;
    const op = findFieldOperator(term);
    if (op === undefined) return `can't understand '${term}'`;
    if (hasBadEscape(term.slice(op))) return 'invalid escape sequence';
  }
  return undefined;
}

/** Whether a field selector value has a backslash followed by anything but a backslash, ",", "=" or "!". */
function hasBadEscape(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '\\') continue;
    const next = value[++i];
    if (next === undefined || !'\\,=!'.includes(next)) return true;
  }
  return false;
}

function splitUnescaped(text: string, sep: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === sep) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** The index after the first operator (!=, ==, =) of a field selector term, skipping escapes. */
function findFieldOperator(term: string): number | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') i++;
    else if (term.startsWith('!=', i) || term.startsWith('==', i)) return i + 2;
    else if (term[i] === '=') return i + 1;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Mapping API objects to target groups (Prometheus's pod.go, service.go, endpoints.go)
// ---------------------------------------------------------------------------------------------

const META = '__meta_kubernetes_';
const NAMESPACE_LABEL = `${META}namespace`;
const PRESENT = 'true';

// API objects arrive as untrusted JSON: every read goes through these, which give Go's zero
// values for what is missing or mistyped, as client-go's decoding into structs would.
const obj = (v: unknown): Mapping => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Mapping) : {});
const arr = (v: unknown): Mapping[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown): string => String(typeof v === 'number' && Number.isInteger(v) ? v : 0);
const strings = (v: unknown): [string, string][] => Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === 'string');

/** Prometheus's strutil.SanitizeLabelName: every character outside [a-zA-Z0-9_] becomes "_". */
function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/gu, '_');
}

/** Go's net.JoinHostPort. */
function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** 4 or 6 as Go's net.ParseIP(ip).To4() would classify `ip`, undefined when Go cannot parse it. */
function ipFamily(ip: string): 4 | 6 | undefined {
  if (isIPv4(ip)) return 4;
  if (!isIPv6(ip) || ip.includes('%')) return undefined;
  return /^\[::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}\]$/.test(canonicalIPv6(ip)) ? 4 : 6;
}

/** RFC 5952 form in brackets, as Go's IP.String() prints it (WHATWG URL serialises IPv6 the same way). */
function canonicalIPv6(ip: string): string {
  return new URL(`http://[${ip}]/`).hostname;
}

/** The key of an object in the stores: `<namespace>/<name>`. */
export function kubernetesObjectKey(object: unknown): string {
  const meta = obj(obj(object).metadata);
  return `${str(meta.namespace)}/${str(meta.name)}`;
}

/** Prometheus's addObjectMetaLabels: `<role>_name`, labels and annotations with their `present` twins. */
function addObjectMetaLabels(ls: Labels, meta: Mapping, role: string): void {
  ls[`${META}${role}_name`] = str(meta.name);
  for (const [k, v] of strings(meta.labels)) {
    const ln = sanitizeLabelName(k);
    ls[`${META}${role}_label_${ln}`] = v;
    ls[`${META}${role}_labelpresent_${ln}`] = PRESENT;
  }
  for (const [k, v] of strings(meta.annotations)) {
    const ln = sanitizeLabelName(k);
    ls[`${META}${role}_annotation_${ln}`] = v;
    ls[`${META}${role}_annotationpresent_${ln}`] = PRESENT;
  }
}

function podReady(status: Mapping): string {
  const ready = arr(status.conditions).find((c) => c.type === 'Ready');
  return ready === undefined ? 'unknown' : str(ready.status).toLowerCase();
}

/** The pod's own labels, shared by the pod role's group and the endpoints role's pod targets. */
function podLabels(pod: Mapping): Labels {
  const meta = obj(pod.metadata);
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const ls: Labels = {
    [`${META}pod_ip`]: str(status.podIP),
    [`${META}pod_ready`]: podReady(status),
    [`${META}pod_phase`]: str(status.phase),
    [`${META}pod_node_name`]: str(spec.nodeName),
    [`${META}pod_host_ip`]: str(status.hostIP),
    [`${META}pod_uid`]: str(meta.uid),
  };
  // The first IPv4 and the first IPv6 of status.podIPs (dual stack).
  for (const { ip } of arr(status.podIPs)) {
    const address = str(ip);
    const family = address === '' ? undefined : ipFamily(address);
    if (family !== undefined) ls[`${META}pod_ipv${family}`] ??= address;
  }
  addObjectMetaLabels(ls, meta, 'pod');
  const controller = arr(meta.ownerReferences).find((ref) => ref.controller === true);
  if (controller !== undefined && str(controller.kind) !== '') ls[`${META}pod_controller_kind`] = str(controller.kind);
  if (controller !== undefined && str(controller.name) !== '') ls[`${META}pod_controller_name`] = str(controller.name);
  return ls;
}

/** Containers then init containers, as Prometheus walks them. */
function containersOf(spec: Mapping): { container: Mapping; init: boolean }[] {
  return [...arr(spec.containers).map((container) => ({ container, init: false })), ...arr(spec.initContainers).map((container) => ({ container, init: true }))];
}

/** The address of a container without ports: the pod IP, an IPv6 one in brackets (RFC 3986). */
function portlessAddress(podIP: string): string {
  return ipFamily(podIP) === 6 ? canonicalIPv6(podIP) : podIP;
}

/** The pod role's group for one Pod: a target per container port, or per container without ports. */
export function podTargetGroup(pod: unknown): TargetGroup {
  const p = obj(pod);
  const meta = obj(p.metadata);
  const status = obj(p.status);
  const group: TargetGroup = { source: `pod/${kubernetesObjectKey(p)}`, targets: [], labels: {} };
  const podIP = str(status.podIP);
  // PodIP can be empty when a pod is starting or has been evicted.
  if (podIP === '') return group;
  group.labels = { ...podLabels(p), [NAMESPACE_LABEL]: str(meta.namespace) };
  for (const { container, init } of containersOf(obj(p.spec))) {
    const statuses = arr(init ? status.initContainerStatuses : status.containerStatuses);
    const containerStatus = statuses.find((s) => str(s.name) === str(container.name));
    const common: Labels = {
      [`${META}pod_container_name`]: str(container.name),
      [`${META}pod_container_id`]: str(containerStatus?.containerID),
      [`${META}pod_container_image`]: str(container.image),
      [`${META}pod_container_init`]: String(init),
    };
    const ports = arr(container.ports);
    if (ports.length === 0) group.targets.push({ __address__: portlessAddress(podIP), ...common });
    for (const port of ports) {
      const number = int(port.containerPort);
      group.targets.push({
        __address__: joinHostPort(podIP, number),
        ...common,
        [`${META}pod_container_port_number`]: number,
        [`${META}pod_container_port_name`]: str(port.name),
        [`${META}pod_container_port_protocol`]: str(port.protocol),
      });
    }
  }
  return group;
}

function serviceLabels(svc: Mapping): Labels {
  const meta = obj(svc.metadata);
  const ls: Labels = { [NAMESPACE_LABEL]: str(meta.namespace) };
  addObjectMetaLabels(ls, meta, 'service');
  return ls;
}

/** The service role's group for one Service: a target per service port, at its cluster DNS name. */
export function serviceTargetGroup(svc: unknown): TargetGroup {
  const s = obj(svc);
  const meta = obj(s.metadata);
  const spec = obj(s.spec);
  const type = str(spec.type);
  const targets = arr(spec.ports).map((port) => {
    const number = int(port.port);
    const target: Labels = {
      __address__: joinHostPort(`${str(meta.name)}.${str(meta.namespace)}.svc`, number),
      [`${META}service_port_name`]: str(port.name),
      [`${META}service_port_number`]: number,
      [`${META}service_port_protocol`]: str(port.protocol),
      [`${META}service_type`]: type,
    };
    if (type === 'ExternalName') target[`${META}service_external_name`] = str(spec.externalName);
    else target[`${META}service_cluster_ip`] = str(spec.clusterIP);
    if (type === 'LoadBalancer') target[`${META}service_loadbalancer_ip`] = str(spec.loadBalancerIP);
    return target;
  });
  return { source: `svc/${kubernetesObjectKey(s)}`, targets, labels: serviceLabels(s) };
}

/**
 * The endpoints role's group for one Endpoints object: a target per address and port, with the
 * labels of the Service of the same name and of the Pod each address refers to, plus a target
 * for every port of those pods' containers that no endpoint port covers. `servicesByKey` and
 * `podsByKey` hold the known objects by `<namespace>/<name>` (see kubernetesObjectKey).
 */
export function endpointsTargetGroup(endpoints: unknown, servicesByKey: ReadonlyMap<string, unknown>, podsByKey: ReadonlyMap<string, unknown>): TargetGroup {
  const e = obj(endpoints);
  const meta = obj(e.metadata);
  const key = kubernetesObjectKey(e);
  const labels: Labels = { [NAMESPACE_LABEL]: str(meta.namespace) };
  const svc = servicesByKey.get(key);
  if (svc !== undefined) Object.assign(labels, serviceLabels(obj(svc)));
  addObjectMetaLabels(labels, meta, 'endpoints');
  const group: TargetGroup = { source: `endpoints/${key}`, targets: [], labels };
  const seenPods = new Map<string, { pod: Mapping; ports: string[] }>();
  const add = (address: Mapping, port: Mapping, ready: string) => {
    const number = int(port.port);
    let target: Labels = {
      __address__: joinHostPort(str(address.ip), number),
      [`${META}endpoint_port_name`]: str(port.name),
      [`${META}endpoint_port_protocol`]: str(port.protocol),
      [`${META}endpoint_ready`]: ready,
    };
    const ref = address.targetRef === undefined || address.targetRef === null ? undefined : obj(address.targetRef);
    if (ref !== undefined) {
      target[`${META}endpoint_address_target_kind`] = str(ref.kind);
      target[`${META}endpoint_address_target_name`] = str(ref.name);
    }
    if (typeof address.nodeName === 'string') target[`${META}endpoint_node_name`] = address.nodeName;
    if (str(address.hostname) !== '') target[`${META}endpoint_hostname`] = str(address.hostname);
    const podKey = ref !== undefined && ref.kind === 'Pod' ? `${str(ref.namespace)}/${str(ref.name)}` : undefined;
    const pod = podKey === undefined ? undefined : podsByKey.get(podKey);
    if (podKey === undefined || pod === undefined) {
      group.targets.push(target);
      return;
    }
    const p = obj(pod);
    const seen = seenPods.get(podKey) ?? { pod: p, ports: [] };
    seenPods.set(podKey, seen);
    target = { ...target, ...podLabels(p) };
    // The container port the endpoint port is: the last container declaring it wins, as in Prometheus.
    for (const { container, init } of containersOf(obj(p.spec))) {
      const cport = arr(container.ports).find((c) => int(c.containerPort) === number);
      if (cport === undefined) continue;
      target[`${META}pod_container_name`] = str(container.name);
      target[`${META}pod_container_image`] = str(container.image);
      target[`${META}pod_container_port_name`] = str(cport.name);
      target[`${META}pod_container_port_number`] = number;
      target[`${META}pod_container_port_protocol`] = str(port.protocol);
      target[`${META}pod_container_init`] = String(init);
    }
    seen.ports.push(number);
    group.targets.push(target);
  };
  for (const subset of arr(e.subsets)) {
    for (const port of arr(subset.ports)) {
      for (const address of arr(subset.addresses)) add(address, port, 'true');
      // The same target again, with ready "false", as Prometheus does.
      for (const address of arr(subset.notReadyAddresses)) add(address, port, 'false');
    }
  }
  for (const { pod, ports } of seenPods.values()) group.targets.push(...uncoveredPortTargets(pod, ports));
  return group;
}

/** Targets for the container ports of `pod` that no endpoint port covered. */
function uncoveredPortTargets(pod: Mapping, covered: string[]): Labels[] {
  const podIP = str(obj(pod.status).podIP);
  // PodIP can be empty when a pod is starting or has been evicted.
  if (podIP === '') return [];
  const targets: Labels[] = [];
  for (const { container, init } of containersOf(obj(pod.spec))) {
    for (const cport of arr(container.ports)) {
      const number = int(cport.containerPort);
      if (covered.includes(number)) continue;
      targets.push({
        __address__: joinHostPort(podIP, number),
        [`${META}pod_container_name`]: str(container.name),
        [`${META}pod_container_image`]: str(container.image),
        [`${META}pod_container_port_name`]: str(cport.name),
        [`${META}pod_container_port_number`]: number,
        [`${META}pod_container_port_protocol`]: str(cport.protocol),
        [`${META}pod_container_init`]: String(init),
        ...podLabels(pod),
      });
    }
  }
  return targets;
}

/** The pods an Endpoints object's addresses refer to, by key. */
function referencedPods(endpoints: unknown): string[] {
  const keys: string[] = [];
  for (const subset of arr(obj(endpoints).subsets)) {
    for (const address of [...arr(subset.addresses), ...arr(subset.notReadyAddresses)]) {
      const ref = obj(address.targetRef);
      if (ref.kind === 'Pod') keys.push(`${str(ref.namespace)}/${str(ref.name)}`);
    }
  }
  return keys;
}

// ---------------------------------------------------------------------------------------------
// Connection to the API server
// ---------------------------------------------------------------------------------------------

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const USER_AGENT = 'Braid/0.1 (kubernetes_sd)';
const MAX_LIST_PAGE_BYTES = 64 * 1024 * 1024;
const MAX_WATCH_LINE_BYTES = 16 * 1024 * 1024;

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
class ApiError extends Error {
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
async function apiGet(conn: KubernetesConnection, path: string, query: URLSearchParams, signal: AbortSignal, idleMs: number): Promise<IncomingMessage> {
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

function readBody(res: IncomingMessage, maxBytes: number): Promise<string> {
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
async function apiError(res: IncomingMessage, what: string): Promise<ApiError> {
  const body = await readBody(res, 64 * 1024).catch(() => '');
  let message = body.slice(0, 300);
  try {
    message = str(obj(JSON.parse(body)).message) || message;
  } catch {
    // Not a Status object: keep the text.
  }
  return new ApiError(res.statusCode ?? 0, `${what}: ${res.statusCode} ${res.statusMessage ?? ''}${message === '' ? '' : `: ${message}`}`);
}

// ---------------------------------------------------------------------------------------------
// List and watch (client-go's reflector and informer, reduced to what discovery needs)
// ---------------------------------------------------------------------------------------------

type Resource = 'pods' | 'services' | 'endpoints';
type Change = 'add' | 'update' | 'delete';

const SELECTOR_ROLE: Record<Resource, KubernetesRole> = { pods: 'pod', services: 'service', endpoints: 'endpoints' };

/** Tuning of the discovery loop; the defaults suit production. */
export interface KubernetesDiscoverySettings {
  /** Retry delays after API errors (client-go: 800 ms up to 30 s). */
  backoff?: BackoffSettings;
  /** Watch timeout asked of the server; default a random 5 to 10 minutes, as client-go. */
  watchTimeoutSeconds?: number;
  /** Environment and service-account folder for in-cluster configuration. */
  env?: NodeJS.ProcessEnv;
  serviceAccountDir?: string;
  /** Stops the discovery like stop(). */
  signal?: AbortSignal;
}

interface ReflectorContext {
  conn: KubernetesConnection;
  signal: AbortSignal;
  log: Logger;
  backoff: BackoffSettings;
  watchTimeoutSeconds: () => number;
}

/** Keeps a local copy of one kind of object in one namespace: LIST, then WATCH from its version. */
class Reflector {
  readonly store = new Map<string, unknown>();
  synced = false;
  private resourceVersion: string | undefined;
  private failing = false;

  constructor(
    private readonly ctx: ReflectorContext,
    readonly resource: Resource,
    private readonly namespace: string,
    private readonly selector: KubernetesSelectorConfig | undefined,
    private readonly onChange: (resource: Resource, change: Change, key: string, object: unknown) => void,
    private readonly onSynced: () => void,
  ) {}

  private get path(): string {
    return this.namespace === '' ? `/api/v1/${this.resource}` : `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/${this.resource}`;
  }

  private query(): URLSearchParams {
    const q = new URLSearchParams();
    if (this.selector?.label) q.set('labelSelector', this.selector.label);
    if (this.selector?.field) q.set('fieldSelector', this.selector.field);
    return q;
  }

  /** Lists and watches until the discovery stops; API and network errors are logged and retried. */
  async run(): Promise<void> {
    const { signal, backoff } = this.ctx;
    let attempt = 0;
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.list();
        const started = Date.now();
        const events = await this.watch();
        this.recovered();
        // A watch that ends at once without news is retried with backoff, not in a hot loop.
        if (events > 0 || Date.now() - started >= 1000) attempt = 0;
        else await sleep(backoffDelay(attempt++, backoff), signal);
      } catch (err) {
        if (signal.aborted) break;
        this.failed(err as Error);
        await sleep(backoffDelay(attempt++, backoff), signal);
      }
    }
  }

  private failed(err: Error): void {
    const fields = { resource: this.resource, namespace: this.namespace || '(all)', err: err.message };
    if (this.failing) this.ctx.log.debug(fields, 'kubernetes API request failed again');
    else this.ctx.log.warn(fields, 'kubernetes API request failed; retrying with backoff');
    this.failing = true;
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.ctx.log.info({ resource: this.resource, namespace: this.namespace || '(all)' }, 'kubernetes API reachable again');
  }

  /** Lists every page, then replaces the store: absent objects are deleted, others added or updated. */
  private async list(): Promise<void> {
    const items: unknown[] = [];
    let resourceVersion = '';
    let next: string | undefined;
    do {
      const q = this.query();
      q.set('limit', '500');
      if (next !== undefined) q.set('continue', next);
      const res = await apiGet(this.ctx.conn, this.path, q, this.ctx.signal, 60_000);
      if (res.statusCode !== 200) throw await apiError(res, `list ${this.path}`);
      const page = obj(JSON.parse(await readBody(res, MAX_LIST_PAGE_BYTES)));
      items.push(...(Array.isArray(page.items) ? page.items : []));
      resourceVersion = str(obj(page.metadata).resourceVersion);
      next = str(obj(page.metadata).continue) || undefined;
    } while (next !== undefined);
    const listed = new Set<string>();
    for (const item of items) {
      const key = kubernetesObjectKey(item);
      listed.add(key);
      const change: Change = this.store.has(key) ? 'update' : 'add';
      this.store.set(key, item);
      this.onChange(this.resource, change, key, item);
    }
    for (const [key, item] of this.store) {
      if (listed.has(key)) continue;
      this.store.delete(key);
      this.onChange(this.resource, 'delete', key, item);
    }
    this.resourceVersion = resourceVersion;
    this.recovered();
    if (!this.synced) {
      this.synced = true;
      this.onSynced();
    }
  }

  /** Watches from the current version until the server ends the watch; returns the events applied. */
  private async watch(): Promise<number> {
    const timeoutSeconds = this.ctx.watchTimeoutSeconds();
    const q = this.query();
    q.set('watch', '1');
    q.set('resourceVersion', this.resourceVersion ?? '');
    q.set('allowWatchBookmarks', 'true');
    q.set('timeoutSeconds', String(timeoutSeconds));
    const res = await apiGet(this.ctx.conn, this.path, q, this.ctx.signal, (timeoutSeconds + 60) * 1000);
    if (res.statusCode === 410) {
      res.resume();
      this.expired();
      return 0;
    }
    if (res.statusCode !== 200) throw await apiError(res, `watch ${this.path}`);
    // Reachable again now, not when this watch ends minutes later (until then a new failure would log at debug only).
    this.recovered();
    return new Promise<number>((resolve, reject) => {
      const decoder = new StringDecoder('utf8');
      let buffered = '';
      let events = 0;
      const fail = (err: Error) => {
        res.destroy();
        reject(err);
      };
      res.on('data', (chunk: Buffer) => {
        buffered += decoder.write(chunk);
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line === '') continue;
          try {
            events++;
            if (this.apply(line) === 'expired') {
              res.destroy();
              resolve(events);
              return;
            }
          } catch (err) {
            fail(err as Error);
            return;
          }
        }
        if (buffered.length > MAX_WATCH_LINE_BYTES) fail(new Error(`watch event longer than ${MAX_WATCH_LINE_BYTES} bytes`));
      });
      res.on('end', () => resolve(events));
      res.on('error', reject);
      res.on('close', () => resolve(events));
    });
  }

  /** The resource version is too old: the next round lists again (410 Gone). */
  private expired(): void {
    this.resourceVersion = undefined;
    this.ctx.log.info({ resource: this.resource, namespace: this.namespace || '(all)' }, 'kubernetes watch expired; listing again');
  }

  /** Applies one watch event line. */
  private apply(line: string): 'expired' | undefined {
    const event = obj(JSON.parse(line));
    const type = str(event.type);
    const object = event.object;
    if (type === 'ERROR') {
      const status = obj(object);
      if (status.code === 410) {
        this.expired();
        return 'expired';
      }
      throw new ApiError(typeof status.code === 'number' ? status.code : 0, `watch ${this.path}: ${str(status.message) || line.slice(0, 300)}`);
    }
    const resourceVersion = str(obj(obj(object).metadata).resourceVersion);
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED' && type !== 'BOOKMARK') throw new Error(`watch ${this.path}: unexpected event type "${type}"`);
    if (resourceVersion !== '') this.resourceVersion = resourceVersion;
    if (type === 'BOOKMARK') return undefined;
    const key = kubernetesObjectKey(object);
    if (type === 'DELETED') {
      this.store.delete(key);
      this.onChange(this.resource, 'delete', key, object);
      return undefined;
    }
    const change: Change = this.store.has(key) ? 'update' : 'add';
    this.store.set(key, object);
    this.onChange(this.resource, change, key, object);
    return undefined;
  }
}

/**
 * Discovery of one role in one namespace (Prometheus runs one per namespace too): its reflectors,
 * and the groups to send when their objects change. Nothing is sent before every reflector has
 * listed once, so the first update holds the whole initial state.
 */
class NamespaceDiscovery {
  readonly reflectors: Reflector[];
  private readonly byResource = new Map<Resource, Reflector>();
  private readonly dirty = new Set<string>();
  /** Endpoints keys by the pod keys they refer to, so a pod update rebuilds its endpoints. */
  private readonly endpointsByPod = new Map<string, Set<string>>();
  /** The reverse, so re-indexing one endpoints object costs its own references only. */
  private readonly podsByEndpoints = new Map<string, string[]>();
  private readonly warnedOverCapacity = new Set<string>();
  private flushScheduled = false;

  constructor(
    private readonly role: KubernetesRole,
    namespace: string,
    selectors: KubernetesSelectorConfig[],
    ctx: ReflectorContext,
    private readonly log: Logger,
    private readonly emit: (groups: TargetGroup[]) => void,
  ) {
    const resources: Resource[] = role === 'pod' ? ['pods'] : role === 'service' ? ['services'] : ['endpoints', 'services', 'pods'];
    this.reflectors = resources.map((resource) => {
      const selector = selectors.find((s) => s.role === SELECTOR_ROLE[resource]);
      const reflector = new Reflector(ctx, resource, namespace, selector, (...a) => this.changed(...a), () => this.schedule());
      this.byResource.set(resource, reflector);
      return reflector;
    });
  }

  private store(resource: Resource): Map<string, unknown> {
    return this.byResource.get(resource)?.store ?? new Map();
  }

  private changed(resource: Resource, change: Change, key: string, object: unknown): void {
    if (this.role !== 'endpoints' || resource === 'endpoints') {
      if (this.role === 'endpoints') this.index(key, change === 'delete' ? [] : referencedPods(object));
      this.dirty.add(key);
    } else if (resource === 'services') {
      // A service's labels are on the endpoints of the same name.
      if (this.store('endpoints').has(key)) this.dirty.add(key);
    } else if (change === 'update') {
      for (const endpointsKey of this.endpointsByPod.get(key) ?? []) this.dirty.add(endpointsKey);
    }
    this.schedule();
  }

  private index(endpointsKey: string, podKeys: string[]): void {
    for (const podKey of this.podsByEndpoints.get(endpointsKey) ?? []) {
      const set = this.endpointsByPod.get(podKey);
      if (set?.delete(endpointsKey) && set.size === 0) this.endpointsByPod.delete(podKey);
    }
    if (podKeys.length === 0) this.podsByEndpoints.delete(endpointsKey);
    else this.podsByEndpoints.set(endpointsKey, podKeys);
    for (const podKey of podKeys) {
      const set = this.endpointsByPod.get(podKey) ?? new Set();
      set.add(endpointsKey);
      this.endpointsByPod.set(podKey, set);
    }
  }

  /** Sends the changed groups after the current batch of events, once every reflector has synced. */
  private schedule(): void {
    if (this.flushScheduled || this.dirty.size === 0 || !this.reflectors.every((r) => r.synced)) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      const keys = [...this.dirty];
      this.dirty.clear();
      this.emit(keys.flatMap((key) => this.buildSafely(key)));
    });
  }

  /** A malformed object costs its own group, never the process (this runs outside any caller). */
  private buildSafely(key: string): TargetGroup[] {
    try {
      return [this.build(key)];
    } catch (err) {
      this.log.error({ key, err: (err as Error).message }, 'kubernetes_sd could not build a target group');
      return [];
    }
  }

  /** The group of `key` now; an empty one when its object is gone. */
  private build(key: string): TargetGroup {
    if (this.role === 'pod') {
      const pod = this.store('pods').get(key);
      return pod === undefined ? { source: `pod/${key}`, targets: [], labels: {} } : podTargetGroup(pod);
    }
    if (this.role === 'service') {
      const svc = this.store('services').get(key);
      return svc === undefined ? { source: `svc/${key}`, targets: [], labels: {} } : serviceTargetGroup(svc);
    }
    const endpoints = this.store('endpoints').get(key);
    if (endpoints === undefined) return { source: `endpoints/${key}`, targets: [], labels: {} };
    this.warnOverCapacity(key, endpoints);
    return endpointsTargetGroup(endpoints, this.store('services'), this.store('pods'));
  }

  private warnOverCapacity(key: string, endpoints: unknown): void {
    const v = Object.fromEntries(strings(obj(obj(endpoints).metadata).labels))['endpoints.kubernetes.io/over-capacity'];
    if ((v !== 'truncated' && v !== 'warning') || this.warnedOverCapacity.has(key)) return;
    this.warnedOverCapacity.add(key);
    const more = v === 'truncated' ? ' and has been truncated' : '';
    this.log.warn({ endpoints: key }, `number of endpoints in one Endpoints object exceeds 1000${more}, please use "role: endpointslice" instead`);
  }
}

/**
 * Starts discovering targets for `config`: lists the objects of its role in each namespace (or
 * all), calls `onUpdate` with every group once all lists are in, then with the groups that change
 * as the watches report; a deleted object's group comes back empty. API errors are logged and
 * retried with backoff; they never stop the process. Throws BRAID_ERR_CONFIG_INVALID at once when
 * the in-cluster configuration cannot be loaded.
 */
export function startKubernetesDiscovery(config: KubernetesSdConfig, onUpdate: (groups: TargetGroup[]) => void, log: Logger, settings: KubernetesDiscoverySettings = {}): Discoverer {
  const conn = resolveKubernetesConnection(config, settings.env, settings.serviceAccountDir);
  const controller = new AbortController();
  const stopOnSignal = () => controller.abort();
  settings.signal?.addEventListener('abort', stopOnSignal, { once: true });
  if (settings.signal?.aborted) controller.abort();
  const klog = log.child({ component: 'kubernetes_sd', role: config.role });
  const ctx: ReflectorContext = {
    conn,
    signal: controller.signal,
    log: klog,
    backoff: settings.backoff ?? { initialMs: 800, maxMs: 30_000 },
    watchTimeoutSeconds: () => settings.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random())),
  };
  const emit = (groups: TargetGroup[]) => {
    if (controller.signal.aborted || groups.length === 0) return;
    try {
      onUpdate(groups);
    } catch (err) {
      klog.error({ err: (err as Error).message }, 'kubernetes_sd update handler failed');
    }
  };
  const units = conn.namespaces.map((ns) => new NamespaceDiscovery(config.role, ns, config.selectors, ctx, klog, emit));
  const runs = units.flatMap((u) => u.reflectors.map((r) => r.run()));
  klog.info({ api_server: conn.apiServer, namespaces: conn.namespaces.map((n) => n || '(all)') }, 'kubernetes_sd started');
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        controller.abort();
        settings.signal?.removeEventListener('abort', stopOnSignal);
        await Promise.allSettled(runs);
        klog.info('kubernetes_sd stopped');
      })();
      return stopped;
    },
  };
}
