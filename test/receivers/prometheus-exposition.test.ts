import { Counter, Histogram, Registry, Summary, collectDefaultMetrics, type RegistryContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  expositionFormat,
  parseExposition,
  SCRAPE_ACCEPT_HEADER,
  type ParsedFamily,
  type ParsedSample,
} from '../../src/receivers/prometheus/exposition.js';

const TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const OM = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** The families of a body that must parse. */
function ok(body: string, contentType = TEXT): ParsedFamily[] {
  const result = parseExposition(body, contentType);
  expect(result.errors).toEqual([]);
  return result.families;
}

/** The one error of a body that must fail as a whole. */
function fail(body: string, contentType = TEXT): string {
  const result = parseExposition(body, contentType);
  expect(result.families).toEqual([]);
  expect(result.errors).toHaveLength(1);
  return result.errors[0]!;
}

/** The only sample of a body. */
function only(body: string, contentType = TEXT): ParsedSample {
  const families = ok(body, contentType);
  expect(families).toHaveLength(1);
  expect(families[0]!.samples).toHaveLength(1);
  return families[0]!.samples[0]!;
}

const s = (name: string, labels: Array<[string, string]>, value: number, timestampMs?: number): ParsedSample =>
  timestampMs === undefined ? { name, labels, value } : { name, labels, value, timestampMs };

