// Cases ported from Go's text/template exec_test.go and parse tests: template, data and expected
// output (or error) as Go gives them. Go ints are bigints here, float64s numbers.
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../../src/alerting/templates/index.js';
import { sprintf } from '../../../src/alerting/templates/fmt.js';

const tVal = {
  X: 'x',
  I: 17n,
  U16: 16n,
  True: true,
  FloatZero: 0.0,
  U: { V: 'v' },
  SI: [3n, 4n, 5n],
  SIEmpty: [],
  SB: [true, false],
  MSI: { one: 1n, two: 2n, three: 3n },
  MSIone: { one: 1n },
  MSIEmpty: {},
  SMSI: [{ one: 1n, two: 2n }, { eleven: 11n, twelve: 12n }],
  Empty0: null,
  Empty3: [7n, 8n],
  PSI: [21n, 22n, 23n],
  MXI: {} as Record<string, unknown>,
  Method0: () => 'M0',
  Method1: (a: unknown) => a,
  Method2: (a: unknown, b: unknown) => `Method2: ${String(a)} ${String(b)}`,
};

const ok: Array<[string, string, unknown?]> = [
  ['{{.X}}', 'x'],
  ['{{.U.V}}', 'v'],
  ['-{{.Method0}}-', '-M0-'],
  ['-{{.Method1 1234}}-', '-1234-'],
  ['-{{.Method2 .U16 .X}}-', '-Method2: 16 x-'],
  ['{{if $x := .}}-{{$x.Method2 .U16 $x.X}}{{end}}-', '-Method2: 16 x-'],
  ['-{{.Method0 | .Method2 .U16}}-', '-Method2: 16 M0-'],
  ['{{($).X}}', 'x'],
  ['{{if true}}TRUE{{end}}', 'TRUE'],
  ['{{if false}}TRUE{{else}}FALSE{{end}}', 'FALSE'],
  ['{{if 1}}NON-ZERO{{else}}ZERO{{end}}', 'NON-ZERO'],
  ['{{if 0}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO'],
  ['{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}', 'NON-ZERO'],
  ['{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO'],
  ['{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY'],
  ['{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY'],
  ['{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY'],
  ['{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY'],
  ['{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY'],
  ['{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY'],
  ['{{if .MXI.none}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO'],
  ['{{if not .MXI.none}}ZERO{{else}}NON-ZERO{{end}}', 'ZERO'],
  ['{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}', 'true,17'],
  ['{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}', '17,true'],
  ['{{if false}}FALSE{{else if true}}TRUE{{end}}', 'TRUE'],
  ['{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}', '3'],
  ['{{print "hello, print"}}', 'hello, print'],
  ['{{print 1 2 3}}', '1 2 3'],
  ['{{print nil}}', '<nil>'],
  ['{{println 1 2 3}}', '1 2 3\n'],
  ['{{printf "%04x" 127}}', '007f'],
  ['{{printf "%g" 3.5}}', '3.5'],
  ['{{printf "%s" "hello"}}', 'hello'],
  ['{{printf "%s" .U.V}}', 'v'],
  ['{{printf "%s" .Method0}}', 'M0'],
  ['{{with .I}}{{printf "%d" .}}{{end}}', '17'],
  ['{{with $x := .I}}{{printf "%d" $x}}{{end}}', '17'],
  ['{{printf "%d %s %s" 127 "hello" .Method0}}', '127 hello M0'],
  ['{{html "<script>alert(\\"XSS\\");</script>"}}', '&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;'],
  ['{{printf "<script>alert(\\"XSS\\");</script>" | html}}', '&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;'],
  ['{{js .}}', "It\\'d be nice.", "It'd be nice."],
  ['{{"http://www.example.org/"|urlquery}}', 'http%3A%2F%2Fwww.example.org%2F'],
  ['{{not true}} {{not false}}', 'false true'],
  ['{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}', 'false 0 0 1'],
  ['{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}', '0 1 true 1'],
  ['{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}', 'TRUE'],
  ['{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}', 'FALSE'],
  ['{{index .SI 0}}', '3'],
  ['{{index .SI 1}}', '4'],
  ['{{index .MSI `one`}}', '1'],
  ['{{index .SMSI 1 `eleven`}}', '11'],
  ['{{len .SI}}', '3'],
  ['{{len .MSI }}', '3'],
  ['{{with true}}{{.}}{{end}}', 'true'],
  ['{{with false}}{{.}}{{else}}FALSE{{end}}', 'FALSE'],
  ['{{with 1}}{{.}}{{else}}ZERO{{end}}', '1'],
  ['{{with 0}}{{.}}{{else}}ZERO{{end}}', 'ZERO'],
  ['{{with 1.5}}{{.}}{{else}}ZERO{{end}}', '1.5'],
  ['{{with .SI}}{{.}}{{else}}EMPTY{{end}}', '[3 4 5]'],
  ['{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}', 'map[one:1]'],
  ['{{with $x := .I}}{{$x}}{{end}}', '17'],
  ['{{with $x := $}}{{$x.U.V}}{{end}}', 'v'],
  ['{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}', 'v'],
  ['{{range .SI}}-{{.}}-{{end}}', '-3--4--5-'],
  ['{{range .SIEmpty}}-{{.}}-{{end}}', ''],
  ['{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}', '-3--4--5-'],
  ['{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY'],
  ['{{range .SB}}-{{.}}-{{end}}', '-true--false-'],
  ['{{range .MSI}}-{{.}}-{{end}}', '-1--3--2-'],
  ['{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY'],
  ['{{range .Empty3}}-{{.}}-{{else}}EMPTY{{end}}', '-7--8-'],
  ['{{range .Empty0}}-{{.}}-{{end}}', ''],
  ['{{range $x := .SI}}<{{$x}}>{{end}}', '<3><4><5>'],
  ['{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}', '<0=3><1=4><2=5>'],
  ['{{range $x := .MSIone}}<{{$x}}>{{end}}', '<1>'],
  ['{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}', '<one=1>'],
  ['{{range $x := .PSI}}<{{$foo:=$x}}{{$x}}>{{end}}', '<21><22><23>'],
  ['{{range $i := 3}}{{$i}}{{end}}', '012'],
  ['{{range .SI}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}', '3'],
  ['{{range .SI}}{{if eq . 4}}{{continue}}{{end}}{{.}}{{end}}', '35'],
  ['{{or .SI "slice is empty"}}', '[3 4 5]'],
  ['{{or .SIEmpty "slice is empty"}}', 'slice is empty'],
  ['{{range .MSIone}}{{if $.Method1 .}}X{{end}}{{end}}', 'X'],
  ['{{with $}}{{.Method0}}{{end}}', 'M0'],
  ['{{if .Empty0}}non-nil{{else}}nil{{end}}', 'nil'],
  ['{{print (.U).V}}', 'v'],
  ['{{"aaa"|printf }}', 'aaa'],
  ['{{.cause}}', 'neglect', { cause: 'neglect' }],
  // Variables, assignment, trim markers, comments, define/template/block.
  ['{{$x := 1}}{{$x = 2}}{{$x}}', '2'],
  ['{{$x := 0}}{{range .SI}}{{$x = .}}{{end}}{{$x}}', '5'],
  ['x  {{- 3 -}}  y', 'x3y'],
  ['a {{/* comment */}} b', 'a  b'],
  ['a {{- /* comment */ -}} b', 'ab'],
  ['{{define "T1"}}ONE{{end}}{{define "T2"}}TWO {{template "T1"}}{{end}}{{template "T2"}}', 'TWO ONE'],
  ['{{define "x"}}[{{.}}]{{end}}{{template "x" .X}}{{template "x" 3}}', '[x][3]'],
  ['{{block "b" .X}}<{{.}}>{{end}}', '<x>'],
  ['{{"\\x41\\u00e9\\n"}}', 'Aé\n'],
  ['{{`raw\\n`}}', 'raw\\n'],
  ["{{'a'}} {{0x10}} {{1e3}} {{1_000}} {{-2.5}}", '97 16 1000 1000 -2.5'],
  ['{{eq "a" "b" "a"}} {{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt 2.5 1.5}} {{ge "b" "a"}}', 'true true true true true true'],
  ['{{len "héllo"}}', '6'],
  ['{{slice "hello" 1 3}}', 'el'],
  ['{{printf "%5.2f|%-5d|%q|%x|%X|%e|%v|%t|%%|%c" 3.14159 42 "q\\"" "hi" 255 1234.5678 .SI true 65}}', ' 3.14|42   |"q\\""|6869|FF|1.234568e+03|[3 4 5]|true|%|A'],
];

