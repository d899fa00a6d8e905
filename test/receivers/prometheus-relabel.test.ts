import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BraidError } from '../../src/errors.js';
import { relabel, type LabelNameScheme, type RelabelConfig } from '../../src/receivers/prometheus/scrape/relabel.js';
import { compileRelabelConfigs } from '../../src/receivers/prometheus/scrape/relabel-config.js';
import type { Labels } from '../../src/receivers/prometheus/scrape/types.js';

/** Compiles rules under the path `relabel_configs` and applies them. */
function run(labels: Labels, configs: RelabelConfig[] | unknown, names: LabelNameScheme = 'legacy'): Labels | undefined {
  return relabel(labels, compileRelabelConfigs(configs, 'relabel_configs', names));
}

/** The message of the BRAID_ERR_CONFIG_INVALID that compiling the rules throws. */
function configError(configs: unknown, names: LabelNameScheme = 'legacy', path = 'relabel_configs'): string {
  try {
    compileRelabelConfigs(configs, path, names);
  } catch (err) {
    expect(err).toBeInstanceOf(BraidError);
    expect((err as BraidError).code).toBe('BRAID_ERR_CONFIG_INVALID');
    return (err as BraidError).message;
  }
  throw new Error('expected the rules to be rejected');
}

/** What a one-rule `replace` writes into `out` from the value of `a` (undefined: nothing). */
function replaced(regex: string, replacement: string, value: string): string | undefined {
  return run({ a: value }, [{ source_labels: ['a'], regex, target_label: 'out', replacement }])?.out;
}

/** Whether a `keep` on the value of `a` keeps it. */
function matches(regex: string, value: string): boolean {
  return run({ a: value }, [{ source_labels: ['a'], regex, action: 'keep' }]) !== undefined;
}

