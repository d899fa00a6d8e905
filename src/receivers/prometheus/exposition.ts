/**
 * Parser of what a Prometheus scrape target answers: the Prometheus text format 0.0.4
 * (`text/plain; version=0.0.4`) and OpenMetrics 1.0 text (`application/openmetrics-text`).
 *
 * What it accepts is what Prometheus's own parsers accept (model/textparse promparse.go and
 * openmetricsparse.go), read against the OpenMetrics ABNF and the text format's grammar:
 * - One malformed line fails the whole exposition, as a Prometheus scrape fails: the result
 *   then has no families and one error, `line N: <problem>`. A partial scrape is never returned
 *   as families; `partial` holds what came before the bad line, for the scraper to count.
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
 * Strings in the result may be slices of the input text. The line grammar and the families are
 * here; the token readers (labels, values, timestamps) are in `exposition-lexer.ts`.
 */
import {
  ExpositionError,
  ExpositionLexer,
  HASH,
  is,
  isDigit,
  LBRACE,
  LF,
  M0,
  M1,
  MINUS,
  PLUS,
  q,
  QUOTE,
  SP,
  TAB,
  unescape,
  type Labels,
} from './exposition-lexer.js';

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
  /** With an error: the families read before it, which Prometheus counts in scrape_samples_scraped. Never to be stored. */
  partial?: ParsedFamily[];
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
    if (err instanceof ExpositionError) return { families: [], errors: [err.message], partial: parser.families };
    throw err;
  }
  return { families: parser.families, errors: [] };
}

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

const NONE_LABELS: Labels = [];

/** The line grammar of both formats and the grouping of samples into families. */
class Parser extends ExpositionLexer {
  readonly families: ParsedFamily[] = [];
  private readonly byName = new Map<string, FamilyState>();
  private sawEof = false;
  private cur: FamilyState | undefined;
  /** The previous sample's name and labels: repeated strings are reused, not sliced again. */
  private lastName = '';
  private lastLabels: Labels = [];
  /** The family of the previous sample's name, until a metadata line may change it. */
  private lastFamilyName = '';
  private lastFamily: FamilyState | undefined;

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
