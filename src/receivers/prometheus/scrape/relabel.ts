/**
 * Prometheus relabeling, as Prometheus 3's model/relabel package does it (built with Go 1.26):
 * rules of `relabel_configs` and `metric_relabel_configs`, validated as Prometheus validates them
 * when it loads its configuration (Config.UnmarshalYAML and Validate), applied as
 * `relabel.Process` applies them.
 *
 * - Defaults: separator `;`, regex `(.*)`, replacement `$1`, action `replace` (any case).
 * - The regex matches the whole string: it is compiled as `^(?s:<regex>)$`, so `.` also matches
 *   `\n` unless the regex says `(?-s)`. Error messages show that wrapped form, as Prometheus's do.
 * - Templates (`replacement`, and `target_label` for `replace`) expand `$1`, `${1}`, `$name`,
 *   `${name}` as Go's Regexp.Expand: a name takes the longest run of letters, digits and `_`
 *   (so `$1x` is the group named `1x`, empty), a name that is no group expands to nothing, `$$`
 *   is `$`, and a malformed `$` is kept as is.
 * - `replace` whose regex does not match, or whose expanded target is no valid label name, changes
 *   nothing; an empty result deletes the target label. Setting any label to an empty value deletes it.
 * - `hashmod`: the last 8 bytes of the MD5 of the joined source values, big-endian, modulo the
 *   modulus. `lowercase`/`uppercase` map each code point as Go's strings.ToLower/ToUpper do
 *   (simple case mappings: `ß` stays `ß`, `İ` becomes `i`).
 * - `labelmap` visits the labels as Prometheus's labels.Builder ranges them (untouched input
 *   labels in name order, then the ones set by earlier rules in the order they were set), so
 *   when two names map to the same new name the same one wins.
 * - Label names: `legacy` ([a-zA-Z_][a-zA-Z0-9_]*, where `replace` targets and `labelmap`
 *   replacements may also hold `$` references) or `utf8` (any non-empty name, Prometheus 3's
 *   default scheme). Braid's default is `legacy`, because its exposition parser reads no quoted
 *   UTF-8 names.
 *
 * The regex is RE2 syntax, translated into an equivalent JavaScript RegExp (flag `u`): every RE2
 * construct is accepted with Go's exact error messages for invalid ones (lookarounds,
 * backreferences, `\Z`, possessive or stacked repetitions, `{n}` above 1000, ...). Translated,
 * not passed through: `\s` (ASCII only), `.` and `(?s)`, `(?m)` `^`/`$` (only `\n` ends a line),
 * `(?U)`, `\A`, `\z`, `\Q...\E`, octal and `\x{...}` escapes, `[[:alpha:]]` classes, `\pL` and
 * `\p{Greek}` (names looked up as Go 1.25+ does), named groups (`(?P<n>)`, `(?<n>)`, names may
 * start with a digit or repeat). What Braid cannot reproduce is rejected when the config loads:
 * - case-insensitivity that does not apply to the whole regex, e.g. `a(?i)b` (`(?i)abc` is fine);
 * - `\P{...}` / `\p{^...}` under `(?i)` (JavaScript folds them differently), except Any, Assigned
 *   and ASCII;
 * - a regex that closes the group Prometheus wraps it in, e.g. `a)|(b` (Prometheus then no
 *   longer anchors it);
 * - in `replace` and `labelmap` templates, a group inside a repetition that may skip the group
 *   or match empty, e.g. `$1` of `(?:(a)|b)+` or `(a?){1,2}`: RE2 keeps the value of an earlier
 *   repetition or takes the empty one, JavaScript does neither.
 * Known differences that are not detected: Unicode tables follow V8's version rather than Go's;
 * under `(?i)`, `\b` and `\B` count `ſ` (U+017F) and `K` (U+212A) as word characters; Go's limit
 * on compiled program size is not applied; and matching backtracks: unlike RE2's, its time is not
 * linear in the input, so a regex with nested repetitions, e.g. `(a+)+$`, can be slow on long
 * label values.
 */
import { createHash } from 'node:crypto';
import { BraidError } from '../../../errors.js';
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

/** A compiled regex: whole-string matching, and submatches for templates (index 0: the whole). */
export interface RelabelMatcher {
  test(s: string): boolean;
  exec(s: string): ArrayLike<string | undefined> | null;
}

/** A compiled template: literal text and group references (a list: the first that took part). */
export interface RelabelTemplate {
  readonly text: string;
  /** Undefined when the text has no `$`: it is then used as is. */
  readonly parts: ReadonlyArray<string | number | readonly number[]> | undefined;
  /** Every group the template refers to. */
  readonly groups: readonly number[];
}

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
  readonly matcher: RelabelMatcher;
  /** `target_label` as a template (`replace` expands it). */
  readonly targetTemplate: RelabelTemplate;
  readonly replacementTemplate: RelabelTemplate;
  /** Whether a label name produced at run time is valid (the scheme's rule). */
  readonly isValidName: (name: string) => boolean;
  readonly modulusBig: bigint;
}

const KEYS = ['source_labels', 'separator', 'regex', 'modulus', 'target_label', 'replacement', 'action'];
const ACTIONS: ReadonlySet<string> = new Set<RelabelAction>([
  'replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod', 'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase',
]);
const NEEDS_TARGET: ReadonlySet<string> = new Set(['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal']);
const TARGET_ONLY: ReadonlySet<string> = new Set(['lowercase', 'uppercase', 'keepequal', 'dropequal']);
const DEFAULT_REGEX = '(.*)';
const DEFAULT_REPLACEMENT = '$1';
const DEFAULT_SEPARATOR = ';';

