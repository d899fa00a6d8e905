/**
 * Parser of what a Prometheus scrape target answers: the Prometheus text format 0.0.4
 * (`text/plain; version=0.0.4`) and OpenMetrics 1.0 text (`application/openmetrics-text`).
 *
 * What it accepts is what Prometheus's own parsers accept (model/textparse promparse.go and
 * openmetricsparse.go), read against the OpenMetrics ABNF and the text format's grammar:
 * - One malformed line fails the whole exposition, as a Prometheus scrape fails: the result
 *   then has no families and one error, `line N: <problem>`. A partial scrape is never returned.
 * - Text 0.0.4: blanks and tabs between tokens, blank lines, comments other than HELP and TYPE,
 *   a trailing comma in a label set and a last line without `\n` are fine; labels must be
 *   separated by commas (Prometheus lets a missing one pass, by its own account a bug);
 *   timestamps are integer milliseconds, negative ones too as in the format's own example
 *   (Prometheus takes digits only); HELP unescapes `\\` and `\n`, label values also `\"`.
 * - OpenMetrics: single spaces only, no blank lines, no comments other than TYPE, UNIT, HELP and
 *   the `# EOF` that must end the exposition; timestamps are seconds (any real number), turned
 *   into milliseconds exactly from the decimal text, truncated towards zero; exemplars follow
 *   ` # ` on `_total` and `_bucket` samples (an exemplar whose labels exceed the spec's 128
 *   code points is dropped, as Prometheus drops it, not the scrape); a non-empty UNIT must be a
 *   suffix of the name.
 * - Values are floats as Go's ParseFloat reads them, without hex: NaN, Inf, +Inf, -Inf and
 *   Infinity in any case; a finite literal beyond float64 range is an error.
 * - Not supported: quoted (UTF-8) metric and label names, an error naming them. Carriage returns
 *   are an error, as in Prometheus.
 * - Label sets keep exposition order; duplicate label names are an error (Prometheus rejects
 *   such a sample when appending it, failing the scrape). Semantic rules Prometheus does not
 *   check at scrape time (bucket order, interleaved families, repeated metadata) are not
 *   checked: repeated metadata updates the family.
 *
 * Samples are grouped into families the way Prometheus associates series with metadata
 * (textparse/family.go): a sample belongs to the family named by its name, or by its name less
 * a suffix of the family's type (`_total`, `_bucket`, `_sum`, `_count`, `_created`, `_gsum`,
 * `_gcount`, `_info`); a sample of no declared family starts an `untyped` (text) or `unknown`
 * (OpenMetrics) family of its own name. Families keep first-appearance order.
 * Strings in the result may be slices of the input text.
 */

/** One sample line: its own metric name (suffix included), labels, value, optional time. */
export interface ParsedSample {
  name: string;
  labels: Array<[string, string]>;
  value: number;
  timestampMs?: number;
  exemplar?: { labels: Array<[string, string]>; value: number; timestampMs?: number };
}

/** A metric family: metadata and the samples that belong to it. */
export interface ParsedFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown' | 'untyped';
  help?: string;
  unit?: string;
  samples: ParsedSample[];
}

/** Families parsed, or none and a single error when the exposition is malformed. */
export interface ParseResult {
  families: ParsedFamily[];
  errors: string[];
}

/** The two text formats Braid scrapes. */
export type ExpositionFormat = 'prometheus-text' | 'openmetrics';

/** Family type names. */
export type FamilyType = ParsedFamily['type'];

/**
 * The Accept header of a Braid scrape, the one Prometheus 2.49 to 2.55 sends by default: both
 * OpenMetrics versions, then text 0.0.4. No escaping parameter, so targets escape UTF-8 names
 * to legacy ones (Braid does not parse quoted names) and no protobuf (Braid does not parse it).
 */
export const SCRAPE_ACCEPT_HEADER =
  'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';

