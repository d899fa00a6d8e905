/**
 * The data sources every panel and target names by fixed uid. Their provisioning is
 * dashboards/provisioning/datasources/braid.yaml; the alert list panel names its source by
 * name, as Grafana's panel stores it.
 */
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';

/** Braid's Prometheus API (`<query>/prometheus`): span-derived series, self-metrics, ALERTS, rules. */
export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: 'braid-prometheus' };
/** Braid's Jaeger API on the query port: trace search and the service graph. */
export const JAEGER: DataSourceRef = { type: 'jaeger', uid: 'braid-jaeger' };
/** The Elasticsearch that holds Braid's log documents (`braid-logs-*`, ECS fields). */
export const LOGS: DataSourceRef = { type: 'elasticsearch', uid: 'braid-logs' };

/** The provisioned name of the Prometheus data source (the alert list panel filters by name). */
export const PROMETHEUS_NAME = 'Braid Prometheus';