const bad: Array<[string, string]> = [
  ['{{index .SI 10}}', 'template: test:1:2: executing "test" at <index .SI 10>: error calling index: index out of range: 10'],
  ['{{len 3}}', 'template: test:1:2: executing "test" at <len 3>: error calling len: len of type int'],
  ['{{3 2}}', 'template: test:1:2: executing "test" at <3>: can\'t give argument to non-function 3'],
  ['{{$x := 1}}{{$x 2}}', 'template: test:1:13: executing "test" at <$x>: can\'t give argument to non-function $x'],
  ['{{true|printf}}', 'template: test:1:7: executing "test" at <printf>: error calling printf: wrong type for value; expected string; got bool'],
  ['{{eq 1 "a"}}', 'template: test:1:2: executing "test" at <eq 1 "a">: error calling eq: incompatible types for comparison: int and string'],
  ['{{.X.Y}}', 'template: test:1:4: executing "test" at <.X.Y>: can\'t evaluate field Y in type string'],
  ['{{template "nope"}}', 'template: test:1:11: executing "test" at <{{template "nope"}}>: template "nope" not defined'],
  ['{{end}}', 'template: test:1: unexpected {{end}}'],
  ['{{if .X}}', 'template: test:1: unexpected EOF'],
  ['{{range}}{{end}}', 'template: test:1: missing value for range'],
  ['{{$x}}', 'template: test:1: undefined variable "$x"'],
  ['{{undefinedfn}}', 'template: test:1: function "undefinedfn" not defined'],
  ['{{.X | 3}}', 'template: test:1: non executable command in pipeline stage 2'],
  ['{{break}}', 'template: test:1: {{break}} outside {{range}}'],
  ['{{"unterminated}}', 'template: test:1: unterminated quoted string'],
  ['{{/* x }}', 'template: test:1: unclosed comment'],
  ['{{.X}\n}}', "template: test:1: bad character U+007D '}'"],
  ['a\nb {{if}}', 'template: test:2: missing value for if'],
  ['{{(3}}', 'template: test:1: unclosed left paren'],
];