/**
 * Validates relabel rules as Prometheus does when loading its config and compiles them. `path`
 * names the list in error messages, e.g. `scrape_configs[0].relabel_configs`; null or absent is
 * an empty list. Throws BRAID_ERR_CONFIG_INVALID naming the rule and field at fault.
 */
export function compileRelabelConfigs(configs: unknown, path: string, names: LabelNameScheme = 'legacy'): CompiledRelabel[] {
  if (configs === undefined || configs === null) return [];
  if (!Array.isArray(configs)) throw invalid(path, `expected a list of relabel rules, got ${describe(configs)}`);
  return configs.map((rule: unknown, i) => compileRule(rule, `${path}[${i}]`, names));
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
// Config: decoding as yaml.v2 decodes Prometheus's Config (defaults first, null = zero value),
// then Prometheus's Validate, each error attributed to the field at fault.

interface RawRule {
  action: string;
  sourceLabels: string[] | undefined;
  separator: string;
  regex: string;
  regexSet: boolean;
  compiled: CompiledRegex;
  modulus: number;
  targetLabel: string;
  replacement: string;
}

function compileRule(raw: unknown, at: string, scheme: LabelNameScheme): CompiledRelabel {
  const validName = scheme === 'legacy' ? isLegacyName : isUtf8Name;
  const rule = decodeRule(raw, at, validName);
  validateRule(rule, at, validName, scheme);
  const compiled = rule.compiled;
  const targetTemplate = compileTemplate(rule.targetLabel, compiled);
  const replacementTemplate = compileTemplate(rule.replacement, compiled);
  const expanded = rule.action === 'replace' ? [targetTemplate, replacementTemplate] : rule.action === 'labelmap' ? [replacementTemplate] : [];
  for (const g of expanded.flatMap((t) => t.groups)) {
    if (compiled.unstable.has(g)) {
      throw invalid(
        `${at}.regex`,
        `group ${g}, used in a template, is inside a repetition that may skip it or match empty, where RE2 and ` +
          'JavaScript fill it differently (unsupported in Braid: rewrite the regex)',
      );
    }
  }
  return {
    action: rule.action as RelabelAction,
    sourceLabels: rule.sourceLabels ?? [],
    separator: rule.separator,
    regex: rule.regex,
    modulus: rule.modulus,
    targetLabel: rule.targetLabel,
    replacement: rule.replacement,
    matcher: compiled.matcher,
    targetTemplate,
    replacementTemplate,
    isValidName: validName,
    modulusBig: BigInt(rule.modulus),
  };
}

/** One rule's fields, defaults first, each key decoded (and the regex compiled) in YAML order. */
function decodeRule(raw: unknown, at: string, validName: (s: string) => boolean): RawRule {
  if (raw === null || raw === undefined) throw invalid(at, 'empty or null relabeling rule');
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid(at, `expected a mapping, got ${describe(raw)}`);
  const rule: RawRule = {
    action: 'replace',
    sourceLabels: undefined,
    separator: DEFAULT_SEPARATOR,
    regex: DEFAULT_REGEX,
    regexSet: false,
    compiled: DEFAULT_COMPILED,
    modulus: 0,
    targetLabel: '',
    replacement: DEFAULT_REPLACEMENT,
  };
  for (const [key, value] of Object.entries(raw)) {
    const field = `${at}.${key}`;
    switch (key) {
      case 'source_labels':
        rule.sourceLabels = value === null ? undefined : decodeLabelNames(value, field, validName);
        break;
      case 'separator':
        rule.separator = decodeString(value, field);
        break;
      case 'regex':
        rule.regexSet = true;
        rule.regex = decodeString(value, field);
        rule.compiled = compileRegex(rule.regex, field);
        break;
      case 'modulus':
        rule.modulus = decodeModulus(value, field);
        break;
      case 'target_label':
        rule.targetLabel = decodeString(value, field);
        break;
      case 'replacement':
        rule.replacement = decodeString(value, field);
        break;
      case 'action': {
        const s = decodeString(value, field);
        if (value !== null && !ACTIONS.has(s.toLowerCase())) throw invalid(field, `unknown relabel action ${quote(s)}`);
        rule.action = s.toLowerCase();
        break;
      }
      default:
        throw invalid(field, `unknown key (expected one of ${KEYS.join(', ')})`);
    }
  }
  return rule;
}

function validateRule(rule: RawRule, at: string, validName: (s: string) => boolean, scheme: LabelNameScheme): void {
  const { action: a, targetLabel: t } = rule;
  const validWithVars = scheme === 'legacy' ? isLegacyNameWithVars : isUtf8Name;
  const badTarget = (): BraidError => invalid(`${at}.target_label`, `${quote(t)} is invalid 'target_label' for ${a} action`);
  if (a === '') throw invalid(`${at}.action`, 'relabel action cannot be empty');
  if (rule.modulus === 0 && a === 'hashmod') throw invalid(`${at}.modulus`, 'relabel configuration for hashmod requires non-zero modulus');
  if (NEEDS_TARGET.has(a) && t === '') throw invalid(`${at}.target_label`, `relabel configuration for ${a} action requires 'target_label' value`);
  if (a === 'replace' && !(t.includes('$') ? validWithVars(t) : validName(t))) throw badTarget();
  if (TARGET_ONLY.has(a) && !validName(t)) throw badTarget();
  if (TARGET_ONLY.has(a) && rule.replacement !== DEFAULT_REPLACEMENT) throw invalid(`${at}.replacement`, `'replacement' can not be set for ${a} action`);
  if (a === 'labelmap' && !validWithVars(rule.replacement)) {
    throw invalid(`${at}.replacement`, `${quote(rule.replacement)} is invalid 'replacement' for ${a} action`);
  }
  if (a === 'hashmod' && !validName(t)) throw badTarget();
  if (a === 'keepequal' || a === 'dropequal') {
    const extra = rule.regexSet ? 'regex' : rule.modulus !== 0 ? 'modulus' : rule.separator !== DEFAULT_SEPARATOR ? 'separator' : undefined;
    if (extra !== undefined) throw invalid(`${at}.${extra}`, `${a} action requires only 'source_labels' and \`target_label\`, and no other fields`);
  }
  if (a === 'labeldrop' || a === 'labelkeep') {
    const extra =
      rule.sourceLabels !== undefined ? 'source_labels'
      : t !== '' ? 'target_label'
      : rule.modulus !== 0 ? 'modulus'
      : rule.separator !== DEFAULT_SEPARATOR ? 'separator'
      : rule.replacement !== DEFAULT_REPLACEMENT ? 'replacement'
      : undefined;
    if (extra !== undefined) throw invalid(`${at}.${extra}`, `${a} action requires only 'regex', and no other fields`);
  }
}

function decodeString(value: unknown, field: string): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  const hint = typeof value === 'number' || typeof value === 'boolean' ? ` (quote it: "${String(value)}")` : '';
  throw invalid(field, `expected a string, got ${describe(value)}${hint}`);
}

