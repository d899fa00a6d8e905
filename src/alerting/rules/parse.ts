/**
 * Reads a Prometheus rule file as Prometheus's pkg/rulefmt does: a strict decode (unknown keys and
 * wrong types are errors, reported as yaml.v3 reports them), then the same validation with the same
 * messages and `line:col` positions.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Document, type Node, type Pair } from 'yaml';
import { parseExpr } from '../../promql/parse.js';
import { parseDurationMs } from '../../promql/literals.js';
import type { Labels } from '../../promql/types.js';
import { parseTemplate } from './template.js';
import type { RuleConfig, RuleFile, RuleGroupConfig } from './types.js';

type Pos = { line: number; col: number };
const NO_POS: Pos = { line: 0, col: 0 };

/** Raised for errors that stop the decode (yaml.v3 returns them alone). */
class FatalDecode extends Error {}

/** Positions of the nodes the validation messages name. */
interface RuleNodes { record: Pos; alert: Pos; expr: Pos }
interface GroupNodes { group: Pos; rules: RuleNodes[] }

const UNIT_ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];

/** The error Prometheus's model.ParseDuration gives for `text`. */
function durationError(text: string): string {
  const invalid = `not a valid duration string: ${JSON.stringify(text)}`;
  let last = -1;
  for (let s = text; s !== '';) {
    const num = /^\d+/.exec(s);
    if (num === null) return invalid;
    s = s.slice(num[0].length);
    const unit = /^\D+/.exec(s)?.[0];
    if (unit === undefined) return invalid;
    s = s.slice(unit.length);
    const pos = UNIT_ORDER.indexOf(unit);
    if (pos < 0) return `unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}`;
    if (pos <= last) return invalid;
    last = pos;
  }
  return invalid;
}

class Decoder {
  readonly typeErrors: string[] = [];
  /** The type errors alone: Prometheus decodes a second time, without the unknown-field check, and reports these again. */
  readonly nodeErrors: string[] = [];
  constructor(private readonly lc: LineCounter) {}

  pos(n: Node | null | undefined): Pos {
    if (n?.range == null) return NO_POS;
    return this.lc.linePos(n.range[0]);
  }

  kind(n: unknown): string {
    if (isMap(n)) return '!!map';
    if (isSeq(n)) return '!!seq';
    if (isScalar(n)) return typeof n.value === 'number' ? (Number.isInteger(n.value) ? '!!int' : '!!float') : typeof n.value === 'boolean' ? '!!bool' : n.value === null ? '!!null' : '!!str';
    return '!!null';
  }

  typeError(n: Node, into: string): void {
    const shown = isScalar(n) ? ` \`${String(n.source ?? n.value)}\`` : '';
    const e = `line ${this.pos(n).line}: cannot unmarshal ${this.kind(n)}${shown} into ${into}`;
    this.typeErrors.push(e);
    this.nodeErrors.push(e);
  }

  /** The pairs of a mapping; unknown keys reported as yaml.v3's KnownFields does. */
  fields(n: unknown, type: string, known: readonly string[]): Map<string, Pair<Node, Node | null>> {
    const out = new Map<string, Pair<Node, Node | null>>();
    if (n === null || n === undefined || (isScalar(n) && n.value === null)) return out;
    if (!isMap(n)) {
      this.typeError(n as Node, type);
      return out;
    }
    for (const p of n.items as Array<Pair<Node, Node | null>>) {
      const key = isScalar(p.key) ? String(p.key.value) : '';
      if (!known.includes(key)) this.typeErrors.push(`line ${this.pos(p.key).line}: field ${key} not found in type ${type}`);
      else out.set(key, p);
    }
    return out;
  }

  string(n: Node | null | undefined): string {
    if (n === null || n === undefined) return '';
    if (!isScalar(n)) {
      this.typeError(n, 'string');
      return '';
    }
    return n.value === null ? '' : String(n.source ?? n.value);
  }

  duration(n: Node | null | undefined): number {
    const text = this.string(n);
    if (n === null || n === undefined || (isScalar(n) && n.value === null)) return 0;
    if (text === '') throw new FatalDecode('empty duration string');
    const ms = parseDurationMs(text);
    if (ms === undefined) throw new FatalDecode(durationError(text));
    return ms;
  }

