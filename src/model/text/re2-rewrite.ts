/**
 * Where re2js (a port of RE2/J) reads a regex differently from Go 1.26's regexp/syntax, which
 * Prometheus uses, the pattern is rewritten before re2js compiles it:
 * - `\p{name}`: Go 1.25+ looks names up canonically (first letter upper case, the rest lower
 *   case, no `_`, `-` or space: `\p{greek}`, `\p{letter}`) and knows the category aliases
 *   (`\p{Letter}` = `\pL`); re2js takes the name as written and also knows Unicode properties
 *   (`\p{Alphabetic}`) and scripts newer than Go's Unicode 15.0 (`\p{Garay}`) that Go rejects;
 * - a capture name used twice: Go accepts it (`$name` then takes the first group of that name
 *   that took part), re2js rejects it; the later groups lose their name here and `names` keeps
 *   every group number of a name.
 * The scanner follows Go's parser where parentheses, classes and escapes begin and end; only
 * what it rewrites changes, and `original` maps text quoted in an error back to the pattern.
 */

/** The rewritten pattern, the capture groups of each name, and the way back for error messages. */
export interface Rewritten {
  source: string;
  /** Capture group numbers of each name, in order. */
  names: Map<string, number[]>;
  /** Capture groups counted by the scanner (checked against re2js's count). */
  groups: number;
  /** Whether the `(` at index 1 (Prometheus's wrapper group) closes before the end, as in `a)|(b`. */
  wrapperClosesEarly: boolean;
  /** The original text of `source.slice(from, to)`. */
  original(from: number, to: number): string;
}

/** A piece of the rewritten source: copied from `orig` at `at`, or replacing `orig` whole. */
interface Piece {
  text: string;
  orig: string;
  copied: boolean;
}

const CATEGORIES = new Set('C Cc Cf Cn Co Cs L LC Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '));
// Go's unicode.CategoryAliases, keys passed through canonicalName.
const ALIASES: ReadonlyMap<string, string> = new Map(
  (
    'Cased_Letter=LC Close_Punctuation=Pe Combining_Mark=M Connector_Punctuation=Pc Control=Cc Currency_Symbol=Sc ' +
    'Dash_Punctuation=Pd Decimal_Number=Nd Enclosing_Mark=Me Final_Punctuation=Pf Format=Cf Initial_Punctuation=Pi ' +
    'Letter=L Letter_Number=Nl Line_Separator=Zl Lowercase_Letter=Ll Mark=M Math_Symbol=Sm Modifier_Letter=Lm ' +
    'Modifier_Symbol=Sk Nonspacing_Mark=Mn Number=N Open_Punctuation=Ps Other=C Other_Letter=Lo Other_Number=No ' +
    'Other_Punctuation=Po Other_Symbol=So Paragraph_Separator=Zp Private_Use=Co Punctuation=P Separator=Z ' +
    'Space_Separator=Zs Spacing_Mark=Mc Surrogate=Cs Symbol=S Titlecase_Letter=Lt Unassigned=Cn Uppercase_Letter=Lu ' +
    'cntrl=Cc digit=Nd punct=P'
  )
    .split(' ')
    .map((pair) => {
      const [alias, category] = pair.split('=') as [string, string];
      return [canonicalName(alias), category];
    }),
);
// Go 1.26's unicode.Scripts (Unicode 15.0) whose names are canonical, the only ones Go's lookup
// reaches (`\p{Old_Italic}` is canonically `Olditalic`, which Go does not find).
const SCRIPTS = new Set(
  ('Adlam Ahom Arabic Armenian Avestan Balinese Bamum Batak Bengali Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid ' +
    'Carian Chakma Cham Cherokee Chorasmian Common Coptic Cuneiform Cypriot Cyrillic Deseret Devanagari Dogra Duployan ' +
    'Elbasan Elymaic Ethiopic Georgian Glagolitic Gothic Grantha Greek Gujarati Gurmukhi Han Hangul Hanunoo Hatran ' +
    'Hebrew Hiragana Inherited Javanese Kaithi Kannada Katakana Kawi Kharoshthi Khmer Khojki Khudawadi Lao Latin ' +
    'Lepcha Limbu Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic Manichaean Marchen Medefaidrin Miao Modi ' +
    'Mongolian Mro Multani Myanmar Nabataean Nandinagari Newa Nko Nushu Ogham Oriya Osage Osmanya Palmyrene ' +
    'Phoenician Rejang Runic Samaritan Saurashtra Sharada Shavian Siddham Sinhala Sogdian Soyombo Sundanese Syriac ' +
    'Tagalog Tagbanwa Takri Tamil Tangsa Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta Toto Ugaritic Vai ' +
    'Vithkuqi Wancho Yezidi Yi').split(' '),
);
const SPECIAL = new Set(['Any', 'Assigned', 'Ascii', 'Lc']);
const CAPTURE_NAME = /^[A-Za-z0-9_]+$/;

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

/**
 * The name re2js must see for the Unicode class `name` (after any `^`) so that it takes the table
 * Go takes, or undefined when Go knows no such class.
 */
function re2jsClassName(name: string): string | undefined {
  const canon = canonicalName(name);
  if (SPECIAL.has(canon) || CATEGORIES.has(canon) || SCRIPTS.has(canon)) return canon;
  return ALIASES.get(canon);
}

