/**
 * Loading relabel rules (`relabel_configs`, `metric_relabel_configs`) as Prometheus 3 loads them
 * (model/relabel Config.UnmarshalYAML and Validate): decoding as yaml.v2 decodes Prometheus's
 * Config (defaults first, null = zero value), then Prometheus's Validate, each error attributed
 * to the field at fault; the regex and templates compiled (src/model/text/regex.ts, template.ts).
 *
 * - Defaults: separator `;`, regex `(.*)`, replacement `$1`, action `replace` (any case).
 * - Label names: `legacy` ([a-zA-Z_][a-zA-Z0-9_]*, where `replace` targets and `labelmap`
 *   replacements may also hold `$` references) or `utf8` (any non-empty name, Prometheus 3's
 *   default scheme). Braid's default is `legacy`, because its exposition parser reads no quoted
 *   UTF-8 names.
 */
import { BraidError } from '../../../errors.js';
import { compileRegex, DEFAULT_COMPILED, DEFAULT_REGEX, type CompiledRegex } from '../../../model/text/regex.js';
import { compileTemplate } from '../../../model/text/template.js';
import type { CompiledRelabel, LabelNameScheme, RelabelAction } from './relabel.js';

const KEYS = ['source_labels', 'separator', 'regex', 'modulus', 'target_label', 'replacement', 'action'];
const ACTIONS: ReadonlySet<string> = new Set<RelabelAction>([
  'replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod', 'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase',
]);
const NEEDS_TARGET: ReadonlySet<string> = new Set(['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal']);
const TARGET_ONLY: ReadonlySet<string> = new Set(['lowercase', 'uppercase', 'keepequal', 'dropequal']);
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
