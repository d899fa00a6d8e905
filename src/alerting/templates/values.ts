/**
 * Go values as templates see them, in JavaScript: string, int (bigint), float64 (number), bool,
 * nil (null), Go's invalid value (undefined, printed <no value>), slices (arrays), maps (plain
 * objects or Map), and time.Time / time.Duration for toTime and toDuration.
 */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Go's time.Duration: nanoseconds. */
export class GoDuration {
  constructor(readonly ns: bigint) {}

  /** Go's Duration.String: 1h2m3.5s, 150ms, 0s. */
  String(): string {
    let u = this.ns < 0n ? -this.ns : this.ns;
    const sign = this.ns < 0n ? '-' : '';
    if (u === 0n) return '0s';
    const frac = (v: bigint, digits: number): string => {
      const s = v.toString().padStart(digits, '0').replace(/0+$/, '');
      return s === '' ? '' : '.' + s;
    };
    if (u < 1_000_000_000n) {
      if (u < 1000n) return `${sign}${u}ns`;
      if (u < 1_000_000n) return `${sign}${u / 1000n}${frac(u % 1000n, 3)}µs`;
      return `${sign}${u / 1_000_000n}${frac(u % 1_000_000n, 6)}ms`;
    }
    const secs = u / 1_000_000_000n;
    const fracNs = u % 1_000_000_000n;
    u = secs;
    const h = u / 3600n;
    const m = (u / 60n) % 60n;
    const s = u % 60n;
    let out = `${s}${frac(fracNs, 9)}s`;
    if (h > 0n || m > 0n) out = `${m}m` + out;
    if (h > 0n) out = `${h}h` + out;
    return sign + out;
  }

  /** Seconds as a float. */
  Seconds(): number {
    return Number(this.ns) / 1e9;
  }
}

/** Go's time.Time, always in UTC: nanoseconds since the epoch. */
export class GoTime {
  constructor(readonly ns: bigint) {}

  private parts(): { date: Date; nanos: bigint } {
    let ms = this.ns / 1_000_000n;
    let rem = this.ns % 1_000_000_000n;
    if (rem < 0n) {
      rem += 1_000_000_000n;
    }
    if (this.ns < 0n && this.ns % 1_000_000n !== 0n) ms -= 1n;
    return { date: new Date(Number(ms)), nanos: rem };
  }

  /** Go's Time.String: 2015-06-23 13:19:44.128 +0000 UTC. */
  String(): string {
    return this.Format('2006-01-02 15:04:05.999999999 -0700 MST');
  }

  /** Go's Time.Format with a reference-time layout (Mon Jan 2 15:04:05 MST 2006). */
  Format(layout: string): string {
    const { date: d, nanos } = this.parts();
    const p2 = (n: number): string => String(n).padStart(2, '0');
    const h = d.getUTCHours();
    const tokens: Array<[string, () => string]> = [
      ['January', () => MONTHS[d.getUTCMonth()]!],
      ['Monday', () => DAYS[d.getUTCDay()]!],
      ['2006', () => String(d.getUTCFullYear()).padStart(4, '0')],
      ['-07:00', () => '+00:00'],
      ['-0700', () => '+0000'],
      ['-07', () => '+00'],
      ['Z07:00', () => 'Z'],
      ['Z0700', () => 'Z'],
      ['Jan', () => MONTHS[d.getUTCMonth()]!.slice(0, 3)],
      ['Mon', () => DAYS[d.getUTCDay()]!.slice(0, 3)],
      ['MST', () => 'UTC'],
      ['002', () => String(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1).padStart(3, '0')],
      ['01', () => p2(d.getUTCMonth() + 1)],
      ['02', () => p2(d.getUTCDate())],
      ['_2', () => String(d.getUTCDate()).padStart(2, ' ')],
      ['06', () => p2(d.getUTCFullYear() % 100)],
      ['15', () => p2(h)],
      ['03', () => p2(h % 12 === 0 ? 12 : h % 12)],
      ['04', () => p2(d.getUTCMinutes())],
      ['05', () => p2(d.getUTCSeconds())],
      ['PM', () => (h >= 12 ? 'PM' : 'AM')],
      ['pm', () => (h >= 12 ? 'pm' : 'am')],
      ['1', () => String(d.getUTCMonth() + 1)],
      ['2', () => String(d.getUTCDate())],
      ['3', () => String(h % 12 === 0 ? 12 : h % 12)],
      ['4', () => String(d.getUTCMinutes())],
      ['5', () => String(d.getUTCSeconds())],
    ];
    let out = '';
    let i = 0;
    outer: while (i < layout.length) {
      const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
      if (frac) {
        const n = frac[1]!.length;
        let digits = nanos.toString().padStart(9, '0').slice(0, n);
        if (frac[1]![0] === '9') {
          digits = digits.replace(/0+$/, '');
          out += digits === '' ? '' : layout[i] + digits;
        } else out += layout[i] + digits;
        i += frac[0].length;
        continue;
      }
      for (const [tok, f] of tokens) {
        if (layout.startsWith(tok, i)) {
          out += f();
          i += tok.length;
          continue outer;
        }
      }
      out += layout[i];
      i++;
    }
    return out;
  }

  /** Go's Time.Add. */
  Add(d: GoDuration): GoTime {
    return new GoTime(this.ns + d.ns);
  }

  /** Go's Time.Sub. */
  Sub(t: GoTime): GoDuration {
    return new GoDuration(this.ns - t.ns);
  }

  Unix(): bigint {
    return floorDiv(this.ns, 1_000_000_000n);
  }

  UnixMilli(): bigint {
    return floorDiv(this.ns, 1_000_000n);
  }

  UnixNano(): bigint {
    return this.ns;
  }

  UTC(): GoTime {
    return this;
  }
}

const floorDiv = (a: bigint, b: bigint): bigint => (a < 0n && a % b !== 0n ? a / b - 1n : a / b);

/** Go's truth in templates: false, 0, nil, empty string, slice or map are false. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.keys(v).length > 0;
  return true;
}

const STRING_MAPS = new WeakSet<object>();

/** Marks a record as Go's map[string]string (labels), so a missing key reads as "" (missingkey=zero). */
export function stringMap<T extends Record<string, string>>(m: T): T {
  STRING_MAPS.add(m);
  return m;
}

/** Whether a record was marked by stringMap. */
export function isStringMap(m: object): boolean {
  return STRING_MAPS.has(m);
}