/** Rewrites `pattern` (the whole anchored regex) for re2js; see the module comment. */
export function rewriteForRe2js(pattern: string): Rewritten {
  const pieces: Piece[] = [];
  let copyFrom = 0;
  const replace = (from: number, to: number, text: string): void => {
    if (from > copyFrom) pieces.push({ text: pattern.slice(copyFrom, from), orig: pattern.slice(copyFrom, from), copied: true });
    pieces.push({ text, orig: pattern.slice(from, to), copied: false });
    copyFrom = to;
  };
  const names = new Map<string, number[]>();
  let groups = 0;
  let depth = 0;
  let wrapperClosesEarly = false;
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i]!;
    if (c === '\\') {
      i = escape(pattern, i, replace);
    } else if (c === '[') {
      i = charClass(pattern, i, replace);
    } else if (c === '(') {
      depth++;
      i = group(pattern, i, names, () => ++groups, replace);
    } else {
      if (c === ')' && --depth === 0 && i !== n - 2) wrapperClosesEarly = true;
      i++;
    }
  }
  if (copyFrom < n) pieces.push({ text: pattern.slice(copyFrom), orig: pattern.slice(copyFrom), copied: true });
  const source = pieces.map((p) => p.text).join('');
  return { source, names, groups, wrapperClosesEarly, original: (from, to) => originalText(pieces, from, to) };
}

type Replace = (from: number, to: number, text: string) => void;

/** An escape at `i` (outside or inside a class); rewrites `\p` names; returns the index after it. */
function escape(pattern: string, i: number, replace: Replace): number {
  const next = pattern[i + 1];
  if (next === 'Q') {
    const end = pattern.indexOf('\\E', i + 2);
    return end < 0 ? pattern.length : end + 2;
  }
  if (next === 'p' || next === 'P') {
    let end: number;
    let name: string;
    if (pattern[i + 2] === '{') {
      end = pattern.indexOf('}', i) + 1;
      if (end === 0) return pattern.length;
      name = pattern.slice(i + 3, end - 1);
    } else {
      const cp = pattern.codePointAt(i + 2);
      if (cp === undefined) return i + 2;
      end = i + 2 + (cp > 0xffff ? 2 : 1);
      name = pattern.slice(i + 2, end);
    }
    const negated = name.startsWith('^');
    if (negated) name = name.slice(1);
    const mapped = re2jsClassName(name);
    // A name Go rejects: give re2js one it rejects too (it then quotes `\p{^^name}`, mapped back).
    const text = mapped === undefined ? `\\${next}{^^${name}}` : `\\${next}{${negated ? '^' : ''}${mapped}}`;
    if (text !== pattern.slice(i, end) && !(pattern[i + 2] !== '{' && text === `\\${next}{${name}}`)) replace(i, end, text);
    return end;
  }
  const cp = pattern.codePointAt(i + 1);
  return cp === undefined ? i + 1 : i + 1 + (cp > 0xffff ? 2 : 1);
}

/**
 * A `(` at `i`: counts a capture (`next` gives its number) and renames a repeated capture name;
 * returns the index after the `(` or after the name.
 */
function group(pattern: string, i: number, names: Map<string, number[]>, next: () => number, replace: Replace): number {
  if (pattern[i + 1] !== '?') {
    next();
    return i + 1;
  }
  const nameStart = pattern.startsWith('(?P<', i) ? i + 4 : pattern.startsWith('(?<', i) ? i + 3 : -1;
  const end = nameStart < 0 ? -1 : pattern.indexOf('>', nameStart);
  if (end < 0 || !CAPTURE_NAME.test(pattern.slice(nameStart, end))) return i + 1;
  const index = next();
  const name = pattern.slice(nameStart, end);
  const same = names.get(name);
  if (same === undefined) names.set(name, [index]);
  else {
    same.push(index);
    replace(i, end + 1, '(');
  }
  return end + 1;
}

/** A class `[...]` at `i` as Go's parseClass reads it; returns the index after its `]`. */
function charClass(pattern: string, i: number, replace: Replace): number {
  let p = i + 1;
  if (pattern[p] === '^') p++;
  let first = true;
  while (p < pattern.length && (pattern[p] !== ']' || first)) {
    first = false;
    if (pattern.startsWith('[:', p)) {
      const close = pattern.indexOf(':]', p + 2);
      if (close >= 0) {
        p = close + 2;
        continue;
      }
    }
    if (pattern[p] === '\\') p = escape(pattern, p, replace);
    else p += (pattern.codePointAt(p) ?? 0) > 0xffff ? 2 : 1;
  }
  return p + 1;
}

function originalText(pieces: readonly Piece[], from: number, to: number): string {
  const total = pieces.reduce((n, p) => n + p.text.length, 0);
  let out = '';
  let at = 0;
  for (const p of pieces) {
    const end = at + p.text.length;
    if (end > from && at < to) {
      const a = Math.max(from - at, 0);
      const b = Math.min(to, end) - at;
      // A quote that stops inside (or at the one character of) a rewritten piece stops where Go's
      // parser stopped: at the same characters of the original.
      const stopsHere = end >= to && to < total && (b < p.text.length || p.text.length === 1);
      out += p.copied || p.text.length === p.orig.length || stopsHere ? p.orig.slice(a, b) : p.orig;
    }
    at = end;
  }
  return out;
}
