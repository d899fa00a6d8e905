import { describe, expect, it } from 'vitest';
import { compileRegex, DEFAULT_COMPILED } from '../../../src/model/text/regex.js';
import { fastMatcher, requiredAffixes } from '../../../src/model/text/regex-fast.js';
import { compileTemplate, expand } from '../../../src/model/text/template.js';

function error(pattern: string): string {
  try {
    compileRegex(pattern, 'rules[0].regex');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${pattern} compiled`);
}

describe('compileRegex', () => {
  it('reports Go\'s error for the anchored regex, naming the field', () => {
    expect(error('(a')).toBe('rules[0].regex: error parsing regexp: missing closing ): `^(?s:(a)$`');
    expect(error('a**')).toBe('rules[0].regex: error parsing regexp: invalid nested repetition operator: `**`');
    expect(error('\ud800')).toBe('rules[0].regex: error parsing regexp: invalid UTF-8: `\ud800)$`');
  });

  it('quotes the regex as written where Braid rewrote it for re2js', () => {
    expect(error('\\p{greek}(')).toBe('rules[0].regex: error parsing regexp: missing closing ): `^(?s:\\p{greek}()$`');
    expect(error('\\p{Alphabetic}')).toBe('rules[0].regex: error parsing regexp: invalid character class range: `\\p{Alphabetic}`');
    expect(error('(?P<n>a)(?P<n>b)(?(')).toBe('rules[0].regex: error parsing regexp: invalid or unsupported Perl syntax: `(?(`');
    expect(error('(?\\p{greek}')).toBe('rules[0].regex: error parsing regexp: invalid or unsupported Perl syntax: `(?\\`');
  });

  it('looks Unicode class names up as Go 1.25+ does', () => {
    for (const p of ['\\p{greek}', '\\p{GREEK}', '\\p{Letter}', '\\pl', '\\p{lu}', '\\p{uppercase-letter}']) {
      expect(compileRegex(p, 'r').matcher.test(p.includes('reek') ? 'α' : 'Ω'), p).toBe(true);
    }
    // Names Go 1.26 does not find: properties, non-canonical script keys, scripts after Unicode 15.0.
    for (const p of ['\\p{Alphabetic}', '\\p{Old_Italic}', '\\p{Garay}', '\\p{Grek}', '\\p{L&}']) {
      expect(error(p)).toBe(`rules[0].regex: error parsing regexp: invalid character class range: \`${p}\``);
    }
  });

  it('keeps every group of a repeated name, as Go does', () => {
    const re = compileRegex('(?P<n>a)|(?P<n>b)|(?<m>c)', 'r');
    expect(re.groups).toBe(3);
    expect([...re.names]).toEqual([['n', [1, 2]], ['m', [3]]]);
    const t = compileTemplate('[$n$m]', re);
    expect(['a', 'b', 'c'].map((v) => expand(t, re.matcher.exec(v)!))).toEqual(['[a]', '[b]', '[c]']);
  });

  it('answers the same from memory as the first time, for short and long values', () => {
    const re = compileRegex('([a-z]+)-(\\d+)', 'r');
    const long = 'x'.repeat(300) + '-1';
    for (let i = 0; i < 3; i++) {
      expect(Array.from(re.matcher.exec('abc-12')!)).toEqual(['abc-12', 'abc', '12']);
      expect(re.matcher.exec('abc-')).toBeNull();
      expect(re.matcher.test(long)).toBe(true);
      expect(re.matcher.exec(long)![1]).toHaveLength(300);
    }
  });

  it('matches in time linear in the input', () => {
    const start = performance.now();
    expect(compileRegex('(a+)+', 'r').matcher.test('a'.repeat(30) + 'b')).toBe(false);
    expect(compileRegex('(x+x+)+y', 'r').matcher.exec('x'.repeat(10_000))).toBeNull();
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('matches every string whole with the default (.*)', () => {
    expect(compileRegex('(.*)', 'r')).toBe(DEFAULT_COMPILED);
    expect(Array.from(DEFAULT_COMPILED.matcher.exec('a\nb')!)).toEqual(['a\nb', 'a\nb']);
  });
});

describe('fast paths', () => {
  it.each([
    ['a|b|c', 0, ['a', 'c'], ['ab', '']],
    ['api\\-gateway|10\\.0\\.0\\.1', 0, ['api-gateway', '10.0.0.1'], ['10a0b0c1']],
    ['foo.*', 0, ['foo', 'foobar'], ['xfoo']],
    ['.*bar', 0, ['bar', 'xbar'], ['barx']],
    ['.*x.*', 0, ['x', 'axb'], ['ab']],
    ['a.*b.*c', 0, ['abc', 'aXbYc'], ['acb', 'ab']],
    ['.+', 0, ['a', '\n'], ['']],
    ['(a|b)', 1, ['a'], ['c']],
    ['x(.+)y', 1, ['xay'], ['xy']],
    ['(.*):9100', 1, ['host:9100', ':9100'], ['host:9101']],
    ['(?i)error|warn|ks', 0, ['ERROR', 'Warn', '\u212aſ'], ['errors', 'ÉRROR']],
  ] as const)('%s', (pattern, groups, yes, no) => {
    const fast = fastMatcher(pattern);
    expect(fast?.groups).toBe(groups);
    for (const v of yes) expect(fast!.matcher.test(v), v).toBe(true);
    for (const v of no) expect(fast!.matcher.test(v), v).toBe(false);
  });

  it('leaves flags, classes and other repetitions to the engine', () => {
    for (const p of ['(?i)a.*', '(?i)é', '[ab]', 'a+', 'a?', 'a{2}', '^a', 'a$', '\\d', '(a)|(b)', '(?:a|b)', 'a.b', 'a.+']) expect(fastMatcher(p), p).toBeUndefined();
  });

  it('finds the literal prefix and suffix every match needs', () => {
    expect(requiredAffixes('/api/v1/orders/[0-9]+/items')).toEqual({ prefix: '/api/v1/orders/', suffix: '/items' });
    expect(requiredAffixes('ab?c')).toEqual({ prefix: 'a', suffix: 'c' });
    expect(requiredAffixes('\\x41b')).toEqual({ prefix: '', suffix: 'b' });
    expect(requiredAffixes('\\\\\\db')).toEqual({ prefix: '\\', suffix: 'b' });
    expect(requiredAffixes('(ab)?cd')).toEqual({ prefix: '', suffix: 'cd' });
    for (const p of ['a|b.*c', '(?i)ab.*', 'a\\Qb\\E', '[abc]', 'x+']) expect(requiredAffixes(p), p).toBeUndefined();
  });
});
