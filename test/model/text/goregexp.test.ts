import { describe, expect, it } from 'vitest';
import { compileGoRegexp, RegexSyntaxError } from '../../../src/model/text/goregexp.js';

describe('compileGoRegexp (alert templates: match, reReplaceAll)', () => {
  it('matches anywhere, as Go\'s MatchString', () => {
    const re = compileGoRegexp('b+');
    expect(['abbc', 'ac'].map((s) => re.matchString(s))).toEqual([true, false]);
  });

  it('replaces as Go\'s ReplaceAllString: Go\'s $ expansion, no replacement of an empty match right after a match', () => {
    expect(compileGoRegexp('(?P<host>[a-z]+):(\\d+)').replaceAllString('foo:80,bar:90', '${host}=$2')).toBe('foo=80,bar=90');
    expect(compileGoRegexp('a*').replaceAllString('baaac', '-')).toBe('-b-c-');
    expect(compileGoRegexp('x*').replaceAllString('😀', '-')).toBe('-😀-');
    expect(compileGoRegexp('(a)').replaceAllString('a', '$1x|${1}x|$$')).toBe('|ax|$');
  });

  it('throws Go\'s message for a regex Go refuses', () => {
    expect(() => compileGoRegexp('a(')).toThrow(new RegexSyntaxError('error parsing regexp: missing closing ): `a(`'));
    expect(() => compileGoRegexp('a\\')).toThrow(new RegexSyntaxError('error parsing regexp: trailing backslash at end of expression: ``'));
  });

  it('runs in time linear in the input', () => {
    const start = performance.now();
    expect(compileGoRegexp('^(a+)+$').matchString('a'.repeat(40) + 'b')).toBe(false);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