  int(n: Node | null | undefined): number {
    if (n === null || n === undefined || (isScalar(n) && n.value === null)) return 0;
    if (!isScalar(n) || typeof n.value !== 'number' || !Number.isInteger(n.value)) {
      this.typeError(n, 'int');
      return 0;
    }
    return n.value;
  }

  labels(n: Node | null | undefined): Labels {
    const out: Labels = {};
    if (n === null || n === undefined || (isScalar(n) && n.value === null)) return out;
    if (!isMap(n)) {
      this.typeError(n, 'map[string]string');
      return out;
    }
    for (const p of n.items as Array<Pair<Node, Node | null>>) out[this.string(p.key)] = this.string(p.value);
    return out;
  }
}

const GROUP_KEYS = ['name', 'interval', 'query_offset', 'limit', 'rules', 'labels'] as const;
const RULE_KEYS = ['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'] as const;

function decodeRule(d: Decoder, n: Node): { rule: RuleConfig; nodes: RuleNodes } {
  const f = d.fields(n, 'rulefmt.Rule', RULE_KEYS);
  const v = (k: string) => f.get(k)?.value;
  const rule: RuleConfig = { expr: d.string(v('expr')), forMs: d.duration(v('for')), keepFiringForMs: d.duration(v('keep_firing_for')), labels: d.labels(v('labels')), annotations: d.labels(v('annotations')) };
  const record = d.string(v('record'));
  const alert = d.string(v('alert'));
  if (record !== '') rule.record = record;
  if (alert !== '') rule.alert = alert;
  return { rule, nodes: { record: d.pos(v('record')), alert: d.pos(v('alert')), expr: d.pos(v('expr')) } };
}

function decodeGroup(d: Decoder, n: Node): { group: RuleGroupConfig; nodes: GroupNodes } {
  const f = d.fields(n, 'rulefmt.RuleGroup', GROUP_KEYS);
  const v = (k: string) => f.get(k)?.value;
  const group: RuleGroupConfig = { name: d.string(v('name')), limit: d.int(v('limit')), labels: d.labels(v('labels')), rules: [] };
  if (v('interval') != null) group.intervalMs = d.duration(v('interval')) || undefined;
  if (v('query_offset') != null) group.queryOffsetMs = d.duration(v('query_offset'));
  const nodes: GroupNodes = { group: d.pos(n), rules: [] };
  const rules = v('rules');
  if (rules != null && !(isScalar(rules) && rules.value === null)) {
    if (!isSeq(rules)) d.typeError(rules, '[]rulefmt.Rule');
    else for (const r of rules.items as Node[]) {
      const { rule, nodes: rn } = decodeRule(d, r);
      group.rules.push(rule);
      nodes.rules.push(rn);
    }
  }
  return { group, nodes };
}

/** Prometheus 3 validates names as UTF-8: any non-empty string is a label or metric name. */
const validName = (s: string) => s.length > 0;

function validateRule(r: RuleConfig, n: RuleNodes): Array<{ at: string; err: string }> {
  const at = (p: Pos) => `${p.line}:${p.col}: `;
  const errs: Array<{ at: string; err: string }> = [];
  const push = (where: string, err: string) => errs.push({ at: where, err });
  if (r.record !== undefined && r.alert !== undefined) push(at(n.record) + at(n.alert), `only one of 'record' and 'alert' must be set`);
  if (r.record === undefined && r.alert === undefined) push(at(n.record) + at(n.alert), `one of 'record' or 'alert' must be set`);
  if (r.expr === '') push(at(n.expr), `field 'expr' must be set in rule`);
  else {
    try {
      parseExpr(r.expr);
    } catch (err) {
      push(at(n.expr), `could not parse expression: ${(err as Error).message}`);
    }
  }
  if (r.record !== undefined) {
    if (Object.keys(r.annotations).length > 0) push(at(n.record), `invalid field 'annotations' in recording rule`);
    if (r.forMs !== 0) push(at(n.record), `invalid field 'for' in recording rule`);
    if (r.keepFiringForMs !== 0) push(at(n.record), `invalid field 'keep_firing_for' in recording rule`);
    if (r.record.includes('{') || r.record.includes('}')) push(at(n.record), `braces present in the recording rule name; should it be in expr?: ${r.record}`);
  }
  for (const k of Object.keys(r.labels)) if (!validName(k) || k === '__name__') push('', `invalid label name: ${k}`);
  for (const k of Object.keys(r.annotations)) if (!validName(k)) push('', `invalid annotation name: ${k}`);
  if (r.alert !== undefined) {
    const check = (what: string, entries: Labels) => {
      for (const [k, text] of Object.entries(entries)) {
        try {
          parseTemplate(text, `__alert_${r.alert}`);
        } catch (err) {
          // Prometheus's ParseTest returns text/template's error alone, without the expander's prefix.
          push('', `${what} ${JSON.stringify(k)}: ${(err as Error).message.replace(/^error parsing template [^:]*: /, '')}`);
        }
      }
    };
    check('label', r.labels);
    check('annotation', r.annotations);
  }
  return errs;
}

