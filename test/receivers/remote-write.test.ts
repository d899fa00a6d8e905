import { compress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { BraidError, type ErrorCode } from '../../src/errors.js';
import { DataPointFlags, type MetricsData, type NumberDataPoint } from '../../src/model/metrics.js';
import {
  REMOTE_WRITE_SCOPE_NAME, decodeRemoteWrite, remoteWriteToOtlp, type MetricMetadata, type RemoteWriteDecodeSettings, type WriteRequest,
} from '../../src/receivers/prometheus/remote-write.js';
import { encode, snappy, type SeriesSpec } from '../helpers/remote-write.js';

// Two bodies a real Prometheus (Debian's prometheus 2.42.0) sent to a capturing HTTP server, with
// Content-Encoding: snappy and X-Prometheus-Remote-Write-Version: 0.1.0. It scraped one
// OpenMetrics target every second (--enable-feature=exemplar-storage, remote_write with
// send_exemplars: true and metadata_config.send_interval: 2s) exposing:
//   braid_demo_requests_total{method="GET"} 7 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b7"} 1 1700000000.123
//   braid_demo_temperature_celsius 21.5   (UNIT celsius)
// The first body carries metadata only; the second the scrape's samples, and the exemplar in a
// TimeSeries of its own that repeats the counter's labels.
const PROMETHEUS_METADATA_BODY =
  'bGwaKggBEhNicmFpZF9kZW1vX3JlcXVlc3RzIhFSDQo4IGhhbmRsZWQuGj4IAhIeHSxEdGVtcGVyYXR1cmVfY2Vsc2l1ATcMb29tIB0aJC4qB2NlbHNpdXM=';
const PROMETHEUS_SAMPLES_BODY =
  'gQfweQpyCiUKCF9fbmFtZV9fEhlicmFpZF9kZW1vX3JlcXVlc3RzX3RvdGFsChsKCGluc3RhbmNlEg8xMjcuMC4wLjE6MTkwOTkKCwoDam9iEgRkZW1vCg0KBm1ldGhvZBID' +
  'R0VUEhAJAAAAAAAAHEAQrdX2y6A0CmgKKgoIFXQAHh10SHRlbXBlcmF0dXJlX2NlbHNpdXOmeQARagyANUAQDWoITAoOHd4IAnVwxk4ACADwPxFOCGEKIx1OWBdzY3JhcGVf' +
  'ZHVyYXRpb25fc2Vjb25ktrEAGC8qYD0Z3JUVYwhgCiIdYwAWDWMcc2FtcGxlc18JDwBkysUAAAA1EwhvCjEdYgAlCVMVYlRwb3N0X21ldHJpY19yZWxhYmVsaW5n8nEACF0K' +
  'Hx1xABMRcSBlcmllc19hZGT60AAEvQH+wgJ+wgLwXBpbChsKB3NwYW5faWQSEDAwZjA2N2FhMGJhOTAyYjcKLAoIdHJhY2VfaWQSIDRiZjkyZjM1NzdiMzRkYTZhM2NlOTI5' +
  'ZDBlMGU0NzM2EQAAAAAAAPA/GPvQlf+8MQ==';

// WriteRequest{timeseries: [{labels: [__name__="up", job="a"], samples: [{value: 1, timestamp: 1000}]}]},
// written byte by byte from prompb/remote.proto and types.proto rather than by any encoder.
const HAND_PROTO = [
  0x0a, 0x28, // WriteRequest.timeseries (1, LEN), 40 bytes
  0x0a, 0x0e, 0x0a, 0x08, ...Buffer.from('__name__'), 0x12, 0x02, ...Buffer.from('up'), // TimeSeries.labels (1): Label{1 name, 2 value}
  0x0a, 0x08, 0x0a, 0x03, ...Buffer.from('job'), 0x12, 0x01, ...Buffer.from('a'),
  0x12, 0x0c, 0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0xe8, 0x07, // TimeSeries.samples (2): Sample{1 value double 1.0, 2 timestamp 1000}
];
// The same as a snappy block built by hand: varint length 42, then one literal element of 42 bytes.
const HAND_SNAPPY = [0x2a, (42 - 1) << 2, ...HAND_PROTO];


function decodeError(body: Buffer, settings?: RemoteWriteDecodeSettings): BraidError {
  try {
    decodeRemoteWrite(body, settings);
  } catch (err) {
    if (err instanceof BraidError) return err;
    throw err;
  }
  throw new Error('expected decodeRemoteWrite to throw');
}

function expectRejected(body: Buffer, code: ErrorCode, message: string, settings?: RemoteWriteDecodeSettings): void {
  const err = decodeError(body, settings);
  expect({ code: err.code, message: err.message, http: err.httpStatus }).toEqual({ code, message, http: code === 'BRAID_ERR_HTTP_BODY_TOO_LARGE' ? 413 : 400 });
}

const point = (ms: number, value: number, attributes: NumberDataPoint['attributes'] = {}, extra: Partial<NumberDataPoint> = {}): NumberDataPoint => ({
  attributes, startTimeUnixNano: 0n, timeUnixNano: BigInt(ms) * 1_000_000n, exemplars: [], flags: 0, value, ...extra,
});

describe('decodeRemoteWrite', () => {
  it('decodes the bodies a real Prometheus sent', () => {
    const metadata = decodeRemoteWrite(Buffer.from(PROMETHEUS_METADATA_BODY, 'base64'));
    expect(metadata).toEqual({
      timeseries: [],
      metadata: [
        { type: 'counter', metricFamilyName: 'braid_demo_requests', help: 'Requests handled.', unit: '' },
        { type: 'gauge', metricFamilyName: 'braid_demo_temperature_celsius', help: 'Room temperature.', unit: 'celsius' },
      ],
    });
    const req = decodeRemoteWrite(Buffer.from(PROMETHEUS_SAMPLES_BODY, 'base64'));
    const target: Array<[string, string]> = [['instance', '127.0.0.1:19099'], ['job', 'demo']];
    const labels = (name: string, ...more: Array<[string, string]>) => [['__name__', name], ...target, ...more].map(([n, v]) => ({ name: n, value: v }));
    const at = 1_795_455_560_365;
    expect(req.metadata).toEqual([]);
    expect(req.timeseries.map((ts) => ({ ...ts, samples: ts.samples.map((s) => ({ ...s, value: Number(s.value.toFixed(9)) })) }))).toEqual([
      { labels: labels('braid_demo_requests_total', ['method', 'GET']), samples: [{ value: 7, timestampMs: at, stale: false }], exemplars: [], histograms: 0 },
      { labels: labels('braid_demo_temperature_celsius'), samples: [{ value: 21.5, timestampMs: at, stale: false }], exemplars: [], histograms: 0 },
      { labels: labels('up'), samples: [{ value: 1, timestampMs: at, stale: false }], exemplars: [], histograms: 0 },
      { labels: labels('scrape_duration_seconds'), samples: [{ value: 0.021347422, timestampMs: at, stale: false }], exemplars: [], histograms: 0 },
      { labels: labels('scrape_samples_scraped'), samples: [{ value: 2, timestampMs: at, stale: false }], exemplars: [], histograms: 0 },
      { labels: labels('scrape_samples_post_metric_relabeling'), samples: [{ value: 2, timestampMs: at, stale: false }], exemplars: [], histograms: 0 },
      { labels: labels('scrape_series_added'), samples: [{ value: 2, timestampMs: at, stale: false }], exemplars: [], histograms: 0 },
      {
        labels: labels('braid_demo_requests_total', ['method', 'GET']),
        samples: [],
        exemplars: [
          {
            labels: [{ name: 'span_id', value: '00f067aa0ba902b7' }, { name: 'trace_id', value: '4bf92f3577b34da6a3ce929d0e0e4736' }],
            value: 1,
            timestampMs: 1_700_000_000_123,
          },
        ],
        histograms: 0,
      },
    ]);
  });

  it('reads a body built byte by byte from the spec, and Braid\'s writer encodes it identically', () => {
    const expected: WriteRequest = {
      timeseries: [{ labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }], samples: [{ value: 1, timestampMs: 1000, stale: false }], exemplars: [], histograms: 0 }],
      metadata: [],
    };
    expect(HAND_PROTO.length).toBe(42);
    expect(decodeRemoteWrite(Buffer.from(HAND_SNAPPY))).toEqual(expected);
    expect(decodeRemoteWrite(snappy(HAND_PROTO))).toEqual(expected);
    expect([...encode([{ labels: [['__name__', 'up'], ['job', 'a']], samples: [[1, 1000]] }])]).toEqual(HAND_PROTO);
  });

  it('tells a staleness marker from an ordinary NaN by its bits', () => {
    const req = decodeRemoteWrite(snappy(encode([{ labels: [['__name__', 'x']], samples: [['stale', 1], [NaN, 2], [0, 3]] }])));
    expect(req.timeseries[0]!.samples.map((s) => [Number.isNaN(s.value), s.stale])).toEqual([[true, true], [true, false], [false, false]]);
  });

  it('counts native histograms without decoding them', () => {
    const req = decodeRemoteWrite(snappy(encode([{ labels: [['__name__', 'rpc_duration_seconds']], histograms: 2 }])));
    expect(req.timeseries[0]).toMatchObject({ samples: [], histograms: 2 });
  });

  it('rejects a body that is not snappy-compressed, saying why', () => {
    const bad = 'BRAID_ERR_REMOTE_WRITE_DECODE';
    // The protobuf sent without compression: its first byte (0x0a) reads as a declared length of 10.
    expectRejected(Buffer.from(HAND_PROTO), bad, 'body is not snappy-compressed: data exceeds the declared length of 10 bytes');
    expectRejected(Buffer.from('{"timeseries":[]}'), bad, 'body is not snappy-compressed: copy at byte 1 refers to offset 26996 before the start of the output');
    expectRejected(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00]), bad, 'body is not snappy-compressed: copy at byte 1 refers to offset 8 before the start of the output');
    expectRejected(Buffer.alloc(0), bad, 'body is not snappy-compressed: empty body');
    expectRejected(Buffer.from(HAND_SNAPPY.slice(0, -1)), bad, 'body is not snappy-compressed: literal of 42 bytes at byte 1 runs past the end');
    expectRejected(Buffer.from([0x80, 0x80]), bad, 'body is not snappy-compressed: truncated length header');
    expectRejected(Buffer.from([0x05, 0x00, 0x61]), bad, 'body is not snappy-compressed: data ends after 1 of the declared 5 bytes');
    // snappyjs alone would return this cut body zero-padded to the declared 23 bytes.
    const cut = compress(Buffer.from('hello hello hello hello'));
    expectRejected(cut.subarray(0, cut.length - 3), bad, 'body is not snappy-compressed: data ends after 6 of the declared 23 bytes');
  });

  it('refuses a body that would decompress past the limit before allocating it', () => {
    const body = snappy(Buffer.alloc(4096, 0x61));
    expectRejected(body, 'BRAID_ERR_HTTP_BODY_TOO_LARGE', 'remote write body decompresses to 4096 bytes, more than the limit of 1024', { maxDecodedBytes: 1024 });
    expectRejected(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), 'BRAID_ERR_HTTP_BODY_TOO_LARGE', 'remote write body decompresses to 4294967295 bytes, more than the limit of 20971520');
  });

  it('names the protobuf fault', () => {
    const bad = 'BRAID_ERR_REMOTE_WRITE_DECODE';
    // TimeSeries.labels (field 1) sent as a varint.
    expectRejected(snappy([0x0a, 0x02, 0x08, 0x01]), bad, 'malformed WriteRequest: TimeSeries.labels (field 1) at offset 2: expected wire type 2 (length-delimited), got 0 (varint)');
    expectRejected(snappy([0x0a, 0x05, 0x0a, 0x09]), bad, 'malformed WriteRequest: length 5 at offset 1 exceeds the 2 bytes remaining');
    expectRejected(snappy(encode([{ labels: [['__name__', 'x']], samples: [[1, -5]] }])), bad, 'malformed WriteRequest: timestamp -5 ms at offset 29 is outside 1970 to 2554 (OTLP times are unsigned nanoseconds)');
  });

  it('validates every series: __name__, label names, duplicates', () => {
    const bad = 'BRAID_ERR_REMOTE_WRITE_DECODE';
    const ok: SeriesSpec = { labels: [['__name__', 'up']], samples: [[1, 1]] };
    expectRejected(snappy(encode([ok, { labels: [['job', 'api']], samples: [[1, 1]] }])), bad, 'timeseries[1]: missing __name__ label (labels: {"job":"api"})');
    expectRejected(snappy(encode([{ labels: [['__name__', '']] }])), bad, 'timeseries[0]: missing __name__ label (labels: {"__name__":""})');
    expectRejected(snappy(encode([{ labels: [['__name__', 'up'], ['1st', 'x']] }])), bad, 'timeseries[0]: invalid label name "1st"');
    expectRejected(snappy(encode([{ labels: [['__name__', 'up'], ['http.method', 'GET']] }])), bad, 'timeseries[0]: invalid label name "http.method"');
    expectRejected(snappy(encode([{ labels: [['__name__', 'up'], ['', 'x']] }])), bad, 'timeseries[0]: invalid label name ""');
    expectRejected(snappy(encode([{ labels: [['__name__', 'up'], ['job', 'a'], ['job', 'b']] }])), bad, 'timeseries[0]: duplicate label name "job"');
    expectRejected(snappy(encode([{ labels: [['__name__', 'http.requests']] }])), bad, 'timeseries[0]: invalid metric name "http.requests"');
    expectRejected(
      snappy(encode([{ labels: [['__name__', 'up']], exemplars: [{ labels: [['trace-id', 'x']], value: 1, ts: 1 }] }])),
      bad,
      'timeseries[0] (up).exemplars[0]: invalid label name "trace-id"',
    );
    // Recording-rule names with colons are valid metric names; Prometheus 3's UTF-8 names pass with names: 'utf8'.
    expect(() => decodeRemoteWrite(snappy(encode([{ labels: [['__name__', 'job:up:sum']] }])))).not.toThrow();
    const utf8 = decodeRemoteWrite(snappy(encode([{ labels: [['__name__', 'http.requests'], ['http.method', 'GET']] }])), { names: 'utf8' });
    expect(utf8.timeseries[0]!.labels[1]).toEqual({ name: 'http.method', value: 'GET' });
    expectRejected(snappy(encode([{ labels: [['__name__', 'x'], ['', 'v']] }])), bad, 'timeseries[0]: invalid label name ""', { names: 'utf8' });
  });
});

