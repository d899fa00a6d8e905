/**
 * The head's inverted index: label name -> value -> ids of the series that have it. A selector is
 * resolved from the index alone: a matcher that refuses the empty value selects the union of the
 * values it accepts; one that accepts it (`!=`, `!~`, `=~".*"`, `=""`) removes the union of the
 * values it refuses from what is left, as Prometheus's PostingsForMatchers does.
 */
import { makeMatcher } from '../parse.js';
import type { LabelMatcher, Labels } from '../types.js';

/** A matcher with its test (the engine's compiled form). */
export interface CompiledMatcher extends LabelMatcher {
  matches: (value: string) => boolean;
}

/** The index. */
export class Postings {
  private readonly byName = new Map<string, Map<string, Set<number>>>();

  /** Indexes series `id`. */
  add(id: number, labels: Labels): void {
    for (const name in labels) {
      let values = this.byName.get(name);
      if (values === undefined) this.byName.set(name, (values = new Map()));
      let ids = values.get(labels[name]!);
      if (ids === undefined) values.set(labels[name]!, (ids = new Set()));
      ids.add(id);
    }
  }

  /** Removes series `id`. */
  remove(id: number, labels: Labels): void {
    for (const name in labels) {
      const values = this.byName.get(name);
      const ids = values?.get(labels[name]!);
      if (values === undefined || ids === undefined) continue;
      ids.delete(id);
      if (ids.size === 0) values.delete(labels[name]!);
      if (values.size === 0) this.byName.delete(name);
    }
  }

  /** Every label name. */
  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  /** The values of `name`, each with its series. */
  values(name: string): ReadonlyMap<string, ReadonlySet<number>> {
    return this.byName.get(name) ?? new Map();
  }

  /** Ids of the series matching every matcher, among `all`. */
  resolve(matchers: readonly CompiledMatcher[], all: Iterable<number>): Set<number> {
    const include: Array<Set<number>> = [];
    const exclude: Array<Set<number>> = [];
    for (const m of matchers) {
      const values = this.byName.get(m.name);
      const takesEmpty = m.matches('');
      if (m.type === '=' && !takesEmpty) {
        include.push((values?.get(m.value) as Set<number> | undefined) ?? new Set());
        continue;
      }
      const set = new Set<number>();
      if (values !== undefined) {
        for (const [v, ids] of values) {
          if (m.matches(v) !== takesEmpty) for (const id of ids) set.add(id);
        }
      }
      (takesEmpty ? exclude : include).push(set);
    }
    include.sort((a, b) => a.size - b.size);
    const out = new Set<number>();
    const first = include.length > 0 ? include[0]! : all;
    next: for (const id of first) {
      for (let i = 1; i < include.length; i++) if (!include[i]!.has(id)) continue next;
      for (const ex of exclude) if (ex.has(id)) continue next;
      out.add(id);
    }
    return out;
  }
}

const compiled = new Map<string, CompiledMatcher>();
const MAX_COMPILED = 1_000;

/**
 * Compiled matchers: the engine's own when given, else compiled through the engine's makeMatcher
 * (RE2 semantics) and kept in a small cache, since rules send the same selectors every round.
 */
export function compileMatchers(matchers: readonly LabelMatcher[], fail: (msg: string) => never): CompiledMatcher[] {
  return matchers.map((m) => {
    const own = (m as Partial<CompiledMatcher>).matches;
    if (own !== undefined) return { type: m.type, name: m.name, value: m.value, matches: own };
    const key = `${m.type}\u0000${m.name}\u0000${m.value}`;
    let c = compiled.get(key);
    if (c === undefined) {
      c = makeMatcher(m.type, m.name, m.value, fail);
      if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
      compiled.set(key, c);
    }
    return c;
  });
}
