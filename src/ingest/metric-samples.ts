/**
 * Stored metric samples: the Prometheus samples of an OTLP request (src/model/prometheus-samples.ts)
 * gathered into the groups the store indexes (docs/adr/0006).
 */
import { createHash } from 'node:crypto';
import type { MetricsData } from '../model/metrics.js';
import { translateMetrics as translateToSamples } from '../model/prometheus-samples.js';
import { MAX_GROUP_SAMPLES, MAX_SERIES_ID_CHARS, seriesId, ungroupSamples, type GroupedSample, type SampleDocument, type SampleGroupDocument } from '../storage/store.js';

export { expUpperBound, prometheusLabelName, prometheusMetricName } from '../model/prometheus-samples.js';

/** Sample groups of a request, and how many data points were left out (delta temporality: Prometheus has none). */
export interface SampleTranslation {
  groups: SampleGroupDocument[];
  droppedPoints: number;
}

/** The sample groups of an export request: what the ingester stores. */
export function metricSampleGroups(data: MetricsData): SampleGroupDocument[] {
  return translateMetrics(data).groups;
}

/** The samples of an export request, one by one. */
export function metricSamples(data: MetricsData): SampleDocument[] {
  return translateMetrics(data).groups.flatMap(ungroupSamples);
}

/**
 * Translates a request to sample groups. Sums, histograms and exponential histograms that are not
 * cumulative are dropped (the OTel spec's MUST for a stateless exporter), and counted.
 */
export function translateMetrics(data: MetricsData): SampleTranslation {
  const groups = new Groups();
  const { droppedPoints } = translateToSamples(data, groups);
  return { groups: groups.finish(), droppedPoints };
}

/** A group being filled, with the label values it has seen. */
interface OpenGroup {
  doc: SampleGroupDocument;
  labels: Map<string, Set<string>>;
}

/**
 * Collects samples into groups by metric name, type, service and millisecond, in the order the
 * request gives them; a full group (MAX_GROUP_SAMPLES) is closed and the next sample opens another.
 */
class Groups {
  private readonly open = new Map<string, OpenGroup>();
  private readonly all: OpenGroup[] = [];

  add(name: string, type: string, service: string | undefined, ms: number, sample: GroupedSample): void {
    const key = `${name}\u0000${type}\u0000${service ?? ''}\u0000${ms}`;
    let g = this.open.get(key);
    if (g === undefined || g.doc.samples.length >= MAX_GROUP_SAMPLES) {
      const doc: SampleGroupDocument = { '@timestamp': new Date(ms).toISOString(), 'group.id': '', 'metric.name': name, 'metric.type': type, labels: {}, samples: [] };
      if (service !== undefined) doc['service.name'] = service;
      g = { doc, labels: new Map() };
      this.open.set(key, g);
      this.all.push(g);
    }
    g.doc.samples.push(sample);
    for (const k in sample.labels) {
      let values = g.labels.get(k);
      if (values === undefined) g.labels.set(k, (values = new Set()));
      values.add(sample.labels[k]!);
    }
  }

  /** The groups, each with its label values, exemplar traces (exemplars are set after `add`) and ID. */
  finish(): SampleGroupDocument[] {
    return this.all.map((g) => {
      for (const [k, values] of g.labels) g.doc.labels[k] = [...values];
      const traces = new Set<string>();
      for (const s of g.doc.samples) if (s.exemplar?.['trace.id'] !== undefined) traces.add(s.exemplar['trace.id']);
      if (traces.size > 0) g.doc['exemplar.trace.id'] = [...traces];
      addSeriesFields(g.doc, g.labels.keys());
      g.doc['group.id'] = groupId(g.doc);
      return g.doc;
    });
  }
}

/**
 * The fields the metadata endpoints aggregate (docs/adr/0012): each sample's series identity and
 * the group's label names. Left out when an identity is too long for a keyword term, so the
 * store reads that group's samples instead of answering without it.
 */
function addSeriesFields(doc: SampleGroupDocument, names: Iterable<string>): void {
  const ids = new Set<string>();
  for (const s of doc.samples) {
    const id = seriesId(doc['metric.name'], s.labels);
    if (id.length > MAX_SERIES_ID_CHARS) return;
    ids.add(id);
  }
  doc['series.id'] = [...ids];
  doc['label.names'] = ['__name__', ...names];
}

/**
 * The group's document ID: a hash of name, type, service, time and every sample's series, so the
 * same record read again gives the same IDs, and two requests with different series at the same
 * millisecond do not overwrite each other.
 */
export function groupId(g: Pick<SampleGroupDocument, '@timestamp' | 'metric.name' | 'metric.type' | 'service.name' | 'samples'>): string {
  const h = createHash('sha1').update(`${g['metric.name']}\u0000${g['metric.type']}\u0000${g['service.name'] ?? ''}\u0000${g['@timestamp']}`);
  for (const s of g.samples) {
    let series = '\u0001';
    for (const k in s.labels) series += `${k}\u0000${s.labels[k]}\u0000`;
    h.update(series);
  }
  return h.digest('base64url');
}