describe('Go text/template (exec_test.go cases)', () => {
  for (const [text, want, data] of ok) {
    it(text, async () => {
      expect(await renderTemplate(text, data ?? tVal, {}, 'test')).toBe(want);
    });
  }
  for (const [text, msg] of bad) {
    it(`${text} fails`, async () => {
      await expect(renderTemplate(text, tVal, {}, 'test')).rejects.toThrow(msg);
      await renderTemplate(text, tVal, {}, 'test').catch((e: unknown) => expect((e as Error).message).toBe(msg));
    });
  }
});

describe('Go fmt', () => {
  it('formats floats as %v, %g, %e and %f do', () => {
    expect(sprintf('%v %v %v %v %v %v', [1e6, 1e21, 1e-5, 123456.0, 1234567.0, -0.5])).toBe('1e+06 1e+21 1e-05 123456 1.234567e+06 -0.5');
    expect(sprintf('%.3g %g %.2e %.0f %6.1f', [1234.5, 100000.0, 0.000123, 2.5, -3.14])).toBe('1.23e+03 100000 1.23e-04 2   -3.1');
    expect(sprintf('%.2f %.2f %.0f %.1e %.2g', [0.125, 0.375, 3.5, 2.25, 0.125])).toBe('0.12 0.38 4 2.2e+00 0.12');
    expect(sprintf('%v %v %v', [Infinity, -Infinity, NaN])).toBe('+Inf -Inf NaN');
    expect(sprintf('%d %s', ['x', 1n])).toBe('%!d(string=x) %!s(int=1)');
    expect(sprintf('%d', [])).toBe('%!d(MISSING)');
    expect(sprintf('%d', [1n, 2n])).toBe('1%!(EXTRA int=2)');
  });
});
