/**
 * Go's fmt for the values templates print: %v of floats as strconv's shortest 'g' (1e+06), maps as
 * map[k:v], and Sprintf's verbs %s %d %f %e %g %v %q %x %X %t %c %% with flags, width and precision.
 */
import { goQuote } from './parser.js';
import { GoDuration, GoTime } from './values.js';

/**
 * JavaScript rounds exact ties away from zero (toFixed, toExponential); Go's strconv rounds them to
 * even. `exact` is the value printed with 25 more digits than `rounded` kept: a tie shows as 50...0.
 */
function roundHalfEven(rounded: string, exact: string, extra: number): string {
  const tail = exact.slice(exact.length - extra);
  if (!/^50*$/.test(tail)) return rounded;
  const kept = exact.slice(0, exact.length - extra).replace(/\.$/, '');
  const last = kept.replace('.', '').slice(-1);
  return Number(last) % 2 === 0 ? kept : rounded;
}

/** Digits and decimal point position of |v| rounded to `sig` significant digits (shortest when undefined). */
function digits(v: number, sig: number | undefined): { d: string; dp: number } {
  let e: string;
  if (sig === undefined) e = Math.abs(v).toExponential();
  else {
    const f = Math.max(sig - 1, 0);
    const x = Math.min(25, 100 - f);
    const [m1, e1] = Math.abs(v).toExponential(f).split('e') as [string, string];
    const [m2, e2] = Math.abs(v).toExponential(f + x).split('e') as [string, string];
    e = e1 === e2 ? roundHalfEven(m1, m2, x) + 'e' + e1 : m1 + 'e' + e1;
  }
  const [mant, exp] = e.split('e') as [string, string];
  return { d: mant.replace('.', ''), dp: Number(exp) + 1 };
}

function expForm(neg: boolean, d: string, dp: number, prec: number, upper: boolean): string {
  const first = d[0] ?? '0';
  let rest = d.slice(1);
  rest = prec >= 0 ? (rest + '0'.repeat(Math.max(prec - rest.length, 0))).slice(0, prec) : rest;
  const exp = v0(d) ? 0 : dp - 1;
  const es = (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  return (neg ? '-' : '') + first + (rest.length > 0 ? '.' + rest : '') + (upper ? 'E' : 'e') + es;
}

const v0 = (d: string): boolean => /^0*$/.test(d);

/** strconv.FormatFloat(v, fmt, prec, 64) for 'e', 'f', 'g' (prec -1: shortest). */
export function formatFloat(v: number, verb: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  if (verb === 'f') {
    const p = prec < 0 ? Math.max(digits(a, undefined).d.length - digits(a, undefined).dp, 0) : prec;
    return (neg ? '-' : '') + toFixedExact(a, p);
  }
  if (verb === 'e' || verb === 'E') {
    const { d, dp } = digits(a, prec < 0 ? undefined : prec + 1);
    return expForm(neg, d, dp, prec < 0 ? d.length - 1 : prec, verb === 'E');
  }
  const shortest = prec < 0;
  let p = prec === 0 ? 1 : prec;
  const dd = digits(a, shortest ? undefined : p);
  const d = a === 0 ? '0' : dd.d.replace(/0+$/, '') || '0';
  const dp = a === 0 ? 1 : dd.dp;
  if (shortest) p = d.length;
  let eprec = p;
  if (eprec > d.length && d.length >= dp) eprec = d.length;
  if (shortest) eprec = 6;
  const exp = dp - 1;
  if (exp < -4 || exp >= eprec) return expForm(neg, d, dp, Math.min(p, d.length) - 1, verb === 'G');
  return (neg ? '-' : '') + toFixedExact(a, Math.max(d.length - dp, 0));
}

/** toFixed that does not switch to exponent form above 1e21. */
function toFixedExact(a: number, p: number): string {
  if (a < 1e21) {
    const f = Math.min(p, 100);
    const x = Math.min(25, 100 - f);
    return x > 0 ? roundHalfEven(a.toFixed(f), a.toFixed(f + x), x) : a.toFixed(f);
  }
  const int = BigInt(a).toString();
  return p > 0 ? int + '.' + '0'.repeat(p) : int;
}

const isMap = (v: unknown): v is Record<string, unknown> | Map<unknown, unknown> =>
  v instanceof Map || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype);

/** fmt.Sprint of one value (%v). `undefined` is Go's invalid value, printed as <no value> by templates. */
export function formatValue(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return formatFloat(v, 'g', -1);
  if (typeof v === 'boolean') return String(v);
  if (v instanceof GoTime || v instanceof GoDuration) return v.String();
  if (Array.isArray(v)) return '[' + v.map(formatValue).join(' ') + ']';
  if (isMap(v)) {
    const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
    entries.sort((x, y) => (String(x[0]) < String(y[0]) ? -1 : String(x[0]) > String(y[0]) ? 1 : 0));
    return 'map[' + entries.map(([k, x]) => `${formatValue(k)}:${formatValue(x)}`).join(' ') + ']';
  }
  if (typeof v === 'function') return '<func>';
  if (typeof (v as { String?: unknown }).String === 'function') return String((v as { String: () => unknown }).String());
  return '{' + Object.values(v as object).map(formatValue).join(' ') + '}';
}

/** Go's type name of a value, for %!verb(type=value) and error messages. */
export function goTypeName(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof GoTime) return 'time.Time';
  if (v instanceof GoDuration) return 'time.Duration';
  if (Array.isArray(v)) return '[]interface {}';
  if (isMap(v)) return 'map[string]interface {}';
  return 'struct';
}