// Prometheus's model/relabel/relabel_test.go TestRelabel, case by case (it validates each rule
// with the UTF-8 name scheme, as here).
const PROMETHEUS_CASES: Array<{ name: string; input: Labels; rules: RelabelConfig[]; output?: Labels }> = [
  {
    name: 'replace with ${1} twice',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [{ source_labels: ['a'], regex: 'f(.*)', target_label: 'd', separator: ';', replacement: 'ch${1}-ch${1}', action: 'replace' }],
    output: { a: 'foo', b: 'bar', c: 'baz', d: 'choo-choo' },
  },
  {
    name: 'two sources, then a rule reading the first result',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [
      { source_labels: ['a', 'b'], regex: 'f(.*);(.*)r', target_label: 'a', separator: ';', replacement: 'b${1}${2}m', action: 'replace' },
      { source_labels: ['c', 'a'], regex: '(b).*b(.*)ba(.*)', target_label: 'd', separator: ';', replacement: '$1$2$2$3', action: 'replace' },
    ],
    output: { a: 'boobam', b: 'bar', c: 'baz', d: 'boooom' },
  },
  {
    name: 'drop before a replace',
    input: { a: 'foo' },
    rules: [
      { source_labels: ['a'], regex: '.*o.*', action: 'drop' },
      { source_labels: ['a'], regex: 'f(.*)', target_label: 'd', separator: ';', replacement: 'ch$1-ch$1', action: 'replace' },
    ],
  },
  { name: 'drop on match', input: { a: 'foo', b: 'bar' }, rules: [{ source_labels: ['a'], regex: '.*o.*', action: 'drop' }] },
  {
    name: 'replace with a group in the middle',
    input: { a: 'abc' },
    rules: [{ source_labels: ['a'], regex: '.*(b).*', target_label: 'd', separator: ';', replacement: '$1', action: 'replace' }],
    output: { a: 'abc', d: 'b' },
  },
  { name: 'drop without a match', input: { a: 'foo' }, rules: [{ source_labels: ['a'], regex: 'no-match', action: 'drop' }], output: { a: 'foo' } },
  { name: 'drop matches the whole value only', input: { a: 'foo' }, rules: [{ source_labels: ['a'], regex: 'f|o', action: 'drop' }], output: { a: 'foo' } },
  { name: 'keep without a match', input: { a: 'foo' }, rules: [{ source_labels: ['a'], regex: 'no-match', action: 'keep' }] },
  { name: 'keep on match', input: { a: 'foo' }, rules: [{ source_labels: ['a'], regex: 'f.*', action: 'keep' }], output: { a: 'foo' } },
  {
    name: 'no replacement without a match',
    input: { a: 'boo' },
    rules: [{ source_labels: ['a'], regex: 'f', target_label: 'b', replacement: 'bar', action: 'replace' }],
    output: { a: 'boo' },
  },
  {
    name: 'a blank replacement deletes the label',
    input: { a: 'foo', f: 'baz' },
    rules: [{ source_labels: ['a'], regex: '(f).*', target_label: '$1', replacement: '$2', action: 'replace' }],
    output: { a: 'foo' },
  },
  {
    name: 'hashmod',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [{ source_labels: ['c'], target_label: 'd', separator: ';', action: 'hashmod', modulus: 1000 }],
    output: { a: 'foo', b: 'bar', c: 'baz', d: '976' },
  },
  {
    name: 'hashmod of a value with a newline',
    input: { a: 'foo\nbar' },
    rules: [{ source_labels: ['a'], target_label: 'b', separator: ';', action: 'hashmod', modulus: 1000 }],
    output: { a: 'foo\nbar', b: '734' },
  },
  {
    name: 'labelmap with a prefix',
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    rules: [{ regex: '(b.*)', replacement: 'bar_${1}', action: 'labelmap' }],
    output: { a: 'foo', b1: 'bar', b2: 'baz', bar_b1: 'bar', bar_b2: 'baz' },
  },
  {
    name: 'labelmap of meta labels',
    input: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc' },
    rules: [{ regex: '__meta_(my.*)', replacement: '${1}', action: 'labelmap' }],
    output: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc', my_bar: 'aaa', my_baz: 'bbb' },
  },
  {
    name: 'target label from a group',
    input: { a: 'some-name-value' },
    rules: [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', action: 'replace', replacement: '${2}', target_label: '${1}' }],
    output: { a: 'some-name-value', name: 'value' },
  },
  {
    name: 'replacement of a missing group',
    input: { a: 'some-name-value' },
    rules: [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', action: 'replace', replacement: '${3}', target_label: '${1}' }],
    output: { a: 'some-name-value' },
  },
  {
    name: 'target labels that expand to invalid names',
    input: { a: 'some-name-0' },
    rules: [
      { source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', action: 'replace', replacement: '${1}', target_label: '${3}' },
      { source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', action: 'replace', replacement: '${1}', target_label: '${3}' },
      { source_labels: ['a'], regex: 'some-([^-]+)(-[^,]+)', action: 'replace', replacement: '${1}', target_label: '${3}' },
    ],
    output: { a: 'some-name-0' },
  },
  {
    name: 'service discovery tags',
    input: { __meta_sd_tags: 'path:/secret,job:some-job,label:foo=bar' },
    rules: [
      { source_labels: ['__meta_sd_tags'], regex: '(?:.+,|^)path:(/[^,]+).*', action: 'replace', replacement: '${1}', target_label: '__metrics_path__' },
      { source_labels: ['__meta_sd_tags'], regex: '(?:.+,|^)job:([^,]+).*', action: 'replace', replacement: '${1}', target_label: 'job' },
      { source_labels: ['__meta_sd_tags'], regex: '(?:.+,|^)label:([^=]+)=([^,]+).*', action: 'replace', replacement: '${2}', target_label: '${1}' },
    ],
    output: { __meta_sd_tags: 'path:/secret,job:some-job,label:foo=bar', __metrics_path__: '/secret', job: 'some-job', foo: 'bar' },
  },
  {
    name: 'prometheus/prometheus#12283: labeldrop, then replace and keep on the same name',
    input: { __meta_kubernetes_pod_container_port_name: 'foo', __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091' },
    rules: [
      { regex: '^__meta_kubernetes_pod_container_port_name$', action: 'labeldrop' },
      {
        source_labels: ['__meta_kubernetes_pod_annotation_XXX_metrics_port'],
        regex: '(.+)',
        action: 'replace',
        replacement: 'metrics',
        target_label: '__meta_kubernetes_pod_container_port_name',
      },
      { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: '^metrics$', action: 'keep' },
    ],
    output: { __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091', __meta_kubernetes_pod_container_port_name: 'metrics' },
  },
  { name: 'labelkeep', input: { a: 'foo', b1: 'bar', b2: 'baz' }, rules: [{ regex: '(b.*)', action: 'labelkeep' }], output: { b1: 'bar', b2: 'baz' } },
  { name: 'labeldrop', input: { a: 'foo', b1: 'bar', b2: 'baz' }, rules: [{ regex: '(b.*)', action: 'labeldrop' }], output: { a: 'foo' } },
  {
    name: 'uppercase and lowercase',
    input: { foo: 'bAr123Foo' },
    rules: [
      { source_labels: ['foo'], action: 'uppercase', target_label: 'foo_uppercase' },
      { source_labels: ['foo'], action: 'lowercase', target_label: 'foo_lowercase' },
    ],
    output: { foo: 'bAr123Foo', foo_lowercase: 'bar123foo', foo_uppercase: 'BAR123FOO' },
  },
  {
    name: 'keepequal, equal',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ source_labels: ['__tmp_port'], action: 'keepequal', target_label: '__port1' }],
    output: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
  },
  {
    name: 'dropequal, equal',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ source_labels: ['__tmp_port'], action: 'dropequal', target_label: '__port1' }],
  },
  {
    name: 'dropequal, different',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ source_labels: ['__tmp_port'], action: 'dropequal', target_label: '__port2' }],
    output: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
  },
  {
    name: 'keepequal, different',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ source_labels: ['__tmp_port'], action: 'keepequal', target_label: '__port2' }],
  },
  {
    name: 'dot matches a newline',
    input: { a: 'line1\nline2', b: 'bar', c: 'baz' },
    rules: [{ source_labels: ['a'], regex: 'line1.*line2', target_label: 'd', separator: ';', replacement: 'match${1}', action: 'replace' }],
    output: { a: 'line1\nline2', b: 'bar', c: 'baz', d: 'match' },
  },
  {
    name: 'UTF-8 source label',
    input: { 'utf-8.label': 'line1\nline2', b: 'bar', c: 'baz' },
    rules: [{ source_labels: ['utf-8.label'], regex: 'line1.*line2', target_label: 'd', separator: ';', replacement: 'match${1}', action: 'replace' }],
    output: { 'utf-8.label': 'line1\nline2', b: 'bar', c: 'baz', d: 'match' },
  },
  {
    name: 'UTF-8 target label',
    input: { a: 'line1\nline2', b: 'bar', c: 'baz' },
    rules: [{ source_labels: ['a'], regex: 'line1.*line2', target_label: 'utf-8.label', separator: ';', replacement: 'match${1}', action: 'replace' }],
    output: { a: 'line1\nline2', b: 'bar', c: 'baz', 'utf-8.label': 'match' },
  },
  {
    name: 'UTF-8 target label with a $ reference',
    input: { a: 'line1\nline2', b: 'bar', c: 'baz' },
    rules: [{ source_labels: ['a'], regex: 'line1.*line2', target_label: 'utf-8.label${1}', separator: ';', replacement: 'match${1}', action: 'replace' }],
    output: { a: 'line1\nline2', b: 'bar', c: 'baz', 'utf-8.label': 'match' },
  },
  {
    name: 'named groups, with and without braces',
    input: { a: 'line1\nline2', b: 'bar', c: 'baz' },
    rules: [
      { source_labels: ['a'], regex: '(line1).*(?<second>line2)', target_label: 'label1_${1}', separator: ';', replacement: 'val_${second}', action: 'replace' },
      { source_labels: ['a'], regex: '(line1).*(?<second>line2)', target_label: 'label2_$1', separator: ';', replacement: 'val_$second', action: 'replace' },
    ],
    output: { a: 'line1\nline2', b: 'bar', c: 'baz', label1_line1: 'val_line2', label2_line1: 'val_line2' },
  },
  {
    name: 'a $ inside the regex',
    input: { __name__: 'http_requests_total' },
    rules: [{ source_labels: ['__name__'], regex: '.*_total$', target_label: '__type__', replacement: 'counter', action: 'replace' }],
    output: { __name__: 'http_requests_total', __type__: 'counter' },
  },
  {
    name: 'a unit from the name',
    input: { __name__: 'disk_usage_bytes' },
    rules: [{ source_labels: ['__name__'], regex: '.*_bytes$', target_label: '__unit__', replacement: 'bytes', action: 'replace' }],
    output: { __name__: 'disk_usage_bytes', __unit__: 'bytes' },
  },
];