/** The format a Content-Type header names, or undefined for a blank or unsupported one. */
export function expositionFormat(contentType: string): ExpositionFormat | undefined {
  const semi = contentType.indexOf(';');
  const media = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (media === 'application/openmetrics-text') return 'openmetrics';
  if (media === 'text/plain') return 'prometheus-text';
  return undefined;
}

/**
 * Parses a scrape body by its Content-Type. As in Prometheus 3, a blank or unsupported type is an
 * error unless `fallbackFormat` (Prometheus's fallback_scrape_protocol) says what to assume.
 */
export function parseExposition(text: string, contentType: string, options: { fallbackFormat?: ExpositionFormat } = {}): ParseResult {
  const format = expositionFormat(contentType) ?? options.fallbackFormat;
  if (format === undefined) {
    const why = contentType.trim() === '' ? 'blank Content-Type' : `unsupported Content-Type ${JSON.stringify(contentType)}`;
    return { families: [], errors: [`${why} and no fallback format: expected text/plain or application/openmetrics-text`] };
  }
  const parser = new Parser(text, format === 'openmetrics');
  try {
    parser.parse();
  } catch (err) {
    if (err instanceof ExpositionError) return { families: [], errors: [err.message] };
    throw err;
  }
  return { families: parser.families, errors: [] };
}

class ExpositionError extends Error {}

const LF = 10;
const SP = 32;
const TAB = 9;
const HASH = 35;
const QUOTE = 34;
const BSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const EQ = 61;
const COMMA = 44;
const DOT = 46;
const PLUS = 43;
const MINUS = 45;

/** Character classes: label name start / label name char / metric name start / metric name char. */
const L0 = 1;
const L1 = 2;
const M0 = 4;
const M1 = 8;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  const digit = c >= 48 && c <= 57;
  CLASS[c] = (alpha ? L0 | L1 | M0 | M1 : 0) | (digit ? L1 | M1 : 0) | (c === 58 ? M0 | M1 : 0);
}
const is = (c: number, cls: number): boolean => c < 128 && (CLASS[c]! & cls) !== 0;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

const TEXT_TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const OM_TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown']);
const NONE: readonly string[] = [];
const TEXT_SUFFIXES: Partial<Record<FamilyType, readonly string[]>> = {
  counter: ['_total'],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};
const OM_SUFFIXES: Partial<Record<FamilyType, readonly string[]>> = {
  counter: ['_total', '_created'],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['_sum', '_count', '_created'],
  info: ['_info'],
};
const ALL_SUFFIXES = ['_total', '_created', '_bucket', '_sum', '_count', '_gsum', '_gcount', '_info'];
const EXEMPLAR_MAX_CODE_POINTS = 128;

interface FamilyState {
  family: ParsedFamily;
  suffixes: readonly string[];
}

type Labels = Array<[string, string]>;
const NONE_LABELS: Labels = [];

class Parser {
  readonly families: ParsedFamily[] = [];
  private readonly byName = new Map<string, FamilyState>();
  private readonly len: number;
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private sawEof = false;
  private cur: FamilyState | undefined;
  /** The previous sample's name and labels: repeated strings are reused, not sliced again. */
  private lastName = '';
  private lastLabels: Labels = [];
  /** The family of the previous sample's name, until a metadata line may change it. */
  private lastFamilyName = '';
  private lastFamily: FamilyState | undefined;

  constructor(
    private readonly text: string,
    private readonly om: boolean,
  ) {
    this.len = text.length;
  }

  parse(): void {
    while (this.pos < this.len) {
      this.lineStart = this.pos;
      if (this.om) this.omLine();
      else this.textLine();
      this.line++;
    }
    if (this.om && !this.sawEof) this.fail('missing "# EOF": an OpenMetrics exposition must end with it');
  }

  private textLine(): void {
    this.blanks();
    const c = this.at(this.pos);
    if (this.pos >= this.len) return;
    if (c === LF) this.pos++;
    else if (c === HASH) this.textComment();
    else this.sample();
  }