function decodeLabelNames(value: unknown, field: string, validName: (s: string) => boolean): string[] {
  if (!Array.isArray(value)) throw invalid(field, `expected a list of label names, got ${describe(value)}`);
  return value.map((v: unknown, j) => {
    const name = decodeString(v, `${field}[${j}]`);
    if (!validName(name)) throw invalid(`${field}[${j}]`, `${quote(name)} is not a valid label name`);
    return name;
  });
}

function decodeModulus(value: unknown, field: string): number {
  if (value === null) return 0;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw invalid(field, `expected a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  return `${typeof value} ${String(value)}`;
}

function invalid(at: string, what: string): BraidError {
  return new BraidError('BRAID_ERR_CONFIG_INVALID', `${at}: ${what}`);
}

/** Go's %q for the strings that matter here. */
function quote(s: string): string {
  return JSON.stringify(s);
}

const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function isLegacyName(s: string): boolean {
  return LEGACY_NAME.test(s);
}

function isUtf8Name(s: string): boolean {
  return s.length > 0 && !LONE_SURROGATE.test(s);
}

/**
 * Prometheus's relabelTargetLegacy, `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$`, checked in one
 * pass: a backtracking engine takes exponential time on that regex for a long invalid name.
 */
function isLegacyNameWithVars(s: string): boolean {
  let i = 0;
  let first = true;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x24) {
      if (s.charCodeAt(i + 1) === 0x7b) {
        const end = skipWord(s, i + 2);
        if (end === i + 2 || s.charCodeAt(end) !== 0x7d) return false;
        i = end + 1;
      } else {
        const end = skipWord(s, i + 1);
        if (end === i + 1) return false;
        i = end;
      }
    } else if (isWordChar(c) && !(first && c >= 0x30 && c <= 0x39)) {
      i++;
    } else {
      return false;
    }
    first = false;
  }
  return !first;
}

function skipWord(s: string, i: number): number {
  while (i < s.length && isWordChar(s.charCodeAt(i))) i++;
  return i;
}

function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
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
  dropNames(matcher: RelabelMatcher, ifMatch: boolean): void {
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

// ---------------------------------------------------------------------------------------------
// Templates: Go's Regexp.Expand, compiled once.

const NAME_CHAR = /^[\p{L}\p{Nd}_]$/u;

function compileTemplate(text: string, re: CompiledRegex): RelabelTemplate {
  if (!text.includes('$')) return { text, parts: undefined, groups: [] };
  const parts: Array<string | number | readonly number[]> = [];
  const groups: number[] = [];
  let lit = '';
  let i = 0;
  for (;;) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) break;
    lit += text.slice(i, dollar);
    i = dollar + 1;
    if (text[i] === '$') {
      lit += '$';
      i++;
      continue;
    }
    const ref = extractRef(text, i);
    if (ref === undefined) {
      lit += '$';
      continue;
    }
    i = ref.end;
    const target = ref.num >= 0 ? (ref.num <= re.groups ? ref.num : undefined) : re.names.get(ref.name);
    if (target === undefined) continue;
    if (lit !== '') parts.push(lit);
    lit = '';
    parts.push(target);
    groups.push(...(typeof target === 'number' ? [target] : target));
  }
  lit += text.slice(i);
  if (lit !== '') parts.push(lit);
  return { text, parts, groups };
}

/** Go's regexp `extract`: the name after a `$`, bare or in braces, and its number if it is one. */
function extractRef(text: string, start: number): { name: string; num: number; end: number } | undefined {
  let i = start;
  const brace = text[i] === '{';
  if (brace) i++;
  const nameStart = i;
  while (i < text.length) {
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    if (!NAME_CHAR.test(ch)) break;
    i += ch.length;
  }
  if (i === nameStart) return undefined;
  const name = text.slice(nameStart, i);
  if (brace) {
    if (text[i] !== '}') return undefined;
    i++;
  }
  let num = 0;
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    if (c < 0x30 || c > 0x39 || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + c - 0x30;
  }
  if (name[0] === '0' && name.length > 1) num = -1;
  return { name, num, end: i };
}

function expand(t: RelabelTemplate, m: ArrayLike<string | undefined>): string {
  if (t.parts === undefined) return t.text;
  let out = '';
  for (const p of t.parts) {
    if (typeof p === 'string') out += p;
    else if (typeof p === 'number') out += m[p] ?? '';
    else {
      for (const g of p) {
        const v = m[g];
        if (v !== undefined) {
          out += v;
          break;
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// RE2 -> JavaScript. A recursive-descent parser that follows Go's regexp/syntax parser (Perl
// flags) step by step, so that it accepts and rejects what Go does with Go's messages, and emits
// a JavaScript pattern for the `u` flag with the same matches and submatches.

interface CompiledRegex {
  matcher: RelabelMatcher;
  /** Number of capture groups. */
  groups: number;
  names: ReadonlyMap<string, readonly number[]>;
  /** Groups inside a repetition that they may skip (see the module comment). */
  unstable: ReadonlySet<number>;
}

const NO_GROUPS: ReadonlyMap<string, readonly number[]> = new Map();
const NONE: ReadonlySet<number> = new Set();
const DEFAULT_COMPILED: CompiledRegex = {
  // `^(?s:(.*))$` matches every string whole.
  matcher: { test: () => true, exec: (s) => [s, s] },
  groups: 1,
  names: NO_GROUPS,
  unstable: NONE,
};
// A regex of these characters is an alternation of literal strings (`drop` and `labeldrop` lists).
const LITERALS = /^[A-Za-z0-9_:\-/,;=@#%&'"<>!~` |]*$/;

function compileRegex(pattern: string, field: string): CompiledRegex {
  if (pattern === DEFAULT_REGEX) return DEFAULT_COMPILED;
  if (LITERALS.test(pattern)) {
    const set = new Set(pattern.split('|'));
    return { matcher: { test: (s) => set.has(s), exec: (s) => (set.has(s) ? [s] : null) }, groups: 0, names: NO_GROUPS, unstable: NONE };
  }
  const translator = new Re2Translator(`^(?s:${pattern})$`);
  let source: string;
  try {
    source = translator.translate();
  } catch (err) {
    if (err instanceof RegexError) throw invalid(field, err.message);
    throw err;
  }
  let re: RegExp;
  try {
    re = new RegExp(source, translator.fold === true ? 'ui' : 'u');
  } catch (err) {
    throw invalid(field, `the JavaScript engine rejects the translated regex: ${(err as Error).message}`);
  }
  return {
    matcher: { test: (s) => re.test(s), exec: (s) => re.exec(s) },
    groups: translator.groupCount,
    names: translator.names,
    unstable: translator.unstable,
  };
}

class RegexError extends Error {}

function syntaxError(code: string, expr: string): RegexError {
  return new RegexError(`error parsing regexp: ${code}: \`${expr}\``);
}

function unsupported(what: string): RegexError {
  return new RegexError(`${what} (unsupported in Braid: JavaScript cannot match it as RE2 does)`);
}

interface Re2Flags {
  readonly i: boolean;
  readonly m: boolean;
  readonly s: boolean;
  readonly U: boolean;
}

/** One parsed piece of a regex, as JavaScript source plus what the checks need. */
interface Piece {
  js: string;
  /** Takes a quantifier as is; otherwise it is wrapped in `(?:)` first (assertions, repeats). */
  atom: boolean;
  caps: number[];
  /** Of `caps`, those that may not take part in a match of this piece. */
  cond: number[];
  /** Largest product of counted repetitions inside (Go's repeatIsValid). */
  prod: number;
  /** Whether it can match the empty string. */
  nullable: boolean;
}

/** A member of a character class, as JavaScript class source. */
interface ClassItem {
  js: string;
  /** Whether case-insensitivity could change what it matches. */
  cased: boolean;
}

type Ranges = Array<[number, number]>;

const MAX_RUNE = 0x10ffff;
const MAX_REPEAT = 1000;
const MAX_DEPTH = 1000;
const SPACE: Ranges = [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]];
const POSIX: Readonly<Record<string, Ranges>> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};
const UNCASED_POSIX = new Set(['blank', 'cntrl', 'digit', 'punct', 'space']);
// General categories by Go's canonical name (see canonicalName) of their short and long names.
const CATEGORIES: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  const table =
    'C Other|Cc Control cntrl|Cf Format|Cn Unassigned|Co Private_Use|Cs Surrogate|L Letter|LC Cased_Letter|' +
    'Ll Lowercase_Letter|Lm Modifier_Letter|Lo Other_Letter|Lt Titlecase_Letter|Lu Uppercase_Letter|' +
    'M Mark Combining_Mark|Mc Spacing_Mark|Me Enclosing_Mark|Mn Nonspacing_Mark|N Number|Nd Decimal_Number digit|' +
    'Nl Letter_Number|No Other_Number|P Punctuation punct|Pc Connector_Punctuation|Pd Dash_Punctuation|' +
    'Pe Close_Punctuation|Pf Final_Punctuation|Pi Initial_Punctuation|Po Other_Punctuation|Ps Open_Punctuation|' +
    'S Symbol|Sc Currency_Symbol|Sk Modifier_Symbol|Sm Math_Symbol|So Other_Symbol|Z Separator|Zl Line_Separator|' +
    'Zp Paragraph_Separator|Zs Space_Separator';
  for (const entry of table.split('|')) {
    const [code, ...aliases] = entry.split(' ');
    for (const name of [code!, ...aliases]) m.set(canonicalName(name), code!);
  }
  return m;
})();

