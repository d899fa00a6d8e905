// Cases ported from Prometheus's template/template_test.go (TestTemplateExpansion): the same
// templates, inputs and expected outputs or error messages (Prometheus prefixes errors with
// "error executing template test: ", which renderTemplate leaves to its caller).
import { describe, expect, it } from 'vitest';
import { expandTemplate, parseTemplate, renderTemplate } from '../../../src/alerting/templates/index.js';
import { prometheusFunctions, type TemplateQuery } from '../../../src/alerting/templates/functions.js';
import { BraidError } from '../../../src/errors.js';

interface Scenario {
  text: string;
  input?: unknown;
  output?: string;
  error?: string;
  query?: Array<{ labels: Record<string, string>; value: number }>;
}

const NOW_MS = 1353755652000;
const EXTERNAL = 'http://testhost:9090/path/prefix';

async function run(s: Scenario): Promise<string> {
  const query: TemplateQuery = async () => s.query ?? [];
  return renderTemplate(s.text, s.input, prometheusFunctions({ query, timeMs: NOW_MS, externalURL: EXTERNAL }), 'test');
}

const MAX_INT64 = 9223372036854775807n;
const MAX_UINT64 = 18446744073709551615n;
const MIN_INT64 = -9223372036854775808n;
const metric = (instance: string, value: number) => ({ labels: { __name__: 'metric', instance }, value });