  private omLine(): void {
    const c = this.at(this.pos);
    if (c === HASH) this.omComment();
    else if (c === LF) this.fail('empty line: OpenMetrics does not allow blank lines');
    else this.sample();
  }

  /** `# HELP name text`, `# TYPE name type`; any other comment is skipped. */
  private textComment(): void {
    const { text } = this;
    this.pos++;
    const c = this.at(this.pos);
    let keyword = '';
    if (c === SP || c === TAB) {
      this.blanks();
      const k = text.slice(this.pos, this.pos + 4);
      const after = this.at(this.pos + 4);
      if ((k === 'HELP' || k === 'TYPE') && (after === SP || after === TAB)) keyword = k;
    }
    if (keyword === '') {
      this.skipLine();
      return;
    }
    this.pos += 4;
    this.blanks();
    const name = this.metadataName(keyword);
    const end = this.lineEnd();
    const c2 = this.at(this.pos);
    if (this.pos < end && c2 !== SP && c2 !== TAB) this.fail(`invalid character ${this.found()} in metric name ${q(name)}`);
    this.blanks();
    const rest = this.pos < end ? text.slice(this.pos, end) : '';
    if (keyword === 'TYPE') {
      const value = rest.trimEnd();
      if (!TEXT_TYPES.has(value)) this.fail(`invalid metric type ${q(value)} for ${q(name)}: expected counter, gauge, histogram, summary or untyped`);
      this.metadata(name, 'type', value);
    } else {
      this.metadata(name, 'help', unescape(rest, false));
    }
    this.pos = end;
    this.endLine();
  }

  /** `# TYPE`, `# UNIT`, `# HELP` with single spaces, or `# EOF`; nothing else. */
  private omComment(): void {
    const { text } = this;
    const k = text.slice(this.pos, this.pos + 7);
    if (k.startsWith('# EOF')) {
      this.pos += 5;
      if (this.at(this.pos) === LF && ++this.pos < this.len) {
        this.line++;
        this.lineStart = this.pos;
      }
      if (this.pos < this.len) this.fail('unexpected data after "# EOF"');
      this.sawEof = true;
      return;
    }
    const keyword = k === '# TYPE ' ? 'TYPE' : k === '# HELP ' ? 'HELP' : k === '# UNIT ' ? 'UNIT' : '';
    if (keyword === '') this.fail(`invalid comment ${this.found(this.lineEnd() - this.pos)}: OpenMetrics allows only "# TYPE", "# HELP", "# UNIT" and "# EOF"`);
    this.pos += 7;
    const name = this.metadataName(keyword);
    const end = this.lineEnd();
    if (this.at(this.pos) !== SP) this.fail(`expected " " and ${keyword === 'TYPE' ? 'a type' : 'text'} after metric name ${q(name)}, got ${this.found()}`);
    const value = text.slice(this.pos + 1, end);
    if (keyword === 'TYPE') {
      if (!OM_TYPES.has(value)) this.fail(`invalid metric type ${q(value)} for ${q(name)}: expected counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown`);
      this.metadata(name, 'type', value);
    } else if (keyword === 'UNIT') {
      for (let i = 0; i < value.length; i++) if (!is(value.charCodeAt(i), M1)) this.fail(`invalid unit ${q(value)} for ${q(name)}`);
      if (value !== '' && !(name.endsWith(value) && name.charCodeAt(name.length - value.length - 1) === 95)) {
        this.fail(`unit ${q(value)} is not a suffix of metric name ${q(name)}`);
      }
      this.metadata(name, 'unit', value);
    } else {
      this.metadata(name, 'help', unescape(value, true));
    }
    this.pos = end;
    this.endLine();
  }