class Re2Translator {
  private pos = 0;
  private flags: Re2Flags = { i: false, m: false, s: false, U: false };
  private depth = 0;
  /** Why Braid cannot match the regex as RE2 does; reported once the whole regex has parsed. */
  private unsupportedReason: string | undefined;
  groupCount = 0;
  readonly names = new Map<string, number[]>();
  readonly unstable = new Set<number>();
  /** Whether the regex is case-insensitive: set by the first piece whose case matters. */
  fold: boolean | undefined;

  constructor(private readonly src: string) {}

  translate(): string {
    const bad = LONE_SURROGATE.exec(this.src);
    if (bad !== null) throw syntaxError('invalid UTF-8', this.src.slice(bad.index));
    const body = this.alternation();
    if (this.pos < this.src.length) throw syntaxError('unexpected )', this.src);
    if (this.unsupportedReason !== undefined) throw unsupported(this.unsupportedReason);
    return body.js;
  }

  private alternation(): Piece {
    const branches = [this.concat()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      branches.push(this.concat());
    }
    if (branches.length === 1) return branches[0]!;
    const caps = branches.flatMap((b) => b.caps);
    return {
      js: branches.map((b) => b.js).join('|'),
      atom: false,
      caps,
      cond: caps,
      prod: Math.max(...branches.map((b) => b.prod)),
      nullable: branches.some((b) => b.nullable),
    };
  }

