/**
 * Types the scraper's parts share: service discovery produces target groups, relabeling turns
 * their labels into scrape targets, the scrape loop scrapes them.
 */

/** A label set. Names starting with `__` are internal: dropped after target relabeling. */
export type Labels = Record<string, string>;

/**
 * A group of targets as service discovery yields it (Prometheus's targetgroup.Group): every
 * target has `__address__`; `labels` apply to all of them; `source` identifies the group within
 * its provider, so an update with the same source replaces it and an empty one removes it.
 */
export interface TargetGroup {
  source: string;
  targets: Labels[];
  labels: Labels;
}

/** A discovery mechanism: it calls `onUpdate` with the groups that changed, until stopped. */
export interface Discoverer {
  stop(): Promise<void>;
}
