/** Builds Prometheus remote-write 1.0 bodies (prompb WriteRequest) with Braid's protobuf writer, for tests. */
import { compress } from 'snappyjs';
import { ProtoWriter } from '../../src/model/protobuf/writer.js';
import type { MetricMetadata } from '../../src/receivers/prometheus/remote-write.js';

/** One TimeSeries: labels, samples as [value or 'stale', timestamp ms], exemplars, and a count of native histograms. */
export interface SeriesSpec {
  labels: Array<[string, string]>;
  samples?: Array<[number | 'stale', number]>;
  exemplars?: Array<{ labels: Array<[string, string]>; value: number; ts: number }>;
  histograms?: number;
}

function writeLabels(w: ProtoWriter, field: number, labels: Array<[string, string]>): void {
  for (const [name, value] of labels) {
    w.tag(field, 2);
    const at = w.fork();
    w.tag(1, 2);
    w.string(name);
    w.tag(2, 2);
    w.string(value);
    w.ldelim(at);
  }
}

/** Encodes a WriteRequest with Braid's writer (unsnapped). */
export function encode(series: SeriesSpec[], metadata: MetricMetadata[] = []): Uint8Array {
  const w = new ProtoWriter(64);
  for (const s of series) {
    w.tag(1, 2);
    const ts = w.fork();
    writeLabels(w, 1, s.labels);
    for (const [value, t] of s.samples ?? []) {
      w.tag(2, 2);
      const at = w.fork();
      w.tag(1, 1);
      if (value === 'stale') w.fixed64(0x7ff0000000000002n);
      else w.double(value);
      w.tag(2, 0);
      w.int64(BigInt(t));
      w.ldelim(at);
    }
    for (const ex of s.exemplars ?? []) {
      w.tag(3, 2);
      const at = w.fork();
      writeLabels(w, 1, ex.labels);
      w.tag(2, 1);
      w.double(ex.value);
      w.tag(3, 0);
      w.int64(BigInt(ex.ts));
      w.ldelim(at);
    }
    for (let i = 0; i < (s.histograms ?? 0); i++) {
      // A native histogram: count_int (1) = 3, sum (3) = 1.5; only skipped, so its content is immaterial.
      w.tag(4, 2);
      const at = w.fork();
      w.tag(1, 0);
      w.uint32(3);
      w.tag(3, 1);
      w.double(1.5);
      w.ldelim(at);
    }
    w.ldelim(ts);
  }
  for (const md of metadata) {
    w.tag(3, 2);
    const at = w.fork();
    w.tag(1, 0);
    w.uint32(['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'].indexOf(md.type));
    w.tag(2, 2);
    w.string(md.metricFamilyName);
    w.tag(4, 2);
    w.string(md.help);
    w.tag(5, 2);
    w.string(md.unit);
    w.ldelim(at);
  }
  return w.finish();
}

/** Snappy block compression, as remote write sends it. */
export const snappy = (bytes: Uint8Array | number[]): Buffer => compress(Buffer.from(bytes));