interface Spec { minus: boolean; plus: boolean; space: boolean; zero: boolean; sharp: boolean; width?: number; prec?: number }

function pad(s: string, sp: Spec, numeric: boolean): string {
  if (sp.width === undefined || s.length >= sp.width) return s;
  const n = sp.width - s.length;
  if (sp.minus) return s + ' '.repeat(n);
  if (sp.zero && numeric && !/Inf|NaN/.test(s)) {
    const sign = /^[+\- ]/.test(s) ? s[0]! : '';
    return sign + '0'.repeat(n) + s.slice(sign.length);
  }
  return ' '.repeat(n) + s;
}

const signed = (s: string, sp: Spec): string => (s.startsWith('-') || s === 'NaN' || s.startsWith('+') ? s : sp.plus ? '+' + s : sp.space ? ' ' + s : s);

function badVerb(verb: string, v: unknown): string {
  return v === undefined || v === null ? `%!${verb}(<nil>)` : `%!${verb}(${goTypeName(v)}=${formatValue(v)})`;
}

function formatOne(verb: string, v: unknown, sp: Spec): string {
  // Go applies a verb other than %v to each element of a slice.
  if (Array.isArray(v) && verb !== 'v' && verb !== 'T') return '[' + v.map((x) => formatOne(verb, x, sp)).join(' ') + ']';
  switch (verb) {
    case 'v':
      if (typeof v === 'number') return pad(signed(formatFloat(v, 'g', sp.prec ?? -1), sp), sp, true);
      if (typeof v === 'bigint') return pad(signed(v.toString(), sp), sp, true);
      return pad(sp.prec !== undefined && typeof v === 'string' ? [...v].slice(0, sp.prec).join('') : formatValue(v), sp, false);
    case 's':
      if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return badVerb(verb, v);
      return pad(sp.prec !== undefined ? [...formatValue(v)].slice(0, sp.prec).join('') : formatValue(v), sp, false);
    case 'q':
      if (typeof v === 'string') return pad(sp.sharp && !v.includes('`') ? '`' + v + '`' : goQuote(v), sp, false);
      if (typeof v === 'bigint') return pad(`'${String.fromCodePoint(Number(v))}'`, sp, false);
      return badVerb(verb, v);
    case 'd':
      if (typeof v === 'bigint') return pad(signed(v.toString(), sp), sp, true);
      return badVerb(verb, v);
    case 'c':
      if (typeof v === 'bigint') return pad(String.fromCodePoint(Number(v)), sp, false);
      return badVerb(verb, v);
    case 't':
      if (typeof v === 'boolean') return pad(String(v), sp, false);
      return badVerb(verb, v);
    case 'o':
    case 'O':
    case 'b':
      if (typeof v !== 'bigint') return badVerb(verb, v);
      return pad(signed((v < 0n ? '-' : '') + (verb === 'O' ? '0o' : sp.sharp && verb === 'o' ? '0' : '') + (v < 0n ? -v : v).toString(verb === 'b' ? 2 : 8), sp), sp, true);
    case 'x':
    case 'X': {
      let s: string;
      if (typeof v === 'bigint') s = (v < 0n ? '-' : '') + (sp.sharp ? '0x' : '') + (v < 0n ? -v : v).toString(16);
      else if (typeof v === 'string') s = Buffer.from(v, 'utf8').toString('hex');
      else if (typeof v === 'number') return badVerb(verb, v);
      else return badVerb(verb, v);
      return pad(signed(verb === 'X' ? s.toUpperCase() : s, sp), sp, true);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      if (typeof v !== 'number') return badVerb(verb, v);
      const fv = verb === 'F' ? 'f' : (verb as 'e' | 'E' | 'f' | 'g' | 'G');
      const prec = sp.prec ?? (verb === 'g' || verb === 'G' ? -1 : 6);
      return pad(signed(formatFloat(v, fv, prec), sp), sp, true);
    }
    default:
      return `%!${verb}(${goTypeName(v)}=${formatValue(v)})`;
  }
}

/** fmt.Sprintf with Go's verbs and its error forms (%!d(string=x), %!d(MISSING), %!(EXTRA ...)). */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    i++;
    const sp: Spec = { minus: false, plus: false, space: false, zero: false, sharp: false };
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === '-') sp.minus = true;
      else if (f === '+') sp.plus = true;
      else if (f === ' ') sp.space = true;
      else if (f === '0') sp.zero = true;
      else if (f === '#') sp.sharp = true;
      else break;
    }
    const num = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        return typeof a === 'bigint' ? Number(a) : undefined;
      }
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    sp.width = num();
    if (format[i] === '.') {
      i++;
      sp.prec = num() ?? 0;
    }
    const verb = format[i];
    i++;
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, args[argi++], sp);
  }
  if (argi < args.length) out += '%!(EXTRA ' + args.slice(argi).map((a) => `${goTypeName(a)}=${formatValue(a)}`).join(', ') + ')';
  return out;
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, k) => {
    if (k > 0 && typeof a !== 'string' && typeof args[k - 1] !== 'string') out += ' ';
    out += formatValue(a);
  });
  return out;
}

/** fmt.Sprintln: always spaces, then a newline. */
export function sprintln(args: unknown[]): string {
  return args.map(formatValue).join(' ') + '\n';
}