const scenarios: Scenario[] = [
  { text: 'plain text', output: 'plain text' },
  { text: '{{ 1 }}', output: '1' },
  { text: '{{ \u00a0}}', error: 'template: test:1: unrecognized character in action: U+00A0' },
  { text: '{{ "<b>" }}', output: '<b>' },
  { text: '{{define "x"}}{{.arg0}} {{.arg1}}{{end}}{{template "x" (args 1 "2")}}', output: '1 2' },
  { text: '{{ query "1.5" | first | value }}', output: '1.5', query: [{ labels: {}, value: 1.5 }] },
  { text: `{{ query "metric{instance='a'}" | first | value }}`, output: '11', query: [metric('a', 11)] },
  { text: `{{ query "metric{instance='a'}" | first | label "instance" }}`, output: 'a', query: [metric('a', 11)] },
  { text: `{{ query "metric{__value__='a'}" | first | strvalue }}`, output: 'a', query: [{ labels: { __name__: 'metric', __value__: 'a' }, value: 11 }] },
  { text: `{{ query "metric{instance='a'}" | first | label "foo" }}`, output: '', query: [metric('a', 11)] },
  { text: '{{ $x := query "metric" | first }}{{ $x.Labels.foo }}', output: '', query: [metric('a', 11)] },
  { text: '{{ range query "metric" | sortByLabel "instance" }}{{.Labels.instance}}:{{.Value}}: {{end}}', output: 'a:11: b:21: ', query: [metric('b', 21), metric('a', 11)] },
  { text: '{{ "foo.example.com" | stripPort }}', output: 'foo.example.com' },
  { text: '{{ "foo.example.com:12345" | stripPort }}', output: 'foo.example.com' },
  { text: '{{ "192.0.2.1" | stripPort }}', output: '192.0.2.1' },
  { text: '{{ "192.0.2.1:12345" | stripPort }}', output: '192.0.2.1' },
  { text: '{{ "2001:0DB8::1" | stripPort }}', output: '2001:0DB8::1' },
  { text: '{{ "[2001:0DB8::1]:12345" | stripPort }}', output: '2001:0DB8::1' },
  { text: '{{ "[2001:0DB8::1]::12345" | stripPort }}', output: '[2001:0DB8::1]::12345' },
  { text: '{{ .Foo }}', output: '<no value>' },
  { text: '{{', error: 'template: test:1: unclosed action' },
  { text: '{{ query "missing" | first }}', error: 'template: test:1:21: executing "test" at <first>: error calling first: first() called on vector with no elements' },
  { text: '{{ reReplaceAll "(a)b" "x$1" "ab" }}', output: 'xa' },
  { text: '{{ range . }}{{ humanize . }}:{{ end }}', input: [0.0, 1.0, 1234567.0, 0.12], output: '0:1:1.235M:120m:' },
  { text: '{{ range . }}{{ humanize . }}:{{ end }}', input: ['0.0', '1.0', '1234567.0', '.12'], output: '0:1:1.235M:120m:' },
  { text: '{{ humanize "one" }}', error: 'template: test:1:3: executing "test" at <humanize "one">: error calling humanize: strconv.ParseFloat: parsing "one": invalid syntax' },
  { text: '{{ range . }}{{ humanize . }}:{{ end }}', input: [0n, -1n, 1n, 1234567n, MAX_INT64], output: '0:-1:1:1.235M:9.223E:' },
  { text: '{{ range . }}{{ humanize . }}:{{ end }}', input: [0n, 1n, 1234567n, MAX_UINT64], output: '0:1:1.235M:18.45E:' },
  { text: '{{ range . }}{{ humanize1024 . }}:{{ end }}', input: [0.0, 1.0, 1048576.0, 0.12], output: '0:1:1Mi:0.12:' },
  { text: '{{ range . }}{{ humanize1024 . }}:{{ end }}', input: ['0.0', '1.0', '1048576.0', '.12'], output: '0:1:1Mi:0.12:' },
  { text: '{{ humanize1024 "one" }}', error: 'template: test:1:3: executing "test" at <humanize1024 "one">: error calling humanize1024: strconv.ParseFloat: parsing "one": invalid syntax' },
  { text: '{{ range . }}{{ humanize1024 . }}:{{ end }}', input: [0n, -1n, 1n, 1234567n, MAX_INT64], output: '0:-1:1:1.177Mi:8Ei:' },
  { text: '{{ range . }}{{ humanize1024 . }}:{{ end }}', input: [0n, 1n, 1234567n, MAX_UINT64], output: '0:1:1.177Mi:16Ei:' },
  { text: '{{ range . }}{{ humanizeDuration . }}:{{ end }}', input: [0, 1, 60, 3600, 86400, 86400 + 3600, -(86400 * 2 + 3600 * 3 + 60 * 4 + 5), 899.99], output: '0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:' },
  { text: '{{ range . }}{{ humanizeDuration . }}:{{ end }}', input: ['0', '1', '60', '3600', '86400'], output: '0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:' },
  { text: '{{ range . }}{{ humanizeDuration . }}:{{ end }}', input: [0.1, 0.0001, 0.12345, 60.1, 60.5, 1.2345, 12.345], output: '100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:' },
  { text: '{{ range . }}{{ humanizeDuration . }}:{{ end }}', input: ['.1', '.0001', '.12345', '60.1', '60.5', '1.2345', '12.345'], output: '100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:' },
  { text: '{{ humanizeDuration "one" }}', error: 'template: test:1:3: executing "test" at <humanizeDuration "one">: error calling humanizeDuration: strconv.ParseFloat: parsing "one": invalid syntax' },
  { text: '{{ range . }}{{ humanizeDuration . }}:{{ end }}', input: [0n, -1n, 1n, 1234567n], output: '0s:-1s:1s:14d 6h 56m 7s:' },
  {
    text: '{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{humanizeTimestamp .}}:{{ end }}',
    input: [Infinity, -Infinity, NaN],
    output: '+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:',
  },
  {
    text: '{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{humanizeTimestamp .}}:{{ end }}',
    input: ['+Inf', '-Inf', 'NaN'],
    output: '+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:',
  },
  { text: '{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:{{ 0.1234567 | humanizePercentage }}:{{ 1.23456 | humanizePercentage }}', output: '-22.22%:0%:12.35%:123.5%' },
  { text: '{{ range . }}{{ humanizePercentage . }}:{{ end }}', input: [0n, -1n, 1n, 1234567n, MAX_INT64], output: '0%:-100%:100%:1.235e+08%:9.223e+20%:' },
  { text: '{{ range . }}{{ humanizePercentage . }}:{{ end }}', input: [0n, 1n, 1234567n, MAX_UINT64], output: '0%:100%:1.235e+08%:1.845e+21%:' },
  { text: '{{ "-0.22222" | humanizePercentage }}:{{ "0.0" | humanizePercentage }}:{{ "0.1234567" | humanizePercentage }}:{{ "1.23456" | humanizePercentage }}', output: '-22.22%:0%:12.35%:123.5%' },
  { text: '{{ "one" | humanizePercentage }}', error: 'template: test:1:11: executing "test" at <humanizePercentage>: error calling humanizePercentage: strconv.ParseFloat: parsing "one": invalid syntax' },
  {
    text: '{{ range . }}{{ humanizeTimestamp . }}:{{ end }}',
    input: [0n, -1n, 1n, 1234567n, 9223372036n],
    output: '1970-01-01 00:00:00 +0000 UTC:1969-12-31 23:59:59 +0000 UTC:1970-01-01 00:00:01 +0000 UTC:1970-01-15 06:56:07 +0000 UTC:2262-04-11 23:47:16 +0000 UTC:',
  },
  {
    text: '{{ range . }}{{ humanizeTimestamp . }}:{{ end }}',
    input: [MIN_INT64, MAX_INT64],
    error: 'template: test:1:16: executing "test" at <humanizeTimestamp .>: error calling humanizeTimestamp: -9.223372036854776e+18 cannot be represented as a nanoseconds timestamp since it overflows int64',
  },
  {
    text: '{{ range . }}{{ humanizeTimestamp . }}:{{ end }}',
    input: [MAX_UINT64],
    error: 'template: test:1:16: executing "test" at <humanizeTimestamp .>: error calling humanizeTimestamp: 1.8446744073709552e+19 cannot be represented as a nanoseconds timestamp since it overflows int64',
  },
  { text: '{{ 1435065584.128 | humanizeTimestamp }}', output: '2015-06-23 13:19:44.128 +0000 UTC' },
  { text: '{{ "1435065584.128" | humanizeTimestamp }}', output: '2015-06-23 13:19:44.128 +0000 UTC' },
  { text: '{{ (1435065584.128 | toTime).Format "2006" }}', output: '2015' },
  { text: '{{ ("1435065584.128" | toTime).Format "2006" }}', output: '2015' },
  { text: '{{ (1800 | toDuration).String }}', output: '30m0s' },
  { text: '{{ ("1800" | toDuration).String }}', output: '30m0s' },
  { text: '{{ now }}', output: '1.353755652e+09' },
  { text: '{{ (now | toTime).Format "Mon Jan 2 15:04:05 2006" }}', output: 'Sat Nov 24 11:14:12 2012' },
  { text: '{{ ("-30m" | parseDuration | toDuration | (now | toTime).Add).UnixMilli }}', output: '1353753852000' },
  { text: '{{ "aa bb CC" | title }}', output: 'Aa Bb CC' },
  { text: '{{ "aa bb CC" | toUpper }}', output: 'AA BB CC' },
  { text: '{{ "aA bB CC" | toLower }}', output: 'aa bb cc' },
  { text: '{{ match "a+" "aa" }} {{ match "a+" "b" }}', output: 'true false' },
  { text: '{{ graphLink "up" }}', output: '/graph?g0.expr=up&g0.tab=0' },
  { text: '{{ tableLink "up" }}', output: '/graph?g0.expr=up&g0.tab=1' },
  { text: '{{ pathPrefix }}', output: '/path/prefix' },
  { text: '{{ externalURL }}', output: 'http://testhost:9090/path/prefix' },
  { text: '{{ printf "%0.2f" (parseDuration "1h2m10ms") }}', output: '3720.01' },
  { text: '{{ printf "%0.2f" (parseDuration "-1h2m10ms") }}', output: '-3720.01' },
  { text: '{{ "foo.example.com" | stripDomain }}', output: 'foo' },
  { text: '{{ "foo.example.com:12345" | stripDomain }}', output: 'foo:12345' },
  { text: '{{ "192.0.2.1" | stripDomain }}', output: '192.0.2.1' },
  { text: '{{ "192.0.2.1:12345" | stripDomain }}', output: '192.0.2.1:12345' },
  { text: '{{ "2001:0DB8::1" | stripDomain }}', output: '2001:0DB8::1' },
  { text: '{{ "[2001:0DB8::1]:12345" | stripDomain }}', output: '[2001:0DB8::1]:12345' },
  { text: '{{ "[2001:0DB8::1]::12345" | stripDomain }}', output: '[2001:0DB8::1]::12345' },
];