describe('relabel: the cases of Prometheus relabel_test.go TestRelabel', () => {
  it.each(PROMETHEUS_CASES)('$name', ({ input, rules, output }) => {
    const frozen = Object.freeze({ ...input });
    expect(run(frozen, rules, 'utf8')).toEqual(output);
    expect(frozen).toEqual(input);
  });

  it('gives the same results under the legacy name scheme where the names are legacy ones', () => {
    for (const c of PROMETHEUS_CASES.filter((c) => !c.name.startsWith('UTF-8'))) {
      expect(run({ ...c.input }, c.rules), c.name).toEqual(c.output);
    }
  });
});

describe('relabel: the configs of Prometheus relabel_test.go BenchmarkRelabel, from YAML', () => {
  const kubernetes = `
- source_labels: [__meta_kubernetes_pod_container_port_name]
  regex: .*-metrics
  action: keep
- source_labels: [__meta_kubernetes_pod_label_name]
  action: drop
  regex: ""
- source_labels: [__meta_kubernetes_pod_phase]
  regex: Succeeded|Failed
  action: drop
- source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
  regex: "false"
  action: drop
- source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scheme]
  target_label: __scheme__
  regex: (https?)
  replacement: $1
  action: replace
- source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path]
  target_label: __metrics_path__
  regex: (.+)
  replacement: $1
  action: replace
- source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]
  target_label: __address__
  regex: (.+?)(\\:\\d+)?;(\\d+)
  replacement: $1:$3
  action: replace
- regex: __meta_kubernetes_pod_annotation_prometheus_io_param_(.+)
  replacement: __param_$1
  action: labelmap
- regex: __meta_kubernetes_pod_label_prometheus_io_label_(.+)
  action: labelmap
- regex: __meta_kubernetes_pod_annotation_prometheus_io_label_(.+)
  action: labelmap
- source_labels: [__meta_kubernetes_namespace, __meta_kubernetes_pod_label_name]
  separator: /
  target_label: job
  replacement: $1
  action: replace
- source_labels: [__meta_kubernetes_namespace]
  target_label: namespace
  action: replace
- source_labels: [__meta_kubernetes_pod_name]
  target_label: pod
  action: replace
- source_labels: [__meta_kubernetes_pod_container_name]
  target_label: container
  action: replace
- source_labels: [__meta_kubernetes_pod_name, __meta_kubernetes_pod_container_name, __meta_kubernetes_pod_container_port_name]
  separator: ':'
  target_label: instance
  action: replace
- target_label: cluster
  replacement: dev-us-central-0
- source_labels: [__meta_kubernetes_namespace]
  regex: hosted-grafana
  action: drop
- source_labels: [__address__]
  target_label: __tmp_hash
  modulus: 3
  action: hashmod
- source_labels: [__tmp_hash]
  regex: ^0$
  action: keep
- regex: __tmp_hash
  action: labeldrop
`;
  const pod: Labels = {
    __address__: '10.132.183.40:80',
    __meta_kubernetes_namespace: 'loki-boltdb-shipper',
    __meta_kubernetes_pod_container_name: 'promtail',
    __meta_kubernetes_pod_container_port_name: 'http-metrics',
    __meta_kubernetes_pod_label_name: 'promtail-loki-boltdb-shipper',
    __meta_kubernetes_pod_name: 'promtail-loki-boltdb-shipper-jgtr7',
    __meta_kubernetes_pod_phase: 'Running',
    __metrics_path__: '/metrics',
    __scheme__: 'http',
    job: 'kubernetes-pods',
  };

  it('drops the pod whose address hashes to 1 of 3 (md5 computed with Go: 1)', () => {
    expect(run(pod, parse(kubernetes))).toBeUndefined();
  });

  it('keeps the pod whose address hashes to 0 of 3, with job, instance, cluster and the annotated port', () => {
    const input = {
      ...pod,
      __address__: '10.0.0.2:9100',
      __meta_kubernetes_pod_annotation_prometheus_io_port: '9100',
      __meta_kubernetes_pod_annotation_prometheus_io_param_module: 'http_2xx',
      __meta_kubernetes_pod_label_prometheus_io_label_team: 'obs',
    };
    expect(run(input, parse(kubernetes))).toEqual({
      ...input,
      __param_module: 'http_2xx',
      team: 'obs',
      job: 'loki-boltdb-shipper/promtail-loki-boltdb-shipper',
      namespace: 'loki-boltdb-shipper',
      pod: 'promtail-loki-boltdb-shipper-jgtr7',
      container: 'promtail',
      instance: 'promtail-loki-boltdb-shipper-jgtr7:promtail:http-metrics',
      cluster: 'dev-us-central-0',
    });
  });

  it('rewrites the port of an address (the `\\:` escape of RE2)', () => {
    const rule = parse(kubernetes)[6];
    expect(run({ __address__: '10.0.0.1:8080', __meta_kubernetes_pod_annotation_prometheus_io_port: '9100' }, [rule])).toEqual({
      __address__: '10.0.0.1:9100',
      __meta_kubernetes_pod_annotation_prometheus_io_port: '9100',
    });
  });

  it('applies the "example" config: a null regex matches only the empty string', () => {
    const example = parse(`
- source_labels: [job, __meta_dns_name]
  regex: "(.*)some-[regex]"
  target_label: job
  replacement: foo-\${1}
  # action defaults to 'replace'
- source_labels: [abc]
  target_label: cde
- replacement: static
  target_label: abc
- regex:
  replacement: static
  target_label: abc
`);
    expect(run({ __meta_dns_name: 'example-some-x.com', abc: 'def', job: 'foo' }, example)).toEqual({
      __meta_dns_name: 'example-some-x.com',
      abc: 'static',
      cde: 'def',
      job: 'foo',
    });
    expect(run({ job: 'a', __meta_dns_name: 'some-x' }, example)).toEqual({ job: 'foo-a;', __meta_dns_name: 'some-x', abc: 'static' });
  });

  it('applies the "static label pair" config: ${0} of an empty match is no valid target, and deletes nothing', () => {
    const config = parse(`
- replacement: wwwwww
  target_label: wwwwww
- replacement: yyyyyyyyyyyy
  target_label: xxxxxxxxx
- replacement: xxxxxxxxx
  target_label: yyyyyyyyyyyy
- source_labels: ["something"]
  target_label: with_source_labels
  replacement: value
- replacement: dropped
  target_label: \${0}
- replacement: \${0}
  target_label: dropped
`);
    expect(run({ abcdefg01: 'hijklmn1', job: 'foo' }, config)).toEqual({
      abcdefg01: 'hijklmn1',
      job: 'foo',
      wwwwww: 'wwwwww',
      xxxxxxxxx: 'yyyyyyyyyyyy',
      yyyyyyyyyyyy: 'xxxxxxxxx',
      with_source_labels: 'value',
    });
  });
});

