/**
 * Prometheus relabeling, as Prometheus 3's model/relabel package does it (built with Go 1.26):
 * rules of `relabel_configs` and `metric_relabel_configs`, loaded and validated by
 * `relabel-config.ts` (regexes and templates compiled by src/model/text/regex.ts and
 * template.ts), applied here as `relabel.Process` applies them.
 *
 * - The regex matches the whole string: it is compiled as `^(?s:<regex>)$`, so `.` also matches
 *   `\n` unless the regex says `(?-s)`.
 * - `replace` whose regex does not match, or whose expanded target is no valid label name, changes
 *   nothing; an empty result deletes the target label. Setting any label to an empty value deletes it.
 * - `hashmod`: the last 8 bytes of the MD5 of the joined source values, big-endian, modulo the
 *   modulus. `lowercase`/`uppercase` map each code point as Go's strings.ToLower/ToUpper do
 *   (simple case mappings: `ß` stays `ß`, `İ` becomes `i`).
 * - `labelmap` visits the labels as Prometheus's labels.Builder ranges them (untouched input
 *   labels in name order, then the ones set by earlier rules in the order they were set), so
 *   when two names map to the same new name the same one wins.
 */
import { createHash } from 'node:crypto';
import type { RegexMatcher } from '../../../model/text/regex.js';
import { expand, type Template } from '../../../model/text/template.js';
import type { Labels } from './types.js';

/** A relabel rule as written in YAML (Prometheus's `relabel_config`). */
export interface RelabelConfig {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  modulus?: number;
  target_label?: string;
  replacement?: string;
  action?: string;
}

/** The relabel actions, lower-case (YAML may spell them in any case). */
export type RelabelAction =
  | 'replace'
  | 'keep'
  | 'drop'
  | 'keepequal'
  | 'dropequal'
  | 'hashmod'
  | 'labelmap'
  | 'labeldrop'
  | 'labelkeep'
  | 'lowercase'
  | 'uppercase';

/** Which label names are valid: Prometheus's legacy character set, or any non-empty UTF-8. */
export type LabelNameScheme = 'legacy' | 'utf8';

/** A validated rule, ready for `relabel`: effective settings (defaults filled in), compiled forms. */
export interface CompiledRelabel {
  readonly action: RelabelAction;
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  /** The regex as written, without the anchoring Prometheus adds. */
  readonly regex: string;
  readonly modulus: number;
  readonly targetLabel: string;
  readonly replacement: string;
  readonly matcher: RegexMatcher;
  /** `target_label` as a template (`replace` expands it). */
  readonly targetTemplate: Template;
  readonly replacementTemplate: Template;
  /** Whether a label name produced at run time is valid (the scheme's rule). */
  readonly isValidName: (name: string) => boolean;
  readonly modulusBig: bigint;
}

/**
 * Applies the rules in order, as Prometheus's relabel.Process. Returns undefined when a rule drops
 * the label set. Never mutates `labels`: when no rule changes anything, returns `labels` itself.
 */
export function relabel(labels: Labels, rules: readonly CompiledRelabel[]): Labels | undefined {
  if (rules.length === 0) return labels;
  let tracking = false;
  for (const rule of rules) if (rule.action === 'labelmap') tracking = true;
  const b = builder;
  b.reset(labels, tracking);
  for (const rule of rules) {
    if (!applyRule(rule, b)) {
      b.finish();
      return undefined;
    }
  }
  return b.finish();
}

// ---------------------------------------------------------------------------------------------
// Applying rules.

/**
 * Prometheus's labels.Builder over a plain object, copy-on-write: the input is copied on the
 * first change only. When a labelmap rule is present it also keeps the Builder's order of set
 * labels, which decides the labelmap result when two names map to one. One instance, reset per
 * call: relabel is synchronous and calls nothing that could re-enter it.
 */
class LabelBuilder {
  private base: Labels = {};
  private cur: Labels = {};
  private owned = false;
  private tracking = false;
  /** Names set (and not deleted since), in the order the Builder's `add` list holds them. */
  private readonly order: string[] = [];
  /** Input names set or deleted: Range no longer takes them from the input. */
  private readonly touched = new Set<string>();

  reset(base: Labels, tracking: boolean): void {
    this.base = base;
    this.cur = base;
    this.owned = false;
    this.tracking = tracking;
    if (tracking) {
      this.order.length = 0;
      this.touched.clear();
    }
  }

  finish(): Labels {
    const result = this.cur;
    this.base = this.cur = {};
    return result;
  }

  get(name: string): string {
    const v = this.cur[name];
    return typeof v === 'string' ? v : '';
  }

  set(name: string, value: string): void {
    if (value === '') {
      this.del(name);
      return;
    }
    if (this.tracking) {
      this.touched.add(name);
      if (!this.order.includes(name)) this.order.push(name);
    }
    if (this.cur[name] === value) return;
    this.own();
    if (name === '__proto__') Object.defineProperty(this.cur, name, { value, writable: true, enumerable: true, configurable: true });
    else this.cur[name] = value;
  }