  private metadataName(keyword: string): string {
    const start = this.pos;
    if (!is(this.at(start), M0)) {
      if (this.at(start) === QUOTE) this.fail(`quoted metric names are not supported (after ${keyword})`);
      this.fail(`expected a metric name after ${keyword}, got ${this.found()}`);
    }
    this.pos = this.scan(start + 1, M1);
    return this.text.slice(start, this.pos);
  }

  private metadata(name: string, field: 'type' | 'help' | 'unit', value: string): void {
    const st = this.cur?.family.name === name ? this.cur : (this.byName.get(name) ?? this.newFamily(name));
    this.cur = st;
    this.lastFamily = undefined;
    const f = st.family;
    if (field === 'type') {
      f.type = value as FamilyType;
      st.suffixes = (this.om ? OM_SUFFIXES : TEXT_SUFFIXES)[f.type] ?? NONE;
    } else if (value !== '') {
      f[field] = value;
    } else {
      delete f[field];
    }
  }

  private newFamily(name: string): FamilyState {
    const family: ParsedFamily = { name, type: this.om ? 'unknown' : 'untyped', samples: [] };
    const st: FamilyState = { family, suffixes: NONE };
    this.families.push(family);
    this.byName.set(name, st);
    return st;
  }

  /** The family a sample of this name belongs to: the current one, a known one, or a new one. */
  private familyOf(name: string): FamilyState {
    if (name === this.lastFamilyName && this.lastFamily !== undefined) return this.lastFamily;
    this.lastFamilyName = name;
    this.lastFamily = this.findFamily(name);
    return this.lastFamily;
  }

  private findFamily(name: string): FamilyState {
    const cur = this.cur;
    if (cur !== undefined && belongs(name, cur)) return cur;
    let st = this.byName.get(name);
    for (let i = 0; st === undefined && i < ALL_SUFFIXES.length; i++) {
      const s = ALL_SUFFIXES[i]!;
      if (!name.endsWith(s)) continue;
      const base = this.byName.get(name.slice(0, name.length - s.length));
      if (base !== undefined && belongs(name, base)) st = base;
    }
    st ??= this.newFamily(name);
    this.cur = st;
    return st;
  }

  /** A sample line: name, optional labels, value, optional timestamp, optional exemplar (OM). */
  private sample(): void {
    const { om } = this;
    const name = this.sampleName();
    if (!om) this.blanks();
    let labels: Labels;
    if (this.at(this.pos) === LBRACE) {
      labels = this.labels(this.lastLabels);
      this.lastLabels = labels;
      if (!om) this.blanks();
    } else {
      labels = [];
    }
    if (om) this.expectSpace('before the value');
    const value = this.number(this.pos, this.token(), 'value');
    const sample: ParsedSample = { name, labels, value };
    if (om) this.omSampleEnd(sample);
    else this.textSampleEnd(sample);
    this.familyOf(name).family.samples.push(sample);
  }

  private sampleName(): string {
    const { text } = this;
    const start = this.pos;
    const c = this.at(start);
    if (!is(c, M0)) {
      if (c === LBRACE) this.fail('expected a metric name before "{" (quoted metric names are not supported)');
      this.fail(`expected a metric name, got ${this.found()}`);
    }
    const end = this.scan(start + 1, M1);
    this.pos = end;
    const next = this.at(end);
    if (next !== SP && next !== LBRACE && next !== TAB && next !== LF && end < this.len) {
      this.fail(`invalid character ${this.found()} after metric name ${q(text.slice(start, end))}`);
    }
    if (!this.equals(start, end, this.lastName)) this.lastName = text.slice(start, end);
    return this.lastName;
  }

