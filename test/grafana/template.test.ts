/**
 * Variable interpolation of the Grafana emulation against Grafana's documented formats and the
 * expectations of its tests (grafana-prometheus datasource.test.ts: prometheusRegularEscape,
 * prometheusSpecialRegexEscape, interpolateQueryExpr; the formats of "Advanced variable format
 * options"), and provisioning's environment expansion.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { expandEnv, loadDatasources, parseDatasources } from '../helpers/grafana-datasources.js';
import { ALL_VALUE, formatValue, interpolate, prometheusFormatter, prometheusRegularEscape, prometheusSpecialRegexEscape, type VariableState } from '../helpers/grafana-template.js';

const fixture = (name: string) => new URL(`../fixtures/grafana/${name}`, import.meta.url).pathname;
const variable = (over: Partial<VariableState>): VariableState => ({ name: 'service', multi: true, includeAll: true, options: ['checkout', 'pay.ment'], current: [ALL_VALUE], ...over });

describe('Prometheus escaping', () => {
  it('escapes single values (prometheusRegularEscape)', () => {
    expect(prometheusRegularEscape("looking'glass")).toBe("looking\\\\'glass");
    expect(prometheusRegularEscape('looking\\glass')).toBe('looking\\\\glass');
  });

  it('escapes regex characters for multi-value variables (prometheusSpecialRegexEscape)', () => {
    expect(prometheusSpecialRegexEscape('looking*glass')).toBe('looking\\\\*glass');
    expect(prometheusSpecialRegexEscape('looking$glass')).toBe('looking\\\\$glass');
    expect(prometheusSpecialRegexEscape('looking|glass')).toBe('looking\\\\|glass');
    expect(prometheusSpecialRegexEscape('looking\\glass')).toBe('looking\\\\\\\\glass');
    expect(prometheusSpecialRegexEscape('looking.*glass')).toBe('looking\\\\.\\\\*glass');
  });

  it('formats as interpolateQueryExpr: raw single value, (a|b) for several, one value unwrapped', () => {
    expect(prometheusFormatter('abc$def', variable({ multi: false, includeAll: false }))).toBe('abc$def');
    expect(prometheusFormatter(['value1', 'value2'], variable({}))).toBe('(value1|value2)');
    expect(prometheusFormatter(['value.1'], variable({}))).toBe('value\\\\.1');
  });
});

describe('interpolate', () => {
  const scoped = { __from: '1700000000000', __to: '1700000900000', __range: '900s' };

  it('expands All to every option, regex-escaped, for Prometheus', () => {
    expect(interpolate('x{service_name=~"$service"}', [variable({})], scoped, prometheusFormatter)).toBe('x{service_name=~"(checkout|pay\\\\.ment)"}');
  });

  it('uses a custom all value as is, whatever the format but text', () => {
    const op = variable({ name: 'operation', allValue: '.*' });
    expect(interpolate('x{op=~"${operation}"}', [op], scoped, prometheusFormatter)).toBe('x{op=~".*"}');
    expect(interpolate('${operation:regex} ${operation:text}', [op], scoped)).toBe('.* All');
  });

  it('keeps the selected values when not All, in the three syntaxes', () => {
    const v = variable({ current: ['checkout'] });
    expect(interpolate('$service ${service} [[service]]', [v], scoped)).toBe('checkout checkout checkout');
    expect(interpolate('${service:regex}', [variable({ current: ['a.b', 'c'] })], scoped)).toBe('(a\\.b|c)');
  });

  it('formats for Elasticsearch (lucene) and by default (glob)', () => {
    expect(interpolate('service.name:$service', [variable({ options: ['foo bar', 'baz'] })], scoped, 'lucene')).toBe('service.name:("foo\\ bar" OR "baz")');
    expect(interpolate('$service', [variable({})], scoped)).toBe('{checkout,pay.ment}');
    expect(formatValue('a:b', 'lucene')).toBe('a\\:b');
  });

  it('replaces the time built-ins and leaves unknown names alone', () => {
    expect(interpolate('$__from ${__to:date:seconds} ${__from:date} $__range $nothing', [], scoped)).toBe('1700000000000 1700000900 2023-11-14T22:13:20.000Z 900s $nothing');
  });

  it('refuses an unknown format by name', () => {
    expect(() => interpolate('${service:sqlstring}', [variable({})], scoped)).toThrow('unsupported variable format "sqlstring"');
  });
});

describe('data source provisioning', () => {
  const env = { BRAID_QUERY_URL: 'http://braid:16686', BRAID_ELASTICSEARCH_URL: 'http://es:9200' };

  it('expands $VAR and ${VAR}, and $$ to a literal $', async () => {
    const ds = await loadDatasources(fixture('datasources.yaml'), env);
    expect(ds.map((d) => [d.uid, d.type, d.url])).toEqual([
      ['braid-prometheus', 'prometheus', 'http://braid:16686/prometheus'],
      ['braid-jaeger', 'jaeger', 'http://braid:16686'],
      ['braid-logs', 'elasticsearch', 'http://es:9200'],
    ]);
    expect((ds[2]!.jsonData.dataLinks as Array<{ url: string }>)[0]!.url).toBe('${__value.raw}');
  });

  it('names a variable missing from the environment, and the value that uses it; comments are not expanded', () => {
    expect(() => expandEnv('${BRAID_QUERY_URL}', {}, 'braid.yaml')).toThrow('braid.yaml: environment variable BRAID_QUERY_URL is not set (the file uses ${BRAID_QUERY_URL})');
    const text = '# set ${VAR} in the environment\napiVersion: 1\ndatasources:\n  - {name: p, type: prometheus, uid: p, url: $MISSING}\n';
    expect(() => parseDatasources(text, env, 'braid.yaml')).toThrow('braid.yaml.datasources[0].url: environment variable MISSING is not set (the file uses $MISSING)');
    expect(parseDatasources(text.replace('$MISSING', '$BRAID_QUERY_URL'), env, 'braid.yaml')[0]!.url).toBe('http://braid:16686');
  });

  it('names the file and field of a data source without uid', async () => {
    const text = await readFile(fixture('invalid_datasources_no_uid.yaml'), 'utf8');
    expect(() => parseDatasources(text, env, 'invalid_datasources_no_uid.yaml')).toThrow('invalid_datasources_no_uid.yaml: datasources[0].uid must be a non-empty string, got undefined');
  });
});