describe('relabel: validation as Prometheus relabel_test.go TestRelabelValidate and TestTargetLabelLegacyValidity', () => {
  it.each([
    [{ action: null }, 'relabel_configs[0].action: relabel action cannot be empty'],
    [{ action: 'replace' }, "relabel_configs[0].target_label: relabel configuration for replace action requires 'target_label' value"],
    [{ action: 'lowercase' }, "relabel_configs[0].target_label: relabel configuration for lowercase action requires 'target_label' value"],
    [{ action: 'lowercase', target_label: '${3}' }, `relabel_configs[0].target_label: "\${3}" is invalid 'target_label' for lowercase action`],
    [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${1}', target_label: '0${3}' }, `relabel_configs[0].target_label: "0\${3}" is invalid 'target_label' for replace action`],
    [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${1}', target_label: '-${3}' }, `relabel_configs[0].target_label: "-\${3}" is invalid 'target_label' for replace action`],
  ])('legacy names: %j', (rule, message) => {
    expect(configError([rule])).toBe(message);
  });

  it('accepts under UTF-8 names what legacy names reject, as Prometheus 3 does', () => {
    expect(compileRelabelConfigs([{ action: 'lowercase', target_label: '${3}' }], 'r', 'utf8')).toHaveLength(1);
    expect(compileRelabelConfigs([{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${1}', target_label: '0${3}' }], 'r', 'utf8')).toHaveLength(1);
    expect(compileRelabelConfigs([{ source_labels: ['a.b'], target_label: '-${3}' }], 'r', 'utf8')).toHaveLength(1);
    expect(configError([{ action: 'lowercase' }], 'utf8')).toMatch(/requires 'target_label' value$/);
  });

  it('accepts labelmap replacements with references under legacy names', () => {
    const rules = compileRelabelConfigs(
      [
        { regex: '__meta_kubernetes_pod_label_(strimzi_io_.+)', action: 'labelmap', replacement: '$1' },
        { regex: '__meta_(.+)', action: 'labelmap', replacement: '${1}' },
      ],
      'r',
    );
    expect(relabel({ __meta_kubernetes_pod_label_strimzi_io_kind: 'Kafka' }, rules)).toEqual({
      __meta_kubernetes_pod_label_strimzi_io_kind: 'Kafka',
      strimzi_io_kind: 'Kafka',
      kubernetes_pod_label_strimzi_io_kind: 'Kafka',
    });
  });

  it.each([
    ['-label', false],
    ['label', true],
    ['label${1}', true],
    ['${1}label', true],
    ['${1}', true],
    ['${', false],
    ['$', false],
    ['${}', false],
    ['foo${', false],
    ['$1', true],
    ['asd$2asd', true],
    ['-foo${1}bar-', false],
    ['bar.foo${1}bar', false],
    ['_${1}_', true],
    ['foo${bar}foo', true],
    ['a'.repeat(40) + '-', false],
  ])('replace target %j is valid: %s', (target, valid) => {
    const rules = [{ source_labels: ['a'], target_label: target }];
    if (valid) expect(compileRelabelConfigs(rules, 'r')).toHaveLength(1);
    else expect(configError(rules)).toBe(`relabel_configs[0].target_label: ${JSON.stringify(target)} is invalid 'target_label' for replace action`);
  });
});

describe('relabel: config errors name the rule and field', () => {
  it('names the full path given, as in scrape_configs[0].relabel_configs[2].action', () => {
    const rules = [{ source_labels: ['a'], action: 'keep' }, { target_label: 'b' }, { source_labels: ['a'], action: 'kep' }];
    expect(configError(rules, 'legacy', 'scrape_configs[0].relabel_configs')).toBe('scrape_configs[0].relabel_configs[2].action: unknown relabel action "kep"');
  });

  it.each([
    [[{ sourcelabels: ['a'] }], 'relabel_configs[0].sourcelabels: unknown key (expected one of source_labels, separator, regex, modulus, target_label, replacement, action)'],
    [[{ action: 'hashmod', target_label: 'h', source_labels: ['a'] }], 'relabel_configs[0].modulus: relabel configuration for hashmod requires non-zero modulus'],
    [[{ action: 'hashmod', target_label: '0x', modulus: 2 }], `relabel_configs[0].target_label: "0x" is invalid 'target_label' for hashmod action`],
    [[{ regex: '(abc', target_label: 'x' }], 'relabel_configs[0].regex: error parsing regexp: missing closing ): `^(?s:(abc)$`'],
    [[{ regex: 'a', action: 'labeldrop', source_labels: ['b'] }], "relabel_configs[0].source_labels: labeldrop action requires only 'regex', and no other fields"],
    [[{ regex: 'a', action: 'labelkeep', separator: ',' }], "relabel_configs[0].separator: labelkeep action requires only 'regex', and no other fields"],
    [[{ action: 'labeldrop', source_labels: [] }], "relabel_configs[0].source_labels: labeldrop action requires only 'regex', and no other fields"],
    [[{ source_labels: ['a'], target_label: 'b', action: 'keepequal', regex: '(.*)' }], "relabel_configs[0].regex: keepequal action requires only 'source_labels' and `target_label`, and no other fields"],
    [[{ source_labels: ['a'], target_label: 'b', action: 'dropequal', modulus: 3 }], "relabel_configs[0].modulus: dropequal action requires only 'source_labels' and `target_label`, and no other fields"],
    [[{ source_labels: ['a'], target_label: 'b', action: 'lowercase', replacement: 'x' }], "relabel_configs[0].replacement: 'replacement' can not be set for lowercase action"],
    [[{ regex: '(.*)', action: 'labelmap', replacement: 'foo-$1' }], `relabel_configs[0].replacement: "foo-$1" is invalid 'replacement' for labelmap action`],
    [[{ source_labels: ['a', 'foo-bar'], target_label: 'b' }], 'relabel_configs[0].source_labels[1]: "foo-bar" is not a valid label name'],
    [[{ source_labels: 'a', target_label: 'b' }], 'relabel_configs[0].source_labels: expected a list of label names, got the string "a"'],
    [[{ separator: 1, target_label: 'b' }], 'relabel_configs[0].separator: expected a string, got number 1 (quote it: "1")'],
    [[{ modulus: -1, action: 'hashmod', target_label: 'b' }], 'relabel_configs[0].modulus: expected a whole number from 0 to 9007199254740991, got number -1'],
    [[{ target_label: 'a' }, null], 'relabel_configs[1]: empty or null relabeling rule'],
    [[['a']], 'relabel_configs[0]: expected a mapping, got a list'],
    [{ target_label: 'a' }, 'relabel_configs: expected a list of relabel rules, got a mapping'],
  ])('%j', (configs, message) => {
    expect(configError(configs)).toBe(message);
  });

  it('reads an absent or null list as no rules, and actions in any case', () => {
    expect(compileRelabelConfigs(undefined, 'r')).toEqual([]);
    expect(compileRelabelConfigs(null, 'r')).toEqual([]);
    expect(compileRelabelConfigs([{ action: 'LabelDrop', regex: 'x' }], 'r')[0]!.action).toBe('labeldrop');
  });

  it('fills in the defaults', () => {
    const [rule] = compileRelabelConfigs([{ target_label: 'x' }], 'r');
    expect(rule).toMatchObject({ action: 'replace', separator: ';', regex: '(.*)', replacement: '$1', modulus: 0, sourceLabels: [] });
  });
});

describe('relabel: RE2 syntax and matching as Go\'s regexp', () => {
  it.each([
    ['a**', 'invalid nested repetition operator: `**`'],
    ['a*?*', 'invalid nested repetition operator: `*?*`'],
    ['*a', 'missing argument to repetition operator: `*`'],
    ['a|*', 'missing argument to repetition operator: `*`'],
    ['x{1001}', 'invalid repeat count: `{1001}`'],
    ['(a{100}){11}', 'invalid repeat count: `{11}`'],
    ['(?=a)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?<=a)', 'invalid named capture: `(?<=a))$`'],
    ['(?P=n)', 'invalid or unsupported Perl syntax: `(?P`'],
    ['(a)\\1', 'invalid escape sequence: `\\1`'],
    ['\\Z', 'invalid escape sequence: `\\Z`'],
    ['\\C', 'invalid escape sequence: `\\C`'],
    ['[a', 'missing closing ]: `[a)$`'],
    ['[z-a]', 'invalid character class range: `z-a`'],
    ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
    ['\\pX', 'invalid character class range: `\\pX`'],
    ['\\p{Grek}', 'invalid character class range: `\\p{Grek}`'],
    ['\\x{110000}', 'invalid escape sequence: `\\x{110000`'],
    ['(?i-)', 'invalid or unsupported Perl syntax: `(?i-)`'],
    ['a)b', 'unexpected ): `^(?s:a)b)$`'],
  ])('rejects %j as Go does', (regex, message) => {
    expect(configError([{ source_labels: ['a'], regex, action: 'keep' }])).toBe(`relabel_configs[0].regex: error parsing regexp: ${message}`);
  });

  it('matches what a backtracking translation could not, as Go does (results checked with Go 1.26)', () => {
    // Case-insensitivity for part of the regex.
    expect(['aB', 'AB', 'ab'].map((v) => matches('a(?i)b', v))).toEqual([true, false, true]);
    // A negated class under (?i): Go folds, then negates.
    expect(['a', 'A', '1', 'ß', '\u212a'].map((v) => matches('(?i)\\P{Lu}', v))).toEqual([false, false, true, false, false]);
    // A regex that closes the group Prometheus wraps it in is no longer anchored at both ends.
    expect(['a', 'b', 'xb', 'ax', 'x'].map((v) => matches('a)|(b', v))).toEqual([true, true, true, true, false]);
    expect(replaced('a)|(b', '[$1]', 'xb')).toBe('[b]');
  });

  it('fills groups inside repetitions as RE2 does: the last iteration that set them', () => {
    expect(replaced('(?:(a)|b)+', '$1', 'ab')).toBe('a');
    expect(replaced('(?:(a)|b)+', '$1', 'ba')).toBe('a');
    expect(replaced('(?:(a)|b)+', '[$1]', 'bb')).toBe('[]');
    expect(replaced('(a?){1,2}', '[$1]', 'a')).toBe('[]');
    expect(replaced('(?:(\\d+)\\.)+', '$1', '1.22.333.')).toBe('333');
  });

  it('matches in time linear in the input: (a+)+ against 30 a\'s and a b', () => {
    const start = performance.now();
    expect(matches('(a+)+', 'a'.repeat(30) + 'b')).toBe(false);
    expect(matches('(a|a)*(b|b)*x', 'a'.repeat(5000) + 'b'.repeat(5000))).toBe(false);
    // A backtracking RegExp takes seconds on the first and does not finish the second.
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('anchors the regex at both ends, dot matching newlines unless (?-s)', () => {
    expect(matches('b', 'abc')).toBe(false);
    expect(matches('a.c', 'a\nc')).toBe(true);
    expect(matches('(?-s)a.c', 'a\nc')).toBe(false);
    expect(matches('', '')).toBe(true);
    expect(matches('', 'x')).toBe(false);
  });

  it('translates flags: (?i) over the whole regex, (?m) lines ending at \\n only, (?U) swapping greed', () => {
    expect(matches('(?i)foo_bar', 'FOO_Bar')).toBe(true);
    expect(matches('foo', 'FOO')).toBe(false);
    expect(matches('(?m)a$\\n^b', 'a\nb')).toBe(true);
    expect(matches('(?m)a$\\r\\nb', 'a\r\nb')).toBe(false);
    expect(replaced('(?U)(a+)(a*)', '$1|$2', 'aaa')).toBe('a|aa');
    expect(replaced('(?U)(a+?)(a*)', '$1|$2', 'aaa')).toBe('aaa|');
    expect(replaced('(a*?)(a*)', '$1|$2', 'aaa')).toBe('|aaa');
  });

  it('translates escapes and classes as RE2 reads them', () => {
    expect(matches('\\Q1.2\\E', '1.2')).toBe(true);
    expect(matches('\\Q1.2\\E', '1x2')).toBe(false);
    expect(matches('\\x{263a}\\101\\x42\\-\\:', '☺AB-:')).toBe(true);
    expect(matches('\\s', '\u00a0')).toBe(false);
    expect(matches('\\s\\S', '\t\u00a0')).toBe(true);
    expect(matches('[[:alpha:]]+[[:^digit:]][[:xdigit:]]', 'abC_f')).toBe(true);
    expect(matches('[]a]+', ']a]')).toBe(true);
    expect(matches('[^\\S]', ' ')).toBe(true);
    expect(matches('\\pL+\\p{Greek}+\\PL', 'héllo\u03b1\u03b2\u03b31')).toBe(true);
    expect(matches('\\p{greek}', 'α')).toBe(true);
    expect(matches('a{,2}', 'a{,2}')).toBe(true);
    expect(matches('^*a', 'a')).toBe(true);
    expect(matches('(?i)[[:^lower:]]', 'A')).toBe(false);
    expect(matches('(?i)\\W', '\u212a')).toBe(false);
    expect(matches('(?i)k', '\u212a')).toBe(true);
    expect(matches('\\P{ASCII}', '\u212a')).toBe(true);
    expect(matches('(?i)\\P{ASCII}', '\u212a')).toBe(false);
    expect(matches('(?i)\\p{^Ascii}', 'é')).toBe(true);
  });

  it('expands templates as Go does: ${1}, $name, $$, and names of letters, digits and _', () => {
    expect(replaced('(a)(b)', '$1x${1}x$$1$2', 'ab')).toBe('ax$1b');
    expect(replaced('(?P<host>[^:]+):(?P<port>\\d+)', '${port}@$host', 'db:5432')).toBe('5432@db');
    expect(replaced('(a)', '$1_suffix', 'a')).toBeUndefined();
    expect(replaced('(a)', '${1}_suffix', 'a')).toBe('a_suffix');
    expect(replaced('(a)', 'x$', 'a')).toBe('x$');
    expect(replaced('(a)', 'x${1', 'a')).toBe('x${1');
    expect(replaced('(a)', '${01}|${10}|$0', 'a')).toBe('||a');
    expect(replaced('(?P<n>a)|(?P<n>b)', '[$n]', 'b')).toBe('[b]');
    expect(replaced('(?P<1a>x)', '${1a}', 'x')).toBe('x');
    // Ten digits or more are a name, not a number (results checked with Go).
    expect(replaced('(?P<1000000000>a)(?P<99999999>b)?', '[${1000000000}|${99999999}]', 'a')).toBe('[a|]');
  });
});

describe('relabel: applying rules', () => {
  it('returns the input itself when nothing changes, and never mutates it', () => {
    const input = Object.freeze({ __name__: 'up', job: 'a' });
    const rules = compileRelabelConfigs(
      [
        { source_labels: ['__name__'], regex: 'go_.*', action: 'drop' },
        { source_labels: ['job'], target_label: 'job' },
        { regex: 'tmp_.*', action: 'labeldrop' },
      ],
      'r',
    );
    expect(relabel(input, rules)).toBe(input);
    const changed = relabel(input, compileRelabelConfigs([{ target_label: 'x', replacement: 'y' }], 'r'));
    expect(changed).toEqual({ __name__: 'up', job: 'a', x: 'y' });
    expect(input).toEqual({ __name__: 'up', job: 'a' });
  });

  it('deletes a label set to an empty value, and reads a missing source as empty', () => {
    expect(run({ a: 'x', b: 'old' }, [{ source_labels: ['missing'], action: 'lowercase', target_label: 'b' }])).toEqual({ a: 'x' });
    expect(run({ a: 'x' }, [{ source_labels: ['a', 'missing', 'a'], separator: '/', target_label: 'j' }])).toEqual({ a: 'x', j: 'x//x' });
  });

  it('maps case per code point as Go does', () => {
    expect(run({ a: 'straße ᾀ ŉ' }, [{ source_labels: ['a'], action: 'uppercase', target_label: 'u' }])?.u).toBe('STRAßE ᾈ ŉ');
    expect(run({ a: 'İΣΑΣ' }, [{ source_labels: ['a'], action: 'lowercase', target_label: 'l' }])?.l).toBe('iσασ');
  });

  it('hashes UTF-8 bytes and takes a modulus beyond 32 bits (values computed with Go)', () => {
    const hash = (value: string, modulus: number): string | undefined =>
      run({ a: value }, [{ source_labels: ['a'], action: 'hashmod', target_label: 'h', modulus }])?.h;
    expect(hash('baz', 9007199254740991)).toBe('3652048413226410');
    expect(hash('ü', 1000)).toBe('211');
    expect(hash('', 1000)).toBe('958');
  });

  it('lets the last of two labels mapped to one name win, in the order Prometheus ranges them', () => {
    const map = { regex: '[ab]_(x)', replacement: '$1', action: 'labelmap' };
    expect(run({ b_x: '2', a_x: '1' }, [map])).toMatchObject({ x: '2' });
    // Setting a_x, even to its own value, moves it after the untouched b_x.
    expect(run({ b_x: '2', a_x: '1' }, [{ source_labels: ['a_x'], target_label: 'a_x' }, map])).toMatchObject({ x: '1' });
    // Labels set by earlier rules come after the input's, in the order they were set.
    expect(run({ b_x: '2' }, [{ target_label: 'a_x', replacement: '1' }, map])).toMatchObject({ x: '1' });
    // A label deleted by an earlier rule is not mapped.
    expect(run({ a_x: '1', b_x: '2' }, [{ regex: 'b_x', action: 'labeldrop' }, map])).toEqual({ a_x: '1', x: '1' });
  });

  it('keeps a label named __proto__ as a label', () => {
    const out = run({ a: 'v' }, [{ source_labels: ['a'], target_label: '__proto__' }]);
    expect(Object.hasOwn(out!, '__proto__')).toBe(true);
    expect(out!['__proto__']).toBe('v');
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it('checks the expanded target name against the scheme at run time', () => {
    const rule = { source_labels: ['a'], regex: '(.*)', target_label: '$1' };
    expect(run({ a: 'x.y' }, [rule])).toEqual({ a: 'x.y' });
    expect(run({ a: 'x.y' }, [rule], 'utf8')).toEqual({ a: 'x.y', 'x.y': 'x.y' });
  });
});