  private concat(): Piece {
    const src = this.src;
    const pieces: Piece[] = [];
    let lastRepeat = -1;
    while (this.pos < src.length) {
      const c = src[this.pos]!;
      if (c === '|' || c === ')') break;
      let repeat = -1;
      switch (c) {
        case '(':
          this.group(pieces);
          break;
        case '^':
          this.pos++;
          pieces.push(assertion(this.flags.m ? '(?<![^\\n])' : '^'));
          break;
        case '$':
          this.pos++;
          pieces.push(assertion(this.flags.m ? '(?![^\\n])' : '$'));
          break;
        case '.':
          this.pos++;
          pieces.push(atom(this.flags.s ? '[\\u{0}-\\u{10ffff}]' : '[^\\n]'));
          break;
        case '[':
          pieces.push(this.charClass());
          break;
        case '*':
        case '+':
        case '?': {
          repeat = this.pos++;
          const [min, max] = c === '*' ? [0, -1] : c === '+' ? [1, -1] : [0, 1];
          this.repeat(pieces, c, min, max, repeat, lastRepeat, false);
          break;
        }
        case '{': {
          const start = this.pos;
          const r = this.parseRepeat();
          if (r === undefined) {
            this.pos++;
            pieces.push(this.literal(0x7b));
            break;
          }
          if (r.min < 0 || r.min > MAX_REPEAT || r.max > MAX_REPEAT || (r.max >= 0 && r.min > r.max)) {
            throw syntaxError('invalid repeat count', src.slice(start, this.pos));
          }
          repeat = start;
          this.repeat(pieces, src.slice(start, this.pos), r.min, r.max, start, lastRepeat, true);
          break;
        }
        case '\\':
          this.escape(pieces);
          break;
        default:
          pieces.push(this.literal(this.codePoint()));
      }
      lastRepeat = repeat;
    }
    const caps = pieces.flatMap((p) => p.caps);
    return {
      js: pieces.map((p) => p.js).join(''),
      atom: false,
      caps,
      cond: pieces.flatMap((p) => p.cond),
      prod: pieces.reduce((max, p) => Math.max(max, p.prod), 1),
      nullable: pieces.every((p) => p.nullable),
    };
  }

  /** Applies a repetition to the last piece, with Go's checks in Go's order. */
  private repeat(pieces: Piece[], op: string, min: number, max: number, start: number, lastRepeat: number, counted: boolean): void {
    let lazy = this.flags.U;
    if (this.src[this.pos] === '?') {
      this.pos++;
      lazy = !lazy;
    }
    if (lastRepeat >= 0) throw syntaxError('invalid nested repetition operator', this.src.slice(lastRepeat, this.pos));
    const sub = pieces.pop();
    if (sub === undefined) throw syntaxError('missing argument to repetition operator', this.src.slice(start, this.pos));
    let prod = sub.prod;
    if (counted) {
      prod = max === 0 ? 1 : prod * (max > 0 ? max : Math.max(min, 1));
      if ((min >= 2 || max >= 2) && prod > MAX_REPEAT) throw syntaxError('invalid repeat count', this.src.slice(start, this.pos));
    }
    // A later repetition that skips a group, or matches empty (RE2 then sets its groups, where
    // JavaScript refuses an empty repetition), leaves groups that RE2 and JavaScript fill differently.
    if (max === -1 || max > 1) for (const g of sub.nullable ? sub.caps : sub.cond) this.unstable.add(g);
    pieces.push({
      js: (sub.atom ? sub.js : `(?:${sub.js})`) + op + (lazy ? '?' : ''),
      atom: false,
      caps: sub.caps,
      cond: min === 0 ? sub.caps : sub.cond,
      prod,
      nullable: min === 0 || sub.nullable,
    });
  }

