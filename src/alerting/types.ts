/**
 * Types the alerting components meet on: the rule evaluator produces them, the notifier sends them,
 * the head and the queue carry the samples. Kept here so no alerting component imports another.
 */
import type { Labels } from '../promql/types.js';

/** One alert as Prometheus sends it to Alertmanager (POST /api/v2/alerts). Times are RFC 3339. */
export interface NotifiableAlert {
  labels: Labels;
  annotations: Labels;
  startsAt: string;
  /** For a firing alert: now + 4 x max(evaluation interval, resend delay); for a resolved one: when it resolved. */
  endsAt: string;
  generatorURL: string;
}

/** A sample the alerter writes: recording-rule output, ALERTS, ALERTS_FOR_STATE, notification log. */
export interface OutputSample {
  labels: Labels;
  t: number;
  v: number;
  /** A staleness marker (the series ended). */
  stale?: boolean;
}

/** The alert states of Prometheus's rules API. */
export type AlertState = 'inactive' | 'pending' | 'firing';

/** Finds example traces for an alert: trace IDs (32 hex) of requests behind it, newest first. */
export type ExampleTraceFinder = (q: { expr: string; labels: Labels; startMs: number; endMs: number; limit: number }) => Promise<string[]>;
