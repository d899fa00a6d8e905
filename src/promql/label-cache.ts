/**
 * Label work done once per label set rather than once per step. Label sets are never changed once
 * a sample holds them (every operator builds a new one), so results can be kept by object identity:
 * a series keeps its label object from step to step, and so do the label sets derived from it here.
 */
import type { Labels } from './types.js';
import { dropName, labelsKey } from './values.js';

const keys = new WeakMap<Labels, string>();
const withoutName = new WeakMap<Labels, Labels>();
const groups = [false, true].map(() => new WeakMap<readonly string[], WeakMap<Labels, [Labels, string]>>());

/** labelsKey(l), computed once per label object. */
export function keyOf(l: Labels): string {
  let k = keys.get(l);
  if (k === undefined) keys.set(l, (k = labelsKey(l)));
  return k;
}

/** dropName(l), one object per label object, so what is derived from it can be kept too. */
export function dropNameOnce(l: Labels): Labels {
  let d = withoutName.get(l);
  if (d === undefined) withoutName.set(l, (d = dropName(l)));
  return d;
}

/**
 * The group labels `make(l)` of `l` and their key, once per label object and grouping; `grouping` is
 * the AST node's own array (its identity is the cache key), `without` its modifier.
 */
export function groupOnce(l: Labels, without: boolean, grouping: readonly string[], make: (l: Labels) => Labels): [Labels, string] {
  const byGrouping = groups[without ? 1 : 0]!;
  let byLabels = byGrouping.get(grouping);
  if (byLabels === undefined) byGrouping.set(grouping, (byLabels = new WeakMap()));
  let g = byLabels.get(l);
  if (g === undefined) {
    const metric = make(l);
    byLabels.set(l, (g = [metric, keyOf(metric)]));
  }
  return g;
}