describe('content type', () => {
  it('names the format of each Content-Type a target answers with', () => {
    expect(expositionFormat('text/plain; version=0.0.4; charset=utf-8')).toBe('prometheus-text');
    expect(expositionFormat('text/plain')).toBe('prometheus-text');
    expect(expositionFormat('Text/Plain;version=0.0.4')).toBe('prometheus-text');
    expect(expositionFormat('application/openmetrics-text; version=1.0.0; charset=utf-8')).toBe('openmetrics');
    expect(expositionFormat('application/openmetrics-text;version=0.0.1')).toBe('openmetrics');
    expect(expositionFormat('application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited')).toBeUndefined();
    expect(expositionFormat('application/json')).toBeUndefined();
    expect(expositionFormat('')).toBeUndefined();
  });

  it('asks for OpenMetrics first, then text 0.0.4, as Prometheus 2.49+ does by default', () => {
    expect(SCRAPE_ACCEPT_HEADER).toBe(
      'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    );
  });

  it('fails a blank or unsupported Content-Type unless a fallback format is given', () => {
    expect(parseExposition('up 1\n', '')).toEqual({
      families: [],
      errors: ['blank Content-Type and no fallback format: expected text/plain or application/openmetrics-text'],
    });
    expect(parseExposition('up 1\n', 'text/html').errors).toEqual([
      'unsupported Content-Type "text/html" and no fallback format: expected text/plain or application/openmetrics-text',
    ]);
    expect(parseExposition('up 1\n', '', { fallbackFormat: 'prometheus-text' })).toEqual({
      families: [{ name: 'up', type: 'untyped', samples: [s('up', [], 1)] }],
      errors: [],
    });
  });

  it('reads the body in the format the Content-Type names, not by sniffing', () => {
    expect(fail('up 1\n', OM)).toBe('line 2: missing "# EOF": an OpenMetrics exposition must end with it');
    expect(ok('up 1\n# EOF\n', TEXT)).toEqual([{ name: 'up', type: 'untyped', samples: [s('up', [], 1)] }]);
  });
});

describe('text format 0.0.4', () => {
  it('parses the example of the format specification', () => {
    // prometheus/docs content/docs/instrumenting/exposition_formats.md, verbatim.
    const body = String.raw`# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="0.2"} 100392
http_request_duration_seconds_bucket{le="0.5"} 129389
http_request_duration_seconds_bucket{le="1"} 133988
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320

# Finally a summary, which has a complex representation, too:
# HELP telemetry_requests_metrics_latency_microseconds A summary of the response latency.
# TYPE telemetry_requests_metrics_latency_microseconds summary
telemetry_requests_metrics_latency_microseconds{quantile="0.01"} 3102
telemetry_requests_metrics_latency_microseconds{quantile="0.05"} 3272
telemetry_requests_metrics_latency_microseconds{quantile="0.5"} 4773
telemetry_requests_metrics_latency_microseconds{quantile="0.9"} 9001
telemetry_requests_metrics_latency_microseconds{quantile="0.99"} 76656
telemetry_requests_metrics_latency_microseconds_sum 1.7560473e+07
telemetry_requests_metrics_latency_microseconds_count 2693
`;
    const bucket = (le: string, v: number) => s('http_request_duration_seconds_bucket', [['le', le]], v);
    const quantile = (q: string, v: number) => s('telemetry_requests_metrics_latency_microseconds', [['quantile', q]], v);
    expect(ok(body)).toEqual([
      {
        name: 'http_requests_total',
        type: 'counter',
        help: 'The total number of HTTP requests.',
        samples: [
          s('http_requests_total', [['method', 'post'], ['code', '200']], 1027, 1395066363000),
          s('http_requests_total', [['method', 'post'], ['code', '400']], 3, 1395066363000),
        ],
      },
      {
        name: 'msdos_file_access_time_seconds',
        type: 'untyped',
        samples: [s('msdos_file_access_time_seconds', [['path', 'C:\\DIR\\FILE.TXT'], ['error', 'Cannot find file:\n"FILE.TXT"']], 1458255915)],
      },
      { name: 'metric_without_timestamp_and_labels', type: 'untyped', samples: [s('metric_without_timestamp_and_labels', [], 12.47)] },
      { name: 'something_weird', type: 'untyped', samples: [s('something_weird', [['problem', 'division by zero']], Infinity, -3982045)] },
      {
        name: 'http_request_duration_seconds',
        type: 'histogram',
        help: 'A histogram of the request duration.',
        samples: [
          bucket('0.05', 24054),
          bucket('0.1', 33444),
          bucket('0.2', 100392),
          bucket('0.5', 129389),
          bucket('1', 133988),
          bucket('+Inf', 144320),
          s('http_request_duration_seconds_sum', [], 53423),
          s('http_request_duration_seconds_count', [], 144320),
        ],
      },
      {
        name: 'telemetry_requests_metrics_latency_microseconds',
        type: 'summary',
        help: 'A summary of the response latency.',
        samples: [
          quantile('0.01', 3102),
          quantile('0.05', 3272),
          quantile('0.5', 4773),
          quantile('0.9', 9001),
          quantile('0.99', 76656),
          s('telemetry_requests_metrics_latency_microseconds_sum', [], 17560473),
          s('telemetry_requests_metrics_latency_microseconds_count', [], 2693),
        ],
      },
    ]);
  });

  it('takes blanks and tabs between tokens, trailing commas and comments, as Prometheus does', () => {
    // Lines from Prometheus's own promparse_test.go.
    const body = [
      '# HELP go_gc_duration_seconds A summary of the GC invocation durations.',
      '# \tTYPE go_gc_duration_seconds summary',
      'go_gc_duration_seconds{quantile="0.25",} 7.424100000000001e-05',
      'go_gc_duration_seconds{ quantile="0.9", a="b"} 8.3835e-05',
      '# Hrandom comment starting with prefix of HELP',
      '#',
      '# comment with escaped \\n newline',
      'go_gc_duration_seconds { quantile = "1.0", a = "b", } 8.3835e-05',
      'go_gc_duration_seconds_count 99',
      'some:aggregate:rate5m{a_b="c"}\t1',
      '   ',
      '# HELP go_goroutines Number of goroutines that currently exist.',
      '# TYPE go_goroutines gauge',
      'go_goroutines 33  \t123123',
      '  _metric_starting_with_underscore 1',
      'testmetric{_label_starting_with_underscore="foo"} 1',
      'null_byte_metric{a="abc\u0000"} 1',
    ].join('\n');
    expect(ok(body)).toEqual([
      {
        name: 'go_gc_duration_seconds',
        type: 'summary',
        help: 'A summary of the GC invocation durations.',
        samples: [
          s('go_gc_duration_seconds', [['quantile', '0.25']], 7.424100000000001e-5),
          s('go_gc_duration_seconds', [['quantile', '0.9'], ['a', 'b']], 8.3835e-5),
          s('go_gc_duration_seconds', [['quantile', '1.0'], ['a', 'b']], 8.3835e-5),
          s('go_gc_duration_seconds_count', [], 99),
        ],
      },
      { name: 'some:aggregate:rate5m', type: 'untyped', samples: [s('some:aggregate:rate5m', [['a_b', 'c']], 1)] },
      { name: 'go_goroutines', type: 'gauge', help: 'Number of goroutines that currently exist.', samples: [s('go_goroutines', [], 33, 123123)] },
      { name: '_metric_starting_with_underscore', type: 'untyped', samples: [s('_metric_starting_with_underscore', [], 1)] },
      { name: 'testmetric', type: 'untyped', samples: [s('testmetric', [['_label_starting_with_underscore', 'foo']], 1)] },
      { name: 'null_byte_metric', type: 'untyped', samples: [s('null_byte_metric', [['a', 'abc\u0000']], 1)] },
    ]);
  });

  it('treats an empty HELP as none, and TYPE tokens separated by any blanks', () => {
    expect(ok('# HELP nohelp1\n# HELP nohelp2 \n# TYPE spaced \t gauge \t\nspaced 1\n')).toEqual([
      { name: 'nohelp1', type: 'untyped', samples: [] },
      { name: 'nohelp2', type: 'untyped', samples: [] },
      { name: 'spaced', type: 'gauge', samples: [s('spaced', [], 1)] },
    ]);
  });

  it('groups histogram and summary samples into their family, and counters with or without _total', () => {
    const body = [
      '# TYPE rpc_seconds summary',
      'rpc_seconds{quantile="0.5"} 0.1',
      'rpc_seconds_sum 12',
      'rpc_seconds_count 40',
      '# TYPE requests counter',
      'requests_total{code="200"} 7',
      '# TYPE latency histogram',
      'latency_bucket{le="1"} 1',
      'latency_bucket{le="+Inf"} 2',
      'latency_sum 1.5',
      'latency_count 2',
      'latency_created 1700000000',
      'latency_sum_extra 3',
    ].join('\n');
    const families = ok(body);
    expect(families.map((f) => [f.name, f.type, f.samples.map((x) => x.name)])).toEqual([
      ['rpc_seconds', 'summary', ['rpc_seconds', 'rpc_seconds_sum', 'rpc_seconds_count']],
      ['requests', 'counter', ['requests_total']],
      ['latency', 'histogram', ['latency_bucket', 'latency_bucket', 'latency_sum', 'latency_count']],
      // Text 0.0.4 has no _created suffix: it is a series of its own, as is any other name.
      ['latency_created', 'untyped', ['latency_created']],
      ['latency_sum_extra', 'untyped', ['latency_sum_extra']],
    ]);
  });

  it('keeps untyped metrics apart by name and merges a family that comes back later', () => {
    const families = ok('a 1\nb_sum 2\nb_count 3\n# TYPE c gauge\nc 4\na{x="y"} 5\nc_sum 6\n');
    expect(families.map((f) => [f.name, f.type, f.samples.map((x) => x.value)])).toEqual([
      ['a', 'untyped', [1, 5]],
      ['b_sum', 'untyped', [2]],
      ['b_count', 'untyped', [3]],
      ['c', 'gauge', [4]],
      ['c_sum', 'untyped', [6]],
    ]);
  });

  it('gives a TYPE that comes after samples of the name to their family', () => {
    expect(ok('x 1\n# TYPE x gauge\nx 2\n')).toEqual([{ name: 'x', type: 'gauge', samples: [s('x', [], 1), s('x', [], 2)] }]);
  });

  it('takes a body without a final line feed, an empty body and one of comments only', () => {
    expect(only('up 1').value).toBe(1);
    expect(ok('')).toEqual([]);
    expect(ok('# just a comment\n\n')).toEqual([]);
  });

  it('reads integer millisecond timestamps, negative ones too, and rejects others', () => {
    expect(only('a 1 1395066363000\n').timestampMs).toBe(1395066363000);
    expect(only('a 1 -3982045\n').timestampMs).toBe(-3982045);
    expect(only('a 1\n')).not.toHaveProperty('timestampMs');
    expect(fail('a 1 1.5\n')).toBe('line 1: expected end of line after the timestamp, got "."');
    expect(fail('a 1 x\n')).toBe('line 1: expected an integer millisecond timestamp or end of line, got "x"');
    expect(fail('a 1 99999999999999999999\n')).toBe('line 1: timestamp "99999999999999999999" is out of range');
    expect(fail('a 0 1_2\n')).toBe('line 1: expected end of line after the timestamp, got "_"');
    expect(fail('a 1 2 3\n')).toBe('line 1: expected end of line after the timestamp, got "3"');
  });
});

describe('escaping', () => {
  it('unescapes \\\\, \\" and \\n in label values and keeps other escapes as written', () => {
    const body = String.raw`a{b="back\\slash",q="say \"hi\"",n="two\nlines",other="\a\t",end="\\"} 1` + '\n';
    expect(only(body).labels).toEqual([
      ['b', 'back\\slash'],
      ['q', 'say "hi"'],
      ['n', 'two\nlines'],
      ['other', '\\a\\t'],
      ['end', '\\'],
    ]);
    expect(only(body.replace('a{', 'a_total{') + '# EOF\n', OM).labels).toEqual(only(body).labels);
  });

  it('unescapes \\\\ and \\n in text HELP, and \\" too in OpenMetrics HELP', () => {
    const help = String.raw`# HELP h A \\ backslash, a \n newline and a \"quote\".` + '\n';
    expect(ok(help)[0]!.help).toBe('A \\ backslash, a \n newline and a \\"quote\\".');
    expect(ok(help + '# EOF\n', OM)[0]!.help).toBe('A \\ backslash, a \n newline and a "quote".');
  });

  it('keeps UTF-8 in label values and help', () => {
    expect(only('a{city="Zürich 東京 🌍"} 1\n').labels).toEqual([['city', 'Zürich 東京 🌍']]);
  });
});

describe('values', () => {
  const value = (v: string) => only(`a ${v}\n`).value;

  it('reads NaN and the infinities in any case, with the signs Go accepts', () => {
    expect(value('NaN')).toBeNaN();
    expect(value('nan')).toBeNaN();
    expect(value('+Inf')).toBe(Infinity);
    expect(value('-Inf')).toBe(-Infinity);
    expect(value('inf')).toBe(Infinity);
    expect(value('Infinity')).toBe(Infinity);
    expect(value('-infinity')).toBe(-Infinity);
    expect(only('a NaN\n# EOF\n', OM).value).toBeNaN();
    expect(only('a +Inf\n# EOF\n', OM).value).toBe(Infinity);
  });

  it('reads integers, decimals and exponents as float64', () => {
    expect(value('0042')).toBe(42);
    expect(value('-0')).toBe(-0);
    expect(value('1.')).toBe(1);
    expect(value('.5')).toBe(0.5);
    expect(value('+1.5e3')).toBe(1500);
    expect(value('1.89e-7')).toBe(1.89e-7);
    expect(value('1341298465647914')).toBe(1341298465647914);
    expect(value('123456789012345678901')).toBe(123456789012345678901);
    expect(value('1e-400')).toBe(0);
  });

  it('rejects what Go ParseFloat rejects, and what Prometheus keeps out (hex, underscores)', () => {
    expect(fail('a true\n')).toBe('line 1: invalid value "true"');
    expect(fail('a +NaN\n')).toBe('line 1: invalid value "+NaN"');
    expect(fail('a 0x1p-3\n')).toBe('line 1: invalid value "0x1p-3"');
    expect(fail('a 0x10\n')).toBe('line 1: invalid value "0x10"');
    expect(fail('a 1_2\n')).toBe('line 1: invalid value "1_2"');
    expect(fail('a 1e\n')).toBe('line 1: invalid value "1e"');
    expect(fail('a .\n')).toBe('line 1: invalid value "."');
    expect(fail('a 1e400\n')).toBe('line 1: value "1e400" is out of range');
    expect(fail('a\n')).toBe('line 1: expected a value, got end of line');
    expect(fail('a{b="c"}')).toBe('line 1: expected a value, got end of input');
  });
});

describe('OpenMetrics 1.0', () => {
  it('parses the complete exposition of the specification', () => {
    // OpenMetrics.md, "Overall Structure", verbatim.
    const body = `# TYPE acme_http_router_request_seconds summary
# UNIT acme_http_router_request_seconds seconds
# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
acme_http_router_request_seconds_sum{path="/api/v2",method="POST"} 479.3
acme_http_router_request_seconds_count{path="/api/v2",method="POST"} 34.0
acme_http_router_request_seconds_created{path="/api/v2",method="POST"} 1605281325.0
# TYPE go_goroutines gauge
# HELP go_goroutines Number of goroutines that currently exist.
go_goroutines 69
# TYPE process_cpu_seconds counter
# UNIT process_cpu_seconds seconds
# HELP process_cpu_seconds Total user and system CPU time spent in seconds.
process_cpu_seconds_total 4.20072246e+06
# EOF
`;
    const v1: Array<[string, string]> = [['path', '/api/v1'], ['method', 'GET']];
    const v2: Array<[string, string]> = [['path', '/api/v2'], ['method', 'POST']];
    expect(ok(body, OM)).toEqual([
      {
        name: 'acme_http_router_request_seconds',
        type: 'summary',
        unit: 'seconds',
        help: "Latency though all of ACME's HTTP request router.",
        samples: [
          s('acme_http_router_request_seconds_sum', v1, 9036.32),
          s('acme_http_router_request_seconds_count', v1, 807283),
          s('acme_http_router_request_seconds_created', v1, 1605281325),
          s('acme_http_router_request_seconds_sum', v2, 479.3),
          s('acme_http_router_request_seconds_count', v2, 34),
          s('acme_http_router_request_seconds_created', v2, 1605281325),
        ],
      },
      { name: 'go_goroutines', type: 'gauge', help: 'Number of goroutines that currently exist.', samples: [s('go_goroutines', [], 69)] },
      {
        name: 'process_cpu_seconds',
        type: 'counter',
        unit: 'seconds',
        help: 'Total user and system CPU time spent in seconds.',
        samples: [s('process_cpu_seconds_total', [], 4200722.46)],
      },
    ]);
  });

  it('parses a histogram with exemplars, as in the specification', () => {
    const body = `# TYPE foo histogram
foo_bucket{le="0.01"} 0
foo_bucket{le="0.1"} 8 # {} 0.054
foo_bucket{le="1"} 11 # {trace_id="KOO5S4vxi0o"} 0.67
foo_bucket{le="10"} 17 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789
foo_bucket{le="+Inf"} 17
foo_count 17
foo_sum 324789.3
foo_created 1520430000.123
# EOF
`;
    expect(ok(body, OM)).toEqual([
      {
        name: 'foo',
        type: 'histogram',
        samples: [
          s('foo_bucket', [['le', '0.01']], 0),
          { ...s('foo_bucket', [['le', '0.1']], 8), exemplar: { labels: [], value: 0.054 } },
          { ...s('foo_bucket', [['le', '1']], 11), exemplar: { labels: [['trace_id', 'KOO5S4vxi0o']], value: 0.67 } },
          { ...s('foo_bucket', [['le', '10']], 17), exemplar: { labels: [['trace_id', 'oHg5SJYRHA0']], value: 9.8, timestampMs: 1520879607789 } },
          s('foo_bucket', [['le', '+Inf']], 17),
          s('foo_count', [], 17),
          s('foo_sum', [], 324789.3),
          s('foo_created', [], 1520430000.123),
        ],
      },
    ]);
    // The specification prints this example's last sample with two spaces, which its ABNF (and
    // Prometheus) rejects.
    expect(fail(body.replace('foo_created 1520430000.123', 'foo_created  1520430000.123'), OM)).toBe(
      'line 9: expected a value, got " "',
    );
  });

  it('parses the counter examples: _total, _created, timestamps in seconds, an exemplar', () => {
    const body = `# TYPE foo counter
foo_total 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67 1520879607.789
foo_created 1520430000.123 1520879607.789
# EOF
`;
    expect(ok(body, OM)).toEqual([
      {
        name: 'foo',
        type: 'counter',
        samples: [
          { ...s('foo_total', [], 17, 1520879607789), exemplar: { labels: [['trace_id', 'KOO5S4vxi0o']], value: 0.67, timestampMs: 1520879607789 } },
          s('foo_created', [], 1520430000.123, 1520879607789),
        ],
      },
    ]);
  });

  it('parses the gaugehistogram, stateset, info, summary and unknown examples', () => {
    const body = `# TYPE gh gaugehistogram
gh_bucket{le="0.01"} 20.0
gh_bucket{le="+Inf"} 42.0
gh_gcount 42.0
gh_gsum 3289.3
# TYPE ss stateset
ss{entity="controller",ss="a"} 1.0
ss{entity="controller",ss="bb"} 0.0
# TYPE inf info
inf_info{name="pretty name",version="8.2.7"} 1
# TYPE sm summary
sm{quantile="0.95"} 123.7
sm_count 17.0
sm_sum 324789.3
sm_created 1520430000.123
# TYPE unk unknown
unk 42.23
# EOF
`;
    const families = ok(body, OM);
    expect(families.map((f) => [f.name, f.type, f.samples.map((x) => x.name)])).toEqual([
      ['gh', 'gaugehistogram', ['gh_bucket', 'gh_bucket', 'gh_gcount', 'gh_gsum']],
      ['ss', 'stateset', ['ss', 'ss']],
      ['inf', 'info', ['inf_info']],
      ['sm', 'summary', ['sm', 'sm_count', 'sm_sum', 'sm_created']],
      ['unk', 'unknown', ['unk']],
    ]);
    expect(families[2]!.samples[0]!.labels).toEqual([['name', 'pretty name'], ['version', '8.2.7']]);
  });

  it('parses MetricPoints with timestamps, and a family without metrics', () => {
    const body = `# TYPE foo_seconds summary
# UNIT foo_seconds seconds
foo_seconds_count{a="bb"} 0 123
foo_seconds_sum{a="bb"} 0 123
foo_seconds_count{a="bb"} 0 456
# TYPE empty gauge
# EOF`;
    expect(ok(body, OM)).toEqual([
      {
        name: 'foo_seconds',
        type: 'summary',
        unit: 'seconds',
        samples: [
          s('foo_seconds_count', [['a', 'bb']], 0, 123000),
          s('foo_seconds_sum', [['a', 'bb']], 0, 123000),
          s('foo_seconds_count', [['a', 'bb']], 0, 456000),
        ],
      },
      { name: 'empty', type: 'gauge', samples: [] },
    ]);
  });

  it('turns second timestamps into milliseconds exactly, truncating towards zero', () => {
    const ts = (t: string) => only(`a 1 ${t}\n# EOF\n`, OM).timestampMs;
    expect(ts('1.005')).toBe(1005); // 1.005 * 1000 is 1004.9999999999999 in float64
    expect(ts('1520879607')).toBe(1520879607000);
    expect(ts('.5')).toBe(500);
    expect(ts('1.5e-3')).toBe(1);
    expect(ts('1.23456789e9')).toBe(1234567890000);
    expect(ts('-1.5')).toBe(-1500);
    expect(ts('-0.0005')).toBe(0);
    expect(ts('1604676851.123456789')).toBe(1604676851123);
    expect(fail('a 1 NaN\n# EOF\n', OM)).toBe('line 1: invalid timestamp "NaN"');
    expect(fail('a 1 +Inf\n# EOF\n', OM)).toBe('line 1: invalid timestamp "+Inf"');
    expect(fail('a 1 1e400\n# EOF\n', OM)).toBe('line 1: timestamp "1e400" is out of range');
  });

  it('treats an empty HELP or UNIT as absent and checks that a unit ends the name', () => {
    expect(ok('# TYPE a_bytes gauge\n# UNIT a_bytes \n# HELP a_bytes \n# EOF\n', OM)).toEqual([{ name: 'a_bytes', type: 'gauge', samples: [] }]);
    expect(fail('# TYPE foo counter\n# UNIT foo seconds\n# EOF\n', OM)).toBe('line 2: unit "seconds" is not a suffix of metric name "foo"');
    expect(fail('# UNIT xseconds seconds\n# EOF\n', OM)).toBe('line 1: unit "seconds" is not a suffix of metric name "xseconds"');
    expect(fail('# UNIT a_b-c b-c\n# EOF\n', OM)).toBe('line 1: expected " " and text after metric name "a_b", got "-"');
  });

  it('requires # EOF at the end and nothing after it', () => {
    expect(ok('# EOF', OM)).toEqual([]);
    expect(fail('', OM)).toBe('line 1: missing "# EOF": an OpenMetrics exposition must end with it');
    expect(fail('# TYPE a gauge\na 1\n', OM)).toBe('line 3: missing "# EOF": an OpenMetrics exposition must end with it');
    expect(fail('# TYPE a gauge\na 1', OM)).toBe('line 2: missing "# EOF": an OpenMetrics exposition must end with it');
    expect(fail('a 1\n# EOF\na 2\n', OM)).toBe('line 3: unexpected data after "# EOF"');
    expect(fail('a 1\n# EOF\n\n', OM)).toBe('line 3: unexpected data after "# EOF"');
    expect(fail('a 1\n# EOF \n', OM)).toBe('line 2: unexpected data after "# EOF"');
  });

  it('rejects what the OpenMetrics ABNF leaves out even where text 0.0.4 allows it', () => {
    expect(fail('a 1\n\n# EOF\n', OM)).toBe('line 2: empty line: OpenMetrics does not allow blank lines');
    expect(fail('# a comment\n# EOF\n', OM)).toBe(
      'line 1: invalid comment "# a comment": OpenMetrics allows only "# TYPE", "# HELP", "# UNIT" and "# EOF"',
    );
    expect(fail('a  1\n# EOF\n', OM)).toBe('line 1: expected a value, got " "');
    expect(fail('a 1 \n# EOF\n', OM)).toBe('line 1: expected a timestamp, got end of line');
    expect(fail('a\t1\n# EOF\n', OM)).toBe('line 1: expected " " before the value, got "\\t"');
    expect(fail('a{b="c", d="e"} 1\n# EOF\n', OM)).toBe('line 1: expected a label name, got " "');
    expect(fail('a{b="c",} 1\n# EOF\n', OM)).toBe('line 1: expected a label name after ",": OpenMetrics does not allow a trailing comma');
    expect(fail('# TYPE a untyped\n# EOF\n', OM)).toBe(
      'line 1: invalid metric type "untyped" for "a": expected counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown',
    );
    expect(fail('# HELP a\n# EOF\n', OM)).toBe('line 1: expected " " and text after metric name "a", got end of line');
    expect(fail('  a 1\n# EOF\n', OM)).toBe('line 1: expected a metric name, got " "');
    expect(fail('a 1 2 3\n# EOF\n', OM)).toBe('line 1: expected a timestamp, an exemplar or end of line, got " "');
  });

  it('gives a sample without TYPE an unknown family of its own name', () => {
    expect(ok('foo_total 1\n# EOF\n', OM)).toEqual([{ name: 'foo_total', type: 'unknown', samples: [s('foo_total', [], 1)] }]);
  });
});

describe('exemplars', () => {
  it('are taken on _total and _bucket samples only', () => {
    expect(only('a_total 1 # {span_id="b7ad6b7169203331"} 1\n# EOF\n', OM).exemplar).toEqual({ labels: [['span_id', 'b7ad6b7169203331']], value: 1 });
    expect(fail('# TYPE g gauge\ng 1 # {trace_id="x"} 1\n# EOF\n', OM)).toBe(
      'line 2: metric "g" cannot have an exemplar: only _total and _bucket samples can',
    );
    expect(fail('a_total 1 # {trace_id="x"}\n# EOF\n', OM)).toBe('line 1: expected " " before the exemplar value, got end of line');
    expect(fail('a_total 1 # {trace_id="x"} 1 2 3\n# EOF\n', OM)).toBe('line 1: expected end of line, got " "');
    expect(fail('a_total 1 # {trace_id="x",trace_id="y"} 1\n# EOF\n', OM)).toBe('line 1: duplicate label name "trace_id"');
    expect(fail('a_total 1 # {trace_id="x"} 1\n', TEXT)).toBe('line 1: expected an integer millisecond timestamp or end of line, got "#"');
  });

  it('are dropped, not the scrape, past 128 code points of label names and values', () => {
    const at = (n: number) => `a_total 1 # {trace_id="${'é'.repeat(n - 8)}"} 1\n# EOF\n`;
    expect(only(at(128), OM).exemplar?.labels[0]![1]).toHaveLength(120);
    expect(only(at(129), OM)).toEqual(s('a_total', [], 1));
    // A code point outside the BMP is two UTF-16 units but counts once.
    expect(only(`a_total 1 # {t="${'😀'.repeat(127)}"} 1\n# EOF\n`, OM).exemplar).toBeDefined();
  });
});

describe('errors', () => {
  it('fail the whole exposition with the line number and the problem, the lines before it kept apart as partial', () => {
    const body = '# TYPE a counter\na_total 1\n\na_total{code="500" 2\na_total 3\n';
    expect(parseExposition(body, TEXT)).toEqual({
      families: [],
      errors: ['line 4: expected "," or "}" after the value of label "code", got "2"'],
      // What Prometheus counts in scrape_samples_scraped before it stops at the bad line.
      partial: [{ name: 'a', type: 'counter', samples: [s('a_total', [], 1)] }],
    });
    expect(parseExposition('a_total 1\n', OM)).toEqual({
      families: [],
      errors: ['line 2: missing "# EOF": an OpenMetrics exposition must end with it'],
      partial: [{ name: 'a_total', type: 'unknown', samples: [s('a_total', [], 1)] }],
    });
  });

  it('name each kind of malformed line', () => {
    expect(fail("a{b='c'} 1\n")).toBe('line 1: expected a quoted value for label "b", got "\'"');
    expect(fail('a{b=\n')).toBe('line 1: expected a quoted value for label "b", got end of line');
    expect(fail('ok 1\nsomething_weird{problem="\n')).toBe('line 2: unterminated value of label "problem": a line break must be written \\n');
    expect(fail('a{b="c\\\n"} 1\n')).toBe('line 1: unterminated value of label "b": a line break must be written \\n');
    expect(fail('empty_label_name{=""} 0\n')).toBe('line 1: expected a label name, got "="');
    expect(fail('a{b="1" c="2"} 1\n')).toBe('line 1: expected "," or "}" after the value of label "b", got "c"');
    expect(fail('a{b="1",b="2"} 1\n')).toBe('line 1: duplicate label name "b"');
    expect(fail('a{b="1"\n')).toBe('line 1: expected "," or "}" after the value of label "b", got end of line');
    expect(fail('a-b 1\n')).toBe('line 1: invalid character "-" after metric name "a"');
    expect(fail('0a 1\n')).toBe('line 1: expected a metric name, got "0"');
    expect(fail('{a="ok"} 1\n')).toBe('line 1: expected a metric name before "{" (quoted metric names are not supported)');
    expect(fail('a{"b.c"="d"} 1\n')).toBe('line 1: quoted label names and metric names in braces are not supported');
    expect(fail('# TYPE #\n')).toBe('line 1: expected a metric name after TYPE, got "#"');
    expect(fail('# HELP "a.b" x\n')).toBe('line 1: quoted metric names are not supported (after HELP)');
    expect(fail('# TYPE a info\n')).toBe('line 1: invalid metric type "info" for "a": expected counter, gauge, histogram, summary or untyped');
    expect(fail('# TYPE a\n')).toBe('line 1: invalid metric type "" for "a": expected counter, gauge, histogram, summary or untyped');
  });

  it('explain a carriage return, which Prometheus rejects too', () => {
    expect(fail('a 1\r\nb 2\r\n')).toBe(
      'line 1: invalid value "1\\r" (the line holds a carriage return: lines must end with \\n alone)',
    );
  });

  it('count every line, blank and comment lines included', () => {
    expect(fail('# HELP a x\n\n   \n# c\na 1\na x\n')).toBe('line 6: invalid value "x"');
    expect(fail('# TYPE a gauge\n# HELP a x\na 1\na{b="\\"} 2\n# EOF\n', OM)).toBe(
      'line 4: unterminated value of label "b": a line break must be written \\n',
    );
  });
});

describe('a real exposer: prom-client', () => {
  /** A registry with one metric of each kind, exemplars in OpenMetrics, and the default metrics. */
  async function scrape(contentType: RegistryContentType): Promise<{ body: string; contentType: string; expected: Array<[string, string]> }> {
    const registry = new Registry<RegistryContentType>();
    registry.setContentType(contentType);
    const exemplars = contentType === Registry.OPENMETRICS_CONTENT_TYPE;
    const jobs = new Counter<string>({ name: 'jobs', help: 'Jobs done.\nSee "runbook".', labelNames: ['queue'], registers: [registry], enableExemplars: exemplars });
    const latency = new Histogram<string>({ name: 'latency_seconds', help: 'Latency.', labelNames: ['method'], buckets: [0.1, 1], registers: [registry], enableExemplars: exemplars });
    const size = new Summary({ name: 'size_bytes', help: 'Size.', percentiles: [0.5, 0.9], registers: [registry] });
    if (exemplars) {
      jobs.inc({ labels: { queue: 'a\\b"c' }, value: 2, exemplarLabels: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' } });
      latency.observe({ labels: { method: 'GET' }, value: 0.5, exemplarLabels: { trace_id: '00f067aa0ba902b7' } });
    } else {
      jobs.inc({ queue: 'a\\b"c' }, 2);
      latency.observe({ method: 'GET' }, 0.5);
    }
    size.observe(3);
    collectDefaultMetrics({ register: registry });
    const expected = (await registry.getMetricsAsJSON()).map((m): [string, string] => [m.name, String(m.type)]);
    return { body: await registry.metrics(), contentType: registry.contentType, expected };
  }

  it.each([Registry.PROMETHEUS_CONTENT_TYPE, Registry.OPENMETRICS_CONTENT_TYPE])('reads every family of a %s body', async (type) => {
    const { body, contentType, expected } = await scrape(type);
    const families = ok(body, contentType);
    const om = type === Registry.OPENMETRICS_CONTENT_TYPE;
    // In OpenMetrics a counter family is named without _total, which its sample carries.
    const named = (name: string, t: string) => (om && t === 'counter' ? name.replace(/_total$/, '') : name);
    expect(families.map((f) => [f.name, f.type])).toEqual(expected.map(([name, t]) => [named(name, t), t]));
    const byName = new Map(families.map((f) => [f.name, f]));
    expect(byName.get('jobs')!.help).toBe('Jobs done.\nSee "runbook".');
    const total = byName.get('jobs')!.samples[0]!;
    expect([total.name, total.labels, total.value]).toEqual([om ? 'jobs_total' : 'jobs', [['queue', 'a\\b"c']], 2]);
    expect(byName.get('latency_seconds')!.samples.map((x) => [x.name, x.labels, x.value])).toEqual([
      ['latency_seconds_bucket', [['le', '0.1'], ['method', 'GET']], 0],
      ['latency_seconds_bucket', [['le', '1'], ['method', 'GET']], 1],
      ['latency_seconds_bucket', [['le', '+Inf'], ['method', 'GET']], 1],
      ['latency_seconds_sum', [['method', 'GET']], 0.5],
      ['latency_seconds_count', [['method', 'GET']], 1],
    ]);
    expect(byName.get('size_bytes')!.samples.map((x) => x.name)).toEqual(['size_bytes', 'size_bytes', 'size_bytes_sum', 'size_bytes_count']);
    const exemplars = families.flatMap((f) => f.samples.flatMap((x) => (x.exemplar ? [x.exemplar] : [])));
    if (!om) {
      expect(exemplars).toEqual([]);
      return;
    }
    expect(exemplars.map((e) => [e.labels, e.value])).toEqual([
      [[['trace_id', '4bf92f3577b34da6a3ce929d0e0e4736']], 2],
      [[['trace_id', '00f067aa0ba902b7']], 0.5],
    ]);
    for (const e of exemplars) expect(Math.abs(e.timestampMs! - Date.now())).toBeLessThan(60_000);
  });
});