function validate(groups: RuleGroupConfig[], nodes: GroupNodes[]): string[] {
  const errs: string[] = [];
  const seen = new Set<string>();
  groups.forEach((g, j) => {
    // Prometheus prints 0:0 here: the yaml.Node it embeds in RuleGroupNode is never filled in.
    if (g.name === '') errs.push('0:0: Groupname must not be empty');
    if (seen.has(g.name)) errs.push(`0:0: groupname: "${g.name}" is repeated in the same file`);
    seen.add(g.name);
    for (const k of Object.keys(g.labels)) if (!validName(k) || k === '__name__') errs.push(`invalid label name: ${k}`);
    g.rules.forEach((r, i) => {
      const name = r.alert ?? r.record ?? '';
      for (const e of validateRule(r, nodes[j]!.rules[i]!)) errs.push(`${e.at}group ${JSON.stringify(g.name)}, rule ${i + 1}, ${JSON.stringify(name)}: ${e.err}`);
    });
  });
  return errs;
}

/** Most nodes a rule file with aliases may hold once they are expanded; past it the file is refused, as yaml.v3 refuses alias bombs. */
const MAX_EXPANDED_NODES = 100_000;

/** Puts each alias's anchored node in its place, as yaml.v3 decodes aliases (they read as null otherwise). */
function resolveAliases(doc: Document): void {
  let aliases = false;
  visit(doc, { Alias: () => ((aliases = true), visit.BREAK) });
  if (!aliases) return;
  let nodes = 0;
  // Every node visited is counted: an anchored node shared by many aliases is walked once per alias.
  visit(doc, (_key, node) => {
    if (++nodes > MAX_EXPANDED_NODES) throw new FatalDecode('yaml: document contains excessive aliasing');
    return isAlias(node) ? (node.resolve(doc) ?? undefined) : undefined;
  });
}

/** Parses and validates the text of a rule file; every error is prefixed with `file: ` as Prometheus prints it. */
export function parseRuleFile(content: string, file: string): RuleFile {
  const lc = new LineCounter();
  const docs = parseAllDocuments(content, { lineCounter: lc, uniqueKeys: true });
  const fail = (errors: string[]): RuleFile => ({ file, groups: [], errors: errors.map((e) => `${file}: ${e}`) });
  const list = Array.isArray(docs) ? docs : [];
  const doc = list[0];
  if (doc === undefined) return { file, groups: [], errors: [] };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const msg = `yaml: line ${e.linePos?.[0]?.line ?? 0}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:$/, '')}`;
    return fail([msg, msg]);
  }
  const d = new Decoder(lc);
  const groups: RuleGroupConfig[] = [];
  const nodes: GroupNodes[] = [];
  try {
    resolveAliases(doc);
    const root = d.fields(doc.contents, 'rulefmt.RuleGroups', ['groups']).get('groups')?.value;
    if (root != null && !(isScalar(root) && root.value === null)) {
      if (!isSeq(root)) d.typeError(root, '[]rulefmt.RuleGroup');
      else for (const g of root.items as Node[]) {
        const r = decodeGroup(d, g);
        groups.push(r.group);
        nodes.push(r.nodes);
      }
    }
  } catch (err) {
    if (err instanceof FatalDecode) return fail([err.message, err.message]);
    throw err;
  }
  const unmarshal = (list: string[]) => (list.length === 0 ? [] : [`yaml: unmarshal errors:\n  ${list.join('\n  ')}`]);
  if (d.typeErrors.length > 0) return fail([...unmarshal(d.typeErrors), ...unmarshal(d.nodeErrors)]);
  const errors = validate(groups, nodes);
  return { file, groups, errors: errors.map((e) => `${file}: ${e}`) };
}
