import { describe, expect, it } from 'vitest';
import { copyArgs, dockerignore, execForm, keyValues, parseDockerfile } from './dockerfile.js';

describe('Dockerfile reader', () => {
  it('splits stages, joins continuations and drops comments', () => {
    const stages = parseDockerfile('# c\nFROM node:20 AS build\nRUN a \\\n  # inner comment\n  && b\nFROM node:20\nCOPY --from=build /src/dist ./dist\nCMD ["serve"]\n');
    expect(stages.map((s) => [s.image, s.name])).toEqual([
      ['node:20', 'build'],
      ['node:20', undefined],
    ]);
    expect(stages[0]!.instructions).toEqual([{ keyword: 'RUN', args: 'a  && b', line: 3 }]);
    expect(copyArgs(stages[1]!.instructions[0]!)).toEqual({ from: 'build', sources: ['/src/dist'], dest: './dist' });
    expect(execForm(stages[1]!.instructions[1]!)).toEqual(['serve']);
  });

  it('refuses what it cannot replay, naming the line', () => {
    expect(() => parseDockerfile('RUN x\n')).toThrow('Dockerfile line 1: RUN before any FROM');
    expect(() => execForm({ keyword: 'CMD', args: 'node x', line: 7 })).toThrow('Dockerfile line 7: CMD must be a JSON array of strings (exec form), got node x');
    expect(() => copyArgs({ keyword: 'COPY', args: '--chown=1000 a b', line: 4 })).toThrow('Dockerfile line 4: COPY flag --chown=1000 is not reproduced by the test');
    expect(() => keyValues({ keyword: 'ENV', args: 'A 1', line: 2 })).toThrow('Dockerfile line 2: ENV "A 1" is not a list of KEY=value');
  });

  it('reads ENV and LABEL pairs, quoted or not', () => {
    expect(keyValues({ keyword: 'LABEL', args: 'a.b="x \\"y\\"" c=d', line: 1 })).toEqual({ 'a.b': 'x "y"', c: 'd' });
  });
});

describe('.dockerignore', () => {
  const ignore = dockerignore('# comment\nnode_modules\n/dist/\n**/*.log\ntest\n!test/keep.txt\ndocs/*.md\n');

  it('excludes a matched folder with everything under it, at the root only unless the pattern says **', () => {
    expect(ignore.excluded('node_modules')).toBe(true);
    expect(ignore.excluded('node_modules/a/index.js')).toBe(true);
    expect(ignore.excluded('web/node_modules')).toBe(false);
    expect(ignore.excluded('dist/cli/index.js')).toBe(true);
    expect(ignore.excluded('a.log')).toBe(true);
    expect(ignore.excluded('src/deep/b.log')).toBe(true);
    expect(ignore.excluded('src/main.ts')).toBe(false);
  });

  it('matches * within one path segment, and lets a later ! pattern bring a file back', () => {
    expect(ignore.excluded('docs/a.md')).toBe(true);
    expect(ignore.excluded('docs/adr/a.md')).toBe(false);
    expect(ignore.excluded('test/x.test.ts')).toBe(true);
    expect(ignore.excluded('test/keep.txt')).toBe(false);
    expect(ignore.hasExceptions).toBe(true);
  });
});
