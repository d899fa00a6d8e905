/**
 * Grafana's Jaeger query model (public/app/plugins/datasource/jaeger/types.ts, Grafana 11.6), which
 * the foundation SDK has no builder for: a typed cog builder, as the SDK's README shows for
 * custom query types.
 */
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
import { JAEGER } from './datasources.js';

/** What a Jaeger target asks for: a trace search or the service dependency graph. */
export type JaegerQueryType = 'search' | 'dependencyGraph';

/** One Jaeger target as Grafana stores it in the dashboard JSON. */
export interface JaegerQuery {
  refId?: string;
  hide?: boolean;
  datasource?: DataSourceRef;
  queryType: JaegerQueryType;
  service?: string;
  operation?: string;
  /** logfmt `key=value` pairs, as the query editor writes them. */
  tags?: string;
  /** Go durations (`100ms`, `1.5s`). */
  minDuration?: string;
  maxDuration?: string;
  limit?: number;
  _implementsDataqueryVariant(): void;
}

/** The fields a dashboard sets on a Jaeger target (the data source is always braid-jaeger). */
export type JaegerQueryFields = Omit<JaegerQuery, 'datasource' | '_implementsDataqueryVariant'>;

/** Builds a Jaeger target on the braid-jaeger data source. */
export class JaegerQueryBuilder implements Builder<Dataquery> {
  private readonly internal: JaegerQuery;

  constructor(fields: JaegerQueryFields) {
    this.internal = { datasource: JAEGER, ...fields, _implementsDataqueryVariant() {} };
  }

  build(): JaegerQuery {
    return this.internal;
  }
}
