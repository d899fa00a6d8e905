/**
 * Data sources as Grafana 11.6 provisions them (pkg/services/provisioning/datasources, "Provision
 * Grafana" docs): a YAML file with `apiVersion: 1` and `datasources:`, in whose values (after YAML
 * parsing, as pkg/services/provisioning/values does; comments are left alone) `$VAR` and `${VAR}`
 * are replaced by environment variables and `$$` stands for a literal `$`.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/** One provisioned data source, the fields Grafana's data source plugins read. */
export interface ProvisionedDatasource {
  name: string;
  type: string;
  uid: string;
  url: string;
  access: string;
  isDefault: boolean;
  jsonData: Record<string, unknown>;
}

/** Grafana's expansion of environment variables in provisioning files; a variable missing from `env` is an error here. */
export function expandEnv(text: string, env: Record<string, string>, where: string): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, braced?: string, bare?: string) => {
    if (m === '$$') return '$';
    const name = (braced ?? bare)!;
    const value = env[name];
    if (value === undefined) throw new Error(`${where}: environment variable ${name} is not set (the file uses ${m})`);
    return value;
  });
}

/** Expands `env` in every string value of a parsed YAML document. */
function expandValues(node: unknown, env: Record<string, string>, where: string): unknown {
  if (typeof node === 'string') return expandEnv(node, env, where);
  if (Array.isArray(node)) return node.map((v, i) => expandValues(v, env, `${where}[${i}]`));
  if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, expandValues(v, env, `${where}.${k}`)]));
  return node;
}

/** Parses a provisioning file's text and expands `env` in its values; names the file and field on bad input. */
export function parseDatasources(text: string, env: Record<string, string>, file: string): ProvisionedDatasource[] {
  const doc = expandValues(parse(text), env, file) as { apiVersion?: unknown; datasources?: unknown } | null;
  if (!doc || doc.apiVersion !== 1) throw new Error(`${file}: apiVersion must be 1, got ${JSON.stringify(doc?.apiVersion)}`);
  if (!Array.isArray(doc.datasources)) throw new Error(`${file}: datasources must be a list`);
  return doc.datasources.map((raw: Record<string, unknown>, i: number) => {
    const field = (name: string): string => {
      const v = raw[name];
      if (typeof v !== 'string' || v === '') throw new Error(`${file}: datasources[${i}].${name} must be a non-empty string, got ${JSON.stringify(v)}`);
      return v;
    };
    return {
      name: field('name'),
      type: field('type'),
      uid: field('uid'),
      url: field('url'),
      access: typeof raw.access === 'string' ? raw.access : 'proxy',
      isDefault: raw.isDefault === true,
      jsonData: (raw.jsonData ?? {}) as Record<string, unknown>,
    };
  });
}

/** Reads and parses a provisioning file. */
export async function loadDatasources(file: string, env: Record<string, string>): Promise<ProvisionedDatasource[]> {
  return parseDatasources(await readFile(file, 'utf8'), env, file);
}

/** The data source a panel or target refers to: by `{uid}`, by name (old dashboards), or the default. */
export function findDatasource(all: ProvisionedDatasource[], ref: unknown, where: string): ProvisionedDatasource {
  if (ref === undefined || ref === null) {
    const d = all.find((x) => x.isDefault);
    if (!d) throw new Error(`${where}: no data source named and none is the default`);
    return d;
  }
  const found = typeof ref === 'string' ? all.find((x) => x.name === ref || x.uid === ref) : all.find((x) => x.uid === (ref as { uid?: string }).uid);
  if (!found) throw new Error(`${where}: data source ${JSON.stringify(ref)} is not provisioned (have ${all.map((x) => x.uid).join(', ')})`);
  return found;
}

/** jsonData string field, or '' when absent. */
export function jsonString(ds: ProvisionedDatasource, key: string): string {
  const v = ds.jsonData[key];
  return typeof v === 'string' ? v : '';
}