  /** Go's parseRepeat: `{n}`, `{n,}` or `{n,m}` (min -1 when a number is too big), or undefined. */
  private parseRepeat(): { min: number; max: number } | undefined {
    const src = this.src;
    let p = this.pos + 1;
    const int = (): number | undefined => {
      const start = p;
      if (!isDigit(src.charCodeAt(p))) return undefined;
      if (src[p] === '0' && isDigit(src.charCodeAt(p + 1))) return undefined;
      while (isDigit(src.charCodeAt(p))) p++;
      let n = 0;
      for (let k = start; k < p; k++) {
        if (n >= 1e8) return -1;
        n = n * 10 + src.charCodeAt(k) - 0x30;
      }
      return n;
    };
    let min = int();
    if (min === undefined || p >= src.length) return undefined;
    let max = min;
    if (src[p] === ',') {
      p++;
      if (p >= src.length) return undefined;
      if (src[p] === '}') max = -1;
      else {
        const n = int();
        if (n === undefined) return undefined;
        max = n;
        if (n < 0) min = -1;
      }
    }
    if (src[p] !== '}') return undefined;
    this.pos = p + 1;
    return { min, max };
  }

  /** `(`: a capture, a named capture, a non-capturing group, or a flag change. */
  private group(pieces: Piece[]): void {
    const src = this.src;
    const open = this.pos;
    if (src[open + 1] !== '?') {
      this.pos++;
      pieces.push(this.groupBody(open, ++this.groupCount, this.flags));
      return;
    }
    const withP = src.length - open > 4 && src[open + 2] === 'P' && src[open + 3] === '<';
    if (withP || (src.length - open > 3 && src[open + 2] === '<')) {
      const end = src.indexOf('>', open);
      if (end < 0) throw syntaxError('invalid named capture', src.slice(open));
      const name = src.slice(open + (withP ? 4 : 3), end);
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw syntaxError('invalid named capture', src.slice(open, end + 1));
      this.pos = end + 1;
      const index = ++this.groupCount;
      const same = this.names.get(name);
      if (same === undefined) this.names.set(name, [index]);
      else same.push(index);
      pieces.push(this.groupBody(open, index, this.flags));
      return;
    }
    const f = { ...this.flags };
    let p = open + 2;
    let negate = false;
    let sawFlag = false;
    while (p < src.length) {
      const c = src[p++];
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        f[c] = !negate;
        sawFlag = true;
      } else if (c === '-' && !negate) {
        negate = true;
        sawFlag = false;
      } else if ((c === ':' || c === ')') && (!negate || sawFlag)) {
        this.pos = p;
        if (c === ':') pieces.push(this.groupBody(open, 0, f));
        else this.flags = f;
        return;
      } else {
        if (c !== undefined && c >= '\ud800' && c <= '\udbff') p++;
        break;
      }
    }
    throw syntaxError('invalid or unsupported Perl syntax', src.slice(open, p));
  }

  private groupBody(open: number, capture: number, flags: Re2Flags): Piece {
    const saved = this.flags;
    this.flags = flags;
    if (++this.depth > MAX_DEPTH) throw syntaxError('expression nests too deeply', this.src);
    const body = this.alternation();
    this.depth--;
    if (this.pos >= this.src.length) throw syntaxError('missing closing )', this.src);
    if (open === 1 && this.pos !== this.src.length - 2) this.reject('a `)` that closes the group Prometheus wraps the regex in');
    this.pos++;
    this.flags = saved;
    return {
      js: capture > 0 ? `(${body.js})` : `(?:${body.js})`,
      atom: true,
      caps: capture > 0 ? [capture, ...body.caps] : body.caps,
      cond: body.cond,
      prod: body.prod,
      nullable: body.nullable,
    };
  }

  private escape(pieces: Piece[]): void {
    const src = this.src;
    const start = this.pos;
    switch (src[start + 1]) {
      case 'A':
        this.pos += 2;
        pieces.push(assertion('^'));
        return;
      case 'z':
        this.pos += 2;
        pieces.push(assertion('$'));
        return;
      case 'b':
      case 'B':
        this.pos += 2;
        pieces.push(assertion(src.slice(start, start + 2)));
        return;
      case 'C':
        throw syntaxError('invalid escape sequence', '\\C');
      case 'Q': {
        const end = src.indexOf('\\E', start + 2);
        const text = end < 0 ? src.slice(start + 2) : src.slice(start + 2, end);
        this.pos = end < 0 ? src.length : end + 2;
        for (const ch of text) pieces.push(this.literal(ch.codePointAt(0)!));
        return;
      }
      case 'p':
      case 'P':
        pieces.push(this.classPiece([this.unicodeClass()], false));
        return;
    }
    const perl = this.perlClass();
    if (perl !== undefined) {
      pieces.push(this.classPiece([perl], false));
      return;
    }
    pieces.push(this.literal(this.escapedChar()));
  }

  /** `\d \D \s \S \w \W` at the current position, if there. */
  private perlClass(): ClassItem | undefined {
    if (this.src[this.pos] !== '\\') return undefined;
    const c = this.src[this.pos + 1];
    let item: ClassItem;
    switch (c) {
      case 'd':
      case 'D':
        item = { js: `\\${c}`, cased: false };
        break;
      case 'w':
      case 'W':
        // JavaScript's \w and \W equal RE2's, with (?i) too (both then fold in U+017F and U+212A).
        item = { js: `\\${c}`, cased: true };
        break;
      case 's':
        item = { js: rangesJs(SPACE), cased: false };
        break;
      case 'S':
        item = { js: rangesJs(complement(SPACE)), cased: false };
        break;
      default:
        return undefined;
    }
    this.pos += 2;
    return item;
  }

  /** Go's parseUnicodeClass at a `\p` or `\P`. */
  private unicodeClass(): ClassItem {
    const src = this.src;
    const start = this.pos;
    let positive = src[start + 1] === 'p';
    let name: string;
    let end: number;
    if (start + 2 >= src.length) {
      name = '';
      end = start + 2;
    } else if (src[start + 2] !== '{') {
      const cp = src.codePointAt(start + 2)!;
      end = start + 2 + (cp > 0xffff ? 2 : 1);
      name = src.slice(start + 2, end);
    } else {
      const close = src.indexOf('}', start);
      if (close < 0) throw syntaxError('invalid character class range', src.slice(start));
      name = src.slice(start + 3, close);
      end = close + 1;
    }
    this.pos = end;
    if (name.startsWith('^')) {
      positive = !positive;
      name = name.slice(1);
    }
    const js = unicodeClassJs(name, positive, this.flags.i, (what) => this.reject(what));
    if (js === undefined) throw syntaxError('invalid character class range', src.slice(start, end));
    return { js, cased: true };
  }

  /** Go's parseClass at a `[`. */
  private charClass(): Piece {
    const src = this.src;
    const start = this.pos;
    this.pos++;
    const negated = src[this.pos] === '^';
    if (negated) this.pos++;
    const items: ClassItem[] = [];
    let first = true;
    while (this.pos >= src.length || src[this.pos] !== ']' || first) {
      first = false;
      const t = this.pos;
      if (src.length - t > 2 && src[t] === '[' && src[t + 1] === ':') {
        const close = src.indexOf(':]', t + 2);
        if (close >= 0) {
          const name = src.slice(t, close + 2);
          const item = posixClass(name.slice(2, -2), this.flags.i);
          if (item === undefined) throw syntaxError('invalid character class range', name);
          items.push(item);
          this.pos = close + 2;
          continue;
        }
      }
      if (src[t] === '\\' && (src[t + 1] === 'p' || src[t + 1] === 'P')) {
        items.push(this.unicodeClass());
        continue;
      }
      const perl = this.perlClass();
      if (perl !== undefined) {
        items.push(perl);
        continue;
      }
      const lo = this.classChar(start);
      let hi = lo;
      if (src.length - this.pos >= 2 && src[this.pos] === '-' && src[this.pos + 1] !== ']') {
        this.pos++;
        hi = this.classChar(start);
        if (hi < lo) throw syntaxError('invalid character class range', src.slice(t, this.pos));
      }
      items.push({ js: lo === hi ? classCharJs(lo) : `${classCharJs(lo)}-${classCharJs(hi)}`, cased: rangeIsCased(lo, hi) });
    }
    this.pos++;
    return this.classPiece(items, negated);
  }

  private classChar(classStart: number): number {
    if (this.pos >= this.src.length) throw syntaxError('missing closing ]', this.src.slice(classStart));
    return this.src[this.pos] === '\\' ? this.escapedChar() : this.codePoint();
  }

  private classPiece(items: ClassItem[], negated: boolean): Piece {
    this.noteCase(items.some((i) => i.cased));
    return atom(`[${negated ? '^' : ''}${items.map((i) => i.js).join('')}]`);
  }

  private literal(cp: number): Piece {
    const ch = String.fromCodePoint(cp);
    this.noteCase(ch.toLowerCase() !== ch || ch.toUpperCase() !== ch);
    return atom(literalJs(cp));
  }

  /** Case-insensitivity must be the same for every piece where it matters (JavaScript's `i` is global). */
  private noteCase(cased: boolean): void {
    if (!cased) return;
    if (this.fold === undefined) this.fold = this.flags.i;
    else if (this.fold !== this.flags.i) this.reject('case-insensitivity `(?i)` that does not apply to the whole regex');
  }

  private reject(what: string): void {
    this.unsupportedReason ??= what;
  }

  /** Go's parseEscape at a `\`: one escaped character. */
  private escapedChar(): number {
    const src = this.src;
    const start = this.pos;
    let p = start + 1;
    if (p >= src.length) throw syntaxError('trailing backslash at end of expression', '');
    const next = (): number => {
      if (p >= src.length) return -1;
      const cp = src.codePointAt(p)!;
      p += cp > 0xffff ? 2 : 1;
      return cp;
    };
    const fail = (): never => {
      throw syntaxError('invalid escape sequence', src.slice(start, p));
    };
    const c = next();
    if (c < 0x80 && !isAlnum(c)) {
      this.pos = p;
      return c;
    }
    if (c >= 0x31 && c <= 0x37 && !isOctal(src.charCodeAt(p))) fail(); // a backreference
    if (c >= 0x30 && c <= 0x37) {
      let r = c - 0x30;
      for (let k = 1; k < 3 && isOctal(src.charCodeAt(p)); k++) r = r * 8 + src.charCodeAt(p++) - 0x30;
      this.pos = p;
      return r;
    }
    if (c === 0x78) {
      if (p >= src.length) fail();
      const d = next();
      if (d === 0x7b) {
        let digits = 0;
        let r = 0;
        for (;;) {
          if (p >= src.length) fail();
          const h = next();
          if (h === 0x7d) break;
          const v = unhex(h);
          if (v < 0) fail();
          r = r * 16 + v;
          if (r > MAX_RUNE) fail();
          digits++;
        }
        if (digits === 0) fail();
        this.pos = p;
        return r;
      }
      const x = unhex(d);
      const y = unhex(next());
      if (x < 0 || y < 0) fail();
      this.pos = p;
      return x * 16 + y;
    }
    const simple = C_ESCAPES[String.fromCodePoint(c)];
    if (simple === undefined) fail();
    this.pos = p;
    return simple!;
  }

  private codePoint(): number {
    const cp = this.src.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }
}

