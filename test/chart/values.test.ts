/** helm/braid/values.yaml and values.schema.json describe the same keys, and every key has a comment. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, parseDocument, type Pair } from 'yaml';
import { expect, test } from 'vitest';

const chart = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'helm', 'braid');
const valuesText = readFileSync(join(chart, 'values.yaml'), 'utf8');

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  $ref?: string;
}
const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8')) as SchemaNode & { definitions: Record<string, SchemaNode> };
const resolve = (n: SchemaNode): SchemaNode => (n.$ref ? (schema.definitions[n.$ref.replace('#/definitions/', '')] as SchemaNode) : n);

/** Key paths of a YAML mapping, descending into mappings the schema closes (its own objects). */
function valuePaths(node: unknown, s: SchemaNode, prefix: string, out: string[]): string[] {
  if (!isMap(node)) return out;
  for (const pair of node.items as Pair[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '?';
    const path = prefix ? `${prefix}.${key}` : key;
    out.push(path);
    const child = s.properties?.[key];
    if (child !== undefined && resolve(child).additionalProperties === false) valuePaths(pair.value, resolve(child), path, out);
  }
  return out;
}

/** Property paths of the schema's closed objects. */
function schemaPaths(s: SchemaNode, prefix: string, out: string[]): string[] {
  for (const [key, raw] of Object.entries(s.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.push(path);
    const child = resolve(raw);
    if (child.additionalProperties === false) schemaPaths(child, path, out);
  }
  return out;
}

test('values.yaml and values.schema.json name the same keys (global aside), and every object of ours is closed', () => {
  const doc = parseDocument(valuesText);
  const fromValues = valuePaths(doc.contents, schema, '', []).sort();
  const fromSchema = schemaPaths(schema, '', []).filter((p) => p !== 'global').sort();
  expect(fromValues).toEqual(fromSchema);
  expect(fromValues).toEqual(expect.arrayContaining(['mode', 'kafka.tls.existingSecret', 'collector.autoscaling.maxReplicas', 'service.ports.admin']));
});

test('every key of our own objects has a comment line right above it or on its line', () => {
  const doc = parseDocument(valuesText);
  const lines = valuesText.split('\n');
  const lineOf = (offset: number) => valuesText.slice(0, offset).split('\n').length - 1;
  const uncommented: string[] = [];
  // Keys inside Kubernetes objects (resources, securityContext) are documented by their parent's comment.
  const walk = (node: unknown, s: SchemaNode, prefix: string) => {
    if (!isMap(node)) return;
    for (const pair of node.items as Pair[]) {
      if (!isScalar(pair.key) || pair.key.range == null) continue;
      const path = prefix ? `${prefix}.${String(pair.key.value)}` : String(pair.key.value);
      const line = lineOf(pair.key.range[0]);
      if (!(lines[line] ?? '').includes('#') && !(lines[line - 1] ?? '').trim().startsWith('#')) uncommented.push(`${line + 1}: ${path}`);
      const child = s.properties?.[String(pair.key.value)];
      if (child !== undefined && resolve(child).additionalProperties === false) walk(pair.value, resolve(child), path);
    }
  };
  walk(doc.contents, schema, '');
  expect(uncommented).toEqual([]);
});