  private textSampleEnd(sample: ParsedSample): void {
    this.blanks();
    const start = this.pos;
    const sign = this.at(start);
    const digitsStart = sign === MINUS || sign === PLUS ? start + 1 : start;
    if (isDigit(this.at(digitsStart))) {
      this.pos = this.scanDigits(digitsStart);
      const ms = (sign === MINUS ? -1 : 1) * this.integer(digitsStart, this.pos);
      if (!Number.isSafeInteger(ms)) this.fail(`timestamp ${q(this.text.slice(start, this.pos))} is out of range`);
      sample.timestampMs = ms;
      this.blanks();
      if (!this.atLineEnd()) this.fail(`expected end of line after the timestamp, got ${this.found()}`);
    } else if (!this.atLineEnd()) {
      this.fail(`expected an integer millisecond timestamp or end of line, got ${this.found()}`);
    }
    this.endLine();
  }

  private omSampleEnd(sample: ParsedSample): void {
    if (this.at(this.pos) === SP && !this.atExemplar()) {
      this.pos++;
      const start = this.pos;
      sample.timestampMs = this.secondsToMs(start, this.token());
    }
    const exemplarFollows = this.atExemplar();
    if (exemplarFollows) {
      if (!sample.name.endsWith('_total') && !sample.name.endsWith('_bucket')) {
        this.fail(`metric ${q(sample.name)} cannot have an exemplar: only _total and _bucket samples can`);
      }
      this.pos += 3;
      const labels = this.labels(NONE_LABELS);
      this.expectSpace('before the exemplar value');
      const value = this.number(this.pos, this.token(), 'exemplar value');
      const exemplar: NonNullable<ParsedSample['exemplar']> = { labels, value };
      if (this.at(this.pos) === SP) {
        this.pos++;
        exemplar.timestampMs = this.secondsToMs(this.pos, this.token());
      }
      if (codePoints(labels) <= EXEMPLAR_MAX_CODE_POINTS) sample.exemplar = exemplar;
    }
    if (this.pos >= this.len) this.fail('missing "# EOF": an OpenMetrics exposition must end with it');
    if (this.at(this.pos) !== LF) this.fail(`expected ${exemplarFollows ? 'end of line' : 'a timestamp, an exemplar or end of line'}, got ${this.found()}`);
    this.endLine();
  }

  private atExemplar(): boolean {
    const p = this.pos;
    return this.at(p) === SP && this.at(p + 1) === HASH && this.at(p + 2) === SP && this.at(p + 3) === LBRACE;
  }

  /** `{name="value",...}` from the `{`; `prev` is the previous label set, for string reuse. */
  private labels(prev: Labels): Labels {
    const { text, om } = this;
    const labels: Labels = [];
    this.pos++;
    for (;;) {
      if (!om) this.blanks();
      let c = this.at(this.pos);
      if (c === RBRACE && (!om || labels.length === 0)) break;
      const nameStart = this.pos;
      if (!is(c, L0)) {
        if (c === QUOTE) this.fail('quoted label names and metric names in braces are not supported');
        this.fail(`expected a label name, got ${this.found()}`);
      }
      const nameEnd = this.scan(nameStart + 1, L1);
      this.pos = nameEnd;
      const old = prev[labels.length];
      const name = old !== undefined && this.equals(nameStart, nameEnd, old[0]) ? old[0] : text.slice(nameStart, nameEnd);
      if (!om) this.blanks();
      if (this.at(this.pos) !== EQ) this.fail(`expected "=" after label name ${q(name)}, got ${this.found()}`);
      this.pos++;
      if (!om) this.blanks();
      if (this.at(this.pos) !== QUOTE) this.fail(`expected a quoted value for label ${q(name)}, got ${this.found()}`);
      const valueStart = this.pos + 1;
      let p = valueStart;
      let escaped = false;
      for (;;) {
        c = this.at(p);
        if (c === QUOTE) break;
        if (c === BSLASH) {
          escaped = true;
          p++;
          c = this.at(p);
        }
        if (c === LF || p >= this.len) {
          this.pos = p;
          this.fail(`unterminated value of label ${q(name)}: a line break must be written \\n`);
        }
        p++;
      }
      this.pos = p + 1;
      let value: string;
      if (escaped) value = unescape(text.slice(valueStart, p), true);
      else value = old !== undefined && this.equals(valueStart, p, old[1]) ? old[1] : text.slice(valueStart, p);
      for (let i = 0; i < labels.length; i++) if (labels[i]![0] === name) this.fail(`duplicate label name ${q(name)}`);
      labels.push([name, value]);
      if (!om) this.blanks();
      c = this.at(this.pos);
      if (c === COMMA) {
        this.pos++;
        if (om && this.at(this.pos) === RBRACE) this.fail('expected a label name after ",": OpenMetrics does not allow a trailing comma');
        continue;
      }
      if (c === RBRACE) break;
      this.fail(`expected "," or "}" after the value of label ${q(name)}, got ${this.found()}`);
    }
    this.pos++;
    return labels;
  }