const C_ESCAPES: Readonly<Record<string, number>> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };

function atom(js: string): Piece {
  return { js, atom: true, caps: [], cond: [], prod: 1, nullable: false };
}

function assertion(js: string): Piece {
  return { js, atom: false, caps: [], cond: [], prod: 1, nullable: true };
}

/** A POSIX class `[:name:]` or `[:^name:]` as class source, or undefined if Go does not know it. */
function posixClass(name: string, fold: boolean): ClassItem | undefined {
  const negated = name.startsWith('^');
  const base = negated ? name.slice(1) : name;
  const ranges = Object.hasOwn(POSIX, base) ? POSIX[base] : undefined;
  if (ranges === undefined) return undefined;
  if (!negated) return { js: rangesJs(ranges), cased: !UNCASED_POSIX.has(base) };
  // Go folds the class before negating it; under JavaScript's `i` a complement must then leave
  // out the fold partners too, or they would match through folding.
  return { js: rangesJs(complement(fold ? foldAscii(ranges) : ranges)), cased: true };
}

/** `\p{name}` (or its negation) as class source, name looked up as Go 1.25+ does. */
function unicodeClassJs(name: string, positive: boolean, fold: boolean, reject: (what: string) => void): string | undefined {
  const canon = canonicalName(name);
  switch (canon) {
    case 'Any':
      return positive ? rangesJs([[0, MAX_RUNE]]) : '';
    case 'Assigned':
      return positive ? '\\P{Cn}' : '\\p{Cn}';
    case 'Ascii':
      return positive ? rangesJs(POSIX.ascii!) : rangesJs(complement(fold ? foldAscii(POSIX.ascii!) : POSIX.ascii!));
  }
  let property = CATEGORIES.get(canon);
  if (property === undefined && /^[A-Za-z0-9]+$/.test(canon) && isScript(canon)) property = `Script=${canon}`;
  if (property === undefined) return undefined;
  if (!positive && fold && property !== 'Cn') reject(`\`\\P{${name}}\` under (?i)`);
  return `\\${positive ? 'p' : 'P'}{${property}}`;
}