describe('Prometheus template functions (template_test.go cases)', () => {
  for (const s of scenarios) {
    it(s.text + (s.input === undefined ? '' : ` over ${String(s.input)}`), async () => {
      if (s.error !== undefined) {
        await expect(run(s)).rejects.toThrow(s.error);
        await run(s).catch((e: unknown) => expect((e as Error).message).toBe(s.error));
      } else {
        expect(await run(s)).toBe(s.output);
      }
    });
  }
});

describe('expandTemplate (rules/alerting.go)', () => {
  const data = { labels: { instance: 'db-1:9100', job: 'node', service_name: 'checkout' }, externalLabels: { cluster: 'prod' }, externalURL: 'http://braid.example:16686', value: 0.0734 };

  it('prepends $labels, $externalLabels, $externalURL and $value', async () => {
    const out = await expandTemplate('{{ $labels.service_name }} on {{ $externalLabels.cluster }} at {{ $value | humanizePercentage }} ({{ $externalURL }}) {{ $labels.missing }}|', data);
    expect(out).toBe('checkout on prod at 7.34% (http://braid.example:16686) |');
  });

  it('prints $value as Go prints a float64', async () => {
    expect(await expandTemplate('{{ $value }}', { ...data, value: 1e6 })).toBe('1e+06');
    expect(await expandTemplate('{{ $value }}', { ...data, value: 123456.5 })).toBe('123456.5');
    expect(await expandTemplate('{{ .Value }}', { ...data, value: 0.1 + 0.2 })).toBe('0.30000000000000004');
  });

  it('runs query asynchronously at evaluation time', async () => {
    const query: TemplateQuery = async (q) => [{ labels: { q }, value: 42 }];
    expect(await expandTemplate('{{ with query "up" }}{{ . | first | value }} {{ (. | first).Labels.q }}{{ end }}', data, { query })).toBe('42 up');
  });

  it('renders errors the way Prometheus does', async () => {
    expect(await expandTemplate('{{ $labels.job', data, { name: '__alert_HighErrors' })).toBe(
      '<error expanding template: error parsing template __alert_HighErrors: template: __alert_HighErrors:1: unclosed action>',
    );
    expect(await expandTemplate('{{ humanize "x" }}', data, { name: '__alert_A' })).toBe(
      '<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <humanize "x">: error calling humanize: strconv.ParseFloat: parsing "x": invalid syntax>',
    );
  });

  it('leaves text without actions alone', async () => {
    expect(await expandTemplate('no actions here', data)).toBe('no actions here');
  });
});

describe('parseTemplate', () => {
  it('accepts a valid template and refuses a bad one with Go\'s message', () => {
    expect(() => parseTemplate('{{ $labels.x | toUpper }}', '__alert_X')).not.toThrow();
    let err: unknown;
    try {
      parseTemplate('{{ nosuchfunc $value }}', '__alert_X');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BraidError);
    expect((err as BraidError).code).toBe('BRAID_ERR_TEMPLATE_PARSE');
    expect((err as BraidError).message).toBe('error parsing template __alert_X: template: __alert_X:1: function "nosuchfunc" not defined');
  });
});