  /** The end of the value or timestamp token at `pos`; moves `pos` there. */
  private token(): number {
    const { text, om } = this;
    let p = this.pos;
    for (; p < this.len; p++) {
      const c = text.charCodeAt(p);
      if (c === SP || c === LF || (c === TAB && !om)) break;
    }
    this.pos = p;
    return p;
  }

  /** A float as Go's strconv.ParseFloat reads it, without hex, as Prometheus does. */
  private number(start: number, end: number, what: string): number {
    if (start === end) this.fail(`expected a ${what}, got ${this.found()}`);
    if (end - start <= 15 && this.scanDigits(start) === end) return this.integer(start, end);
    const { text } = this;
    let i = start;
    let c = text.charCodeAt(i);
    const signed = c === PLUS || c === MINUS;
    if (signed) i++;
    if (end - i === 3 || end - i === 8) {
      const word = text.slice(i, end).toLowerCase();
      if (word === 'inf' || word === 'infinity') return c === MINUS ? -Infinity : Infinity;
      if (word === 'nan' && !signed) return NaN;
    }
    const intEnd = this.scanDigits(i);
    let digits = intEnd - i;
    i = intEnd;
    if (text.charCodeAt(i) === DOT && i < end) {
      const fracEnd = this.scanDigits(i + 1);
      digits += fracEnd - i - 1;
      i = fracEnd;
    }
    c = text.charCodeAt(i);
    if (digits > 0 && i < end && (c === 101 || c === 69)) {
      i++;
      c = text.charCodeAt(i);
      if (c === PLUS || c === MINUS) i++;
      const expEnd = this.scanDigits(i);
      i = expEnd > i ? expEnd : end + 1;
    }
    const literal = text.slice(start, end);
    if (digits === 0 || i !== end) this.fail(`invalid ${what} ${q(literal)}`);
    const v = Number(literal);
    if (!Number.isFinite(v)) this.fail(`${what} ${q(literal)} is out of range`);
    return v;
  }

  /** OpenMetrics seconds to milliseconds, exactly from the decimal text, truncated to zero. */
  private secondsToMs(start: number, end: number): number {
    const v = this.number(start, end, 'timestamp');
    if (!Number.isFinite(v)) this.fail(`invalid timestamp ${q(this.text.slice(start, end))}`);
    // number() has checked the syntax: [sign] digits [. digits] [e [sign] digits].
    const { text } = this;
    const sign = text.charCodeAt(start);
    const intStart = sign === MINUS || sign === PLUS ? start + 1 : start;
    const intEnd = this.scanDigits(intStart);
    const fracEnd = text.charCodeAt(intEnd) === DOT && intEnd < end ? this.scanDigits(intEnd + 1) : intEnd;
    const exponent = fracEnd < end ? Number(text.slice(fracEnd + 1, end)) : 0;
    const digits = text.slice(intStart, intEnd) + text.slice(Math.min(intEnd + 1, fracEnd), fracEnd);
    const point = intEnd - intStart + exponent + 3;
    if (point > 20) this.fail(`timestamp ${q(text.slice(start, end))} is out of range`);
    const whole = point <= 0 ? 0 : Number(point >= digits.length ? digits.padEnd(point, '0') : digits.slice(0, point));
    if (!Number.isSafeInteger(whole)) this.fail(`timestamp ${q(text.slice(start, end))} is out of range`);
    return sign === MINUS && whole !== 0 ? -whole : whole;
  }