// Four-letter script names. Every other four-letter name JavaScript knows is an ISO 15924 code
// (`Grek`), which Go does not accept.
const FOUR_LETTER_SCRIPTS = new Set(['Ahom', 'Cham', 'Kawi', 'Lisu', 'Miao', 'Modi', 'Newa', 'Thai', 'Toto']);

function isScript(name: string): boolean {
  if (name.length === 4 && !FOUR_LETTER_SCRIPTS.has(name)) return false;
  try {
    new RegExp(`\\p{Script=${name}}`, 'u');
    return true;
  } catch {
    return false;
  }
}

/** Go's canonicalName: no `_`, `-` or spaces, first letter upper case, the others lower case. */
function canonicalName(name: string): string {
  let out = '';
  for (const ch of name) {
    if (ch === '_' || ch === '-' || ch === ' ') continue;
    if (out === '') out += ch >= 'a' && ch <= 'z' ? ch.toUpperCase() : ch;
    else out += ch >= 'A' && ch <= 'Z' ? ch.toLowerCase() : ch;
  }
  return out;
}

/** An ASCII class with its case-fold partners: other-case letters, ſ for s, K (Kelvin) for k. */
function foldAscii(ranges: Ranges): Ranges {
  const out: Ranges = [...ranges];
  const has = (c: number): boolean => ranges.some(([lo, hi]) => lo <= c && c <= hi);
  for (let c = 0x41; c <= 0x5a; c++) {
    if (has(c) || has(c + 0x20)) out.push([c, c], [c + 0x20, c + 0x20]);
  }
  if (has(0x53) || has(0x73)) out.push([0x17f, 0x17f]);
  if (has(0x4b) || has(0x6b)) out.push([0x212a, 0x212a]);
  return out;
}

/** The code points not in the ranges. */
function complement(ranges: Ranges): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= MAX_RUNE) out.push([next, MAX_RUNE]);
  return out;
}

function rangesJs(ranges: Ranges): string {
  return ranges.map(([lo, hi]) => (lo === hi ? classCharJs(lo) : `${classCharJs(lo)}-${classCharJs(hi)}`)).join('');
}

function rangeIsCased(lo: number, hi: number): boolean {
  return hi >= 0x80 || (lo <= 0x7a && hi >= 0x61) || (lo <= 0x5a && hi >= 0x41);
}

const SYNTAX_CHARS = '^$\\.*+?()[]{}|/';

function literalJs(cp: number): string {
  if (cp >= 0x20 && cp < 0x7f) {
    const ch = String.fromCharCode(cp);
    return SYNTAX_CHARS.includes(ch) ? `\\${ch}` : ch;
  }
  return `\\u{${cp.toString(16)}}`;
}

function classCharJs(cp: number): string {
  return isAlnum(cp) ? String.fromCharCode(cp) : `\\u{${cp.toString(16)}}`;
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isOctal(c: number): boolean {
  return c >= 0x30 && c <= 0x37;
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}