describe('remoteWriteToOtlp', () => {
  it('translates the real Prometheus bodies, typed by the metadata Prometheus sent before', () => {
    const metadata = decodeRemoteWrite(Buffer.from(PROMETHEUS_METADATA_BODY, 'base64')).metadata;
    const req = decodeRemoteWrite(Buffer.from(PROMETHEUS_SAMPLES_BODY, 'base64'));
    const data = remoteWriteToOtlp(req, { metadata: new Map(metadata.map((md) => [md.metricFamilyName, md])) });
    const at = 1_795_455_560_365;
    expect(data.resourceMetrics).toHaveLength(1);
    const rm = data.resourceMetrics[0]!;
    expect(rm.resource).toEqual({ attributes: { 'service.name': 'demo', 'service.instance.id': '127.0.0.1:19099' }, droppedAttributesCount: 0 });
    expect(rm.scopeMetrics).toHaveLength(1);
    expect(rm.scopeMetrics[0]!.scope).toEqual({ name: REMOTE_WRITE_SCOPE_NAME, version: '', attributes: {}, droppedAttributesCount: 0 });
    const metrics = rm.scopeMetrics[0]!.metrics;
    expect(metrics.map((m) => [m.name, m.metadata['prometheus.type'], m.description, m.unit])).toEqual([
      ['braid_demo_requests_total', 'counter', 'Requests handled.', ''],
      ['braid_demo_temperature_celsius', 'gauge', 'Room temperature.', 'celsius'],
      ['up', 'unknown', '', ''],
      ['scrape_duration_seconds', 'unknown', '', ''],
      ['scrape_samples_scraped', 'unknown', '', ''],
      ['scrape_samples_post_metric_relabeling', 'unknown', '', ''],
      ['scrape_series_added', 'unknown', '', ''],
    ]);
    // The exemplar came in a TimeSeries of its own: it joins the counter's sample.
    expect(metrics[0]!.data).toEqual({
      type: 'gauge',
      dataPoints: [
        point(at, 7, { method: 'GET' }, {
          exemplars: [{ filteredAttributes: {}, timeUnixNano: 1_700_000_000_123_000_000n, value: 1, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' }],
        }),
      ],
    });
    expect(metrics[1]!.data).toEqual({ type: 'gauge', dataPoints: [point(at, 21.5)] });
  });

  it('groups series by job and instance into resources, labels less __name__, job and instance becoming attributes', () => {
    const req = decodeRemoteWrite(
      snappy(
        encode([
          { labels: [['__name__', 'up'], ['job', 'api'], ['instance', 'a:1']], samples: [[1, 1000]] },
          { labels: [['__name__', 'up'], ['job', 'api'], ['instance', 'b:1']], samples: [[0, 1000]] },
          { labels: [['__name__', 'http_requests_total'], ['job', 'api'], ['instance', 'a:1'], ['code', '200'], ['path', '']], samples: [[5, 1000], [6, 2000]] },
          { labels: [['__name__', 'cluster:cpu:sum']], samples: [[0.5, 1000]] },
          { labels: [['__name__', 'no_samples'], ['job', 'api']] },
        ]),
      ),
    );
    const data: MetricsData = remoteWriteToOtlp(req);
    const scope = { name: REMOTE_WRITE_SCOPE_NAME, version: '', attributes: {}, droppedAttributesCount: 0 };
    const gauge = (name: string, dataPoints: NumberDataPoint[]) => ({ name, description: '', unit: '', data: { type: 'gauge', dataPoints }, metadata: { 'prometheus.type': 'unknown' } });
    expect(data).toEqual({
      resourceMetrics: [
        {
          resource: { attributes: { 'service.name': 'api', 'service.instance.id': 'a:1' }, droppedAttributesCount: 0 },
          schemaUrl: '',
          scopeMetrics: [{ scope, schemaUrl: '', metrics: [gauge('up', [point(1000, 1)]), gauge('http_requests_total', [point(1000, 5, { code: '200' }), point(2000, 6, { code: '200' })])] }],
        },
        {
          resource: { attributes: { 'service.name': 'api', 'service.instance.id': 'b:1' }, droppedAttributesCount: 0 },
          schemaUrl: '',
          scopeMetrics: [{ scope, schemaUrl: '', metrics: [gauge('up', [point(1000, 0)])] }],
        },
        { resource: { attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', scopeMetrics: [{ scope, schemaUrl: '', metrics: [gauge('cluster:cpu:sum', [point(1000, 0.5)])] }] },
      ],
    });
  });

  it('marks staleness markers NO_RECORDED_VALUE', () => {
    const data = remoteWriteToOtlp(decodeRemoteWrite(snappy(encode([{ labels: [['__name__', 'up']], samples: [[1, 1000], ['stale', 2000], [NaN, 3000]] }]))));
    const points = data.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.data.dataPoints as NumberDataPoint[];
    expect(points.map((p) => p.flags)).toEqual([0, DataPointFlags.NO_RECORDED_VALUE, 0]);
  });

  it('takes trace and span IDs from exemplar labels, the rest as attributes, and attaches each exemplar to its sample', () => {
    const req = decodeRemoteWrite(
      snappy(
        encode([
          {
            labels: [['__name__', 'rpc_duration_seconds_bucket'], ['le', '0.5']],
            samples: [[3, 1000], [4, 2000]],
            exemplars: [
              { labels: [['trace_id', '4BF92F3577B34DA6A3CE929D0E0E4736'], ['span_id', '00F067AA0BA902B7'], ['user', 'u1']], value: 0.25, ts: 1000 },
              { labels: [['trace_id', 'not-hex'], ['span_id', '0000000000000000']], value: 0.4, ts: 1500 },
            ],
          },
        ]),
      ),
    );
    const points = remoteWriteToOtlp(req).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.data.dataPoints as NumberDataPoint[];
    expect(points.map((p) => p.exemplars)).toEqual([
      [{ filteredAttributes: { user: 'u1' }, timeUnixNano: 1_000_000_000n, value: 0.25, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' }],
      // No sample at 1500: the series' last sample takes it; IDs that are not valid stay labels.
      [{ filteredAttributes: { trace_id: 'not-hex', span_id: '0000000000000000' }, timeUnixNano: 1_500_000_000n, value: 0.4, traceId: '', spanId: '' }],
    ]);
    expect(points[0]!.attributes).toEqual({ le: '0.5' });
  });

  it('types series by the family their name extends, from the request or from earlier metadata', () => {
    const histogram: MetricMetadata = { type: 'histogram', metricFamilyName: 'rpc_duration_seconds', help: 'RPC latency.', unit: 'seconds' };
    const summary: MetricMetadata = { type: 'summary', metricFamilyName: 'gc_pause_seconds', help: '', unit: '' };
    const series: SeriesSpec[] = ['rpc_duration_seconds_bucket', 'rpc_duration_seconds_sum', 'rpc_duration_seconds_count', 'gc_pause_seconds', 'gc_pause_seconds_count', 'other'].map((name) => ({
      labels: [['__name__', name]],
      samples: [[1, 1000]],
    }));
    const types = (data: MetricsData) => data.resourceMetrics[0]!.scopeMetrics[0]!.metrics.map((m) => [m.name, m.metadata['prometheus.type']]);
    const expected = [
      ['rpc_duration_seconds_bucket', 'histogram'], ['rpc_duration_seconds_sum', 'histogram'], ['rpc_duration_seconds_count', 'histogram'],
      ['gc_pause_seconds', 'summary'], ['gc_pause_seconds_count', 'summary'], ['other', 'unknown'],
    ];
    expect(types(remoteWriteToOtlp(decodeRemoteWrite(snappy(encode(series, [histogram, summary])))))).toEqual(expected);
    const cache = new Map([[histogram.metricFamilyName, histogram], [summary.metricFamilyName, summary]]);
    expect(types(remoteWriteToOtlp(decodeRemoteWrite(snappy(encode(series))), { metadata: cache }))).toEqual(expected);
  });
});