  private integer(start: number, end: number): number {
    if (end - start > 15) return Number(this.text.slice(start, end));
    let v = 0;
    for (let i = start; i < end; i++) v = v * 10 + this.text.charCodeAt(i) - 48;
    return v;
  }

  private scanDigits(p: number): number {
    while (p < this.len && isDigit(this.text.charCodeAt(p))) p++;
    return p;
  }

  private scan(p: number, cls: number): number {
    while (p < this.len && is(this.text.charCodeAt(p), cls)) p++;
    return p;
  }

  private equals(start: number, end: number, s: string): boolean {
    return end - start === s.length && this.text.startsWith(s, start);
  }

  /** The char code at `p`, NaN past the end. */
  private at(p: number): number {
    return this.text.charCodeAt(p);
  }

  private blanks(): void {
    let c = this.at(this.pos);
    while (c === SP || c === TAB) c = this.at(++this.pos);
  }

  private expectSpace(where: string): void {
    if (this.at(this.pos) !== SP) this.fail(`expected " " ${where}, got ${this.found()}`);
    this.pos++;
  }

  private atLineEnd(): boolean {
    return this.pos >= this.len || this.at(this.pos) === LF;
  }

  private lineEnd(): number {
    const nl = this.text.indexOf('\n', this.pos);
    return nl < 0 ? this.len : nl;
  }

  private skipLine(): void {
    this.pos = this.lineEnd();
    this.endLine();
  }

  private endLine(): void {
    if (this.pos < this.len) this.pos++;
  }

  /** What stands at `pos`, quoted, for an error message. */
  private found(chars = 1): string {
    if (this.pos >= this.len) return 'end of input';
    if (this.at(this.pos) === LF) return 'end of line';
    return q(this.text.slice(this.pos, this.pos + Math.max(1, chars)));
  }

  private fail(problem: string): never {
    const line = this.text.slice(this.lineStart, this.lineEnd());
    const cr = line.includes('\r') ? ' (the line holds a carriage return: lines must end with \\n alone)' : '';
    throw new ExpositionError(`line ${this.line}: ${problem}${cr}`);
  }
}

function belongs(name: string, st: FamilyState): boolean {
  const base = st.family.name;
  if (name === base) return true;
  const { suffixes } = st;
  if (suffixes.length === 0 || !name.startsWith(base)) return false;
  for (let i = 0; i < suffixes.length; i++) {
    const s = suffixes[i]!;
    if (name.length === base.length + s.length && name.endsWith(s)) return true;
  }
  return false;
}

/** Undoes exposition escaping: `\\` and `\n`, and `\"` when `quote`; other escapes stay as written. */
function unescape(raw: string, quote: boolean): string {
  let i = raw.indexOf('\\');
  if (i < 0) return raw;
  let out = '';
  let from = 0;
  while (i >= 0 && i < raw.length - 1) {
    const n = raw.charCodeAt(i + 1);
    const rep = n === BSLASH ? '\\' : n === 110 ? '\n' : quote && n === QUOTE ? '"' : undefined;
    if (rep !== undefined) {
      out += raw.slice(from, i) + rep;
      from = i + 2;
    }
    i = raw.indexOf('\\', i + 2);
  }
  return out + raw.slice(from);
}

/** Code points in an exemplar's label names and values, the quantity the spec limits to 128. */
function codePoints(labels: Labels): number {
  let n = 0;
  for (const [name, value] of labels) {
    n += name.length + value.length;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0xdc00 && c <= 0xdfff) n--;
    }
  }
  return n;
}

function q(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}...` : s);
}