  del(name: string): void {
    if (this.tracking) {
      this.touched.add(name);
      const i = this.order.indexOf(name);
      if (i >= 0) this.order.splice(i, 1);
    }
    if (typeof this.cur[name] !== 'string') return;
    this.own();
    delete this.cur[name];
  }

  /** Deletes the labels whose names the matcher matches (`ifMatch`) or does not match. */
  dropNames(matcher: RegexMatcher, ifMatch: boolean): void {
    const labels = this.cur;
    for (const name in labels) if (matcher.test(name) === ifMatch) this.del(name);
  }

  /** The labels in the order Builder.Range visits them, as they are now. */
  snapshot(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const name of Object.keys(this.base).sort(compareUtf8)) {
      if (!this.touched.has(name)) out.push([name, this.base[name]!]);
    }
    for (const name of this.order) out.push([name, this.cur[name]!]);
    return out;
  }

  private own(): void {
    if (this.owned) return;
    this.cur = { ...this.base };
    this.owned = true;
  }
}

const builder = new LabelBuilder();

function applyRule(rule: CompiledRelabel, b: LabelBuilder): boolean {
  const val = joinSources(rule, b);
  switch (rule.action) {
    case 'drop':
      return !rule.matcher.test(val);
    case 'keep':
      return rule.matcher.test(val);
    case 'dropequal':
      return b.get(rule.targetLabel) !== val;
    case 'keepequal':
      return b.get(rule.targetLabel) === val;
    case 'replace': {
      const m = rule.matcher.exec(val);
      if (m === null) return true;
      const target = expand(rule.targetTemplate, m);
      if (!rule.isValidName(target)) return true;
      b.set(target, expand(rule.replacementTemplate, m));
      return true;
    }
    case 'lowercase':
      b.set(rule.targetLabel, goToLower(val));
      return true;
    case 'uppercase':
      b.set(rule.targetLabel, goToUpper(val));
      return true;
    case 'hashmod': {
      const sum = createHash('md5').update(val, 'utf8').digest();
      b.set(rule.targetLabel, (sum.readBigUInt64BE(8) % rule.modulusBig).toString());
      return true;
    }
    case 'labelmap':
      for (const [name, value] of b.snapshot()) {
        const m = rule.matcher.exec(name);
        if (m !== null) b.set(expand(rule.replacementTemplate, m), value);
      }
      return true;
    case 'labeldrop':
      b.dropNames(rule.matcher, true);
      return true;
    case 'labelkeep':
      b.dropNames(rule.matcher, false);
      return true;
  }
}

function joinSources(rule: CompiledRelabel, b: LabelBuilder): string {
  const names = rule.sourceLabels;
  if (names.length === 0) return '';
  let val = b.get(names[0]!);
  for (let i = 1; i < names.length; i++) val += rule.separator + b.get(names[i]!);
  return val;
}

/** Orders strings as Go compares them: by UTF-8 bytes, i.e. by code point. */
function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after U+E000..U+FFFF in code point order.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** Go's strings.ToLower: each code point's simple lower-case mapping. */
function goToLower(s: string): string {
  if (ASCII_ONLY.test(s)) return s.toLowerCase();
  let out = '';
  for (const ch of s) {
    const l = ch.toLowerCase();
    // Only U+0130 has a multi-code-point full mapping; its simple one is `i`.
    out += isOneCodePoint(l) ? l : ch === '\u0130' ? 'i' : ch;
  }
  return out;
}

/** Go's strings.ToUpper: each code point's simple upper-case mapping. */
function goToUpper(s: string): string {
  if (ASCII_ONLY.test(s)) return s.toUpperCase();
  let out = '';
  for (const ch of s) {
    const u = ch.toUpperCase();
    out += isOneCodePoint(u) ? u : simpleUpperOfSpecial(ch);
  }
  return out;
}

/** The simple upper case of a code point whose full upper case is several (SpecialCasing.txt). */
function simpleUpperOfSpecial(ch: string): string {
  const c = ch.codePointAt(0)!;
  // Greek with ypogegrammeni map to their prosgegrammeni forms; the others (ß, ŉ, ligatures, ...)
  // have no simple mapping and stay as they are.
  if ((c >= 0x1f80 && c <= 0x1f87) || (c >= 0x1f90 && c <= 0x1f97) || (c >= 0x1fa0 && c <= 0x1fa7)) return String.fromCodePoint(c + 8);
  if (c === 0x1fb3 || c === 0x1fc3 || c === 0x1ff3) return String.fromCodePoint(c + 9);
  return ch;
}

function isOneCodePoint(s: string): boolean {
  return s.length === 1 || (s.length === 2 && s.codePointAt(0)! > 0xffff);
}
