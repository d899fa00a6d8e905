/** scripts/sync-chart-files.ts: the chart's copies of alerts and dashboards, and the check that they match. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { appVersionProblem, compareChartFiles, describeDifferences, sourceFiles, syncAppVersion, syncChartFiles } from '../../scripts/sync-chart-files.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('helm/braid/files holds exactly the current alerts, templates, dashboards and provisioning (else: npm run chart:sync)', () => {
  const diffs = compareChartFiles(repoRoot);
  expect(describeDifferences(diffs)).toBe('');
  expect(appVersionProblem(repoRoot)).toBeUndefined();
  // The check is not vacuous: the rule files and the alert templates are among the sources.
  expect(sourceFiles(repoRoot)).toEqual(expect.arrayContaining(['alerts/braid.yaml', 'alerts/templates/slack.tmpl']));
});

describe('on a scratch tree', () => {
  let root = '';
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function scratch(): void {
    root = mkdtempSync(join(tmpdir(), 'braid-chart-sync-'));
    write('alerts/a.yaml', 'groups: []\n');
    write('alerts/README.md', 'not copied\n');
    write('alerts/tests/a.test.yaml', 'not copied\n');
    write('alerts/templates/slack.tmpl', '{{ .Status }}\n');
    write('dashboards/overview.json', '{"title": "Overview"}\n');
    write('dashboards/src/generate.ts', 'not copied\n');
    write('dashboards/provisioning/datasources/braid.yaml', 'apiVersion: 1\n');
  }

  test('only the mirrored kinds of file are sources; a missing dashboards folder is no error', () => {
    scratch();
    expect(sourceFiles(root)).toEqual(['alerts/a.yaml', 'alerts/templates/slack.tmpl', 'dashboards/overview.json', 'dashboards/provisioning/datasources/braid.yaml']);
    rmSync(join(root, 'dashboards'), { recursive: true });
    expect(sourceFiles(root)).toEqual(['alerts/a.yaml', 'alerts/templates/slack.tmpl']);
  });

  test('sync copies what is missing, then the check passes; a changed source or a stale copy is named', () => {
    scratch();
    expect(compareChartFiles(root).map((d) => `${d.problem} ${d.path}`)).toEqual([
      'missing alerts/a.yaml',
      'missing alerts/templates/slack.tmpl',
      'missing dashboards/overview.json',
      'missing dashboards/provisioning/datasources/braid.yaml',
    ]);
    expect(syncChartFiles(root)).toHaveLength(4);
    expect(compareChartFiles(root)).toEqual([]);
    expect(readFileSync(join(root, 'helm/braid/files/alerts/templates/slack.tmpl'), 'utf8')).toBe('{{ .Status }}\n');

    write('alerts/a.yaml', 'groups: [{name: x, rules: []}]\n');
    write('helm/braid/files/dashboards/removed.json', '{}\n');
    const diffs = compareChartFiles(root);
    expect(describeDifferences(diffs)).toBe(
      ['helm/braid/files/alerts/a.yaml: differs from its source', 'helm/braid/files/dashboards/removed.json: has no source any more'].join('\n'),
    );

    syncChartFiles(root);
    expect(compareChartFiles(root)).toEqual([]);
    expect(readFileSync(join(root, 'helm/braid/files/alerts/a.yaml'), 'utf8')).toBe('groups: [{name: x, rules: []}]\n');
  });

  test("Chart.yaml's appVersion follows package.json's version", () => {
    scratch();
    write('package.json', JSON.stringify({ name: 'braid', version: '1.2.3' }));
    write('helm/braid/Chart.yaml', 'apiVersion: v2\nname: braid\nversion: 0.1.0\nappVersion: "0.1.0"\nkeywords: [x]\n');
    expect(appVersionProblem(root)).toBe('helm/braid/Chart.yaml: appVersion: "0.1.0", package.json says appVersion: "1.2.3"');
    expect(syncAppVersion(root)).toBe(true);
    expect(readFileSync(join(root, 'helm/braid/Chart.yaml'), 'utf8')).toBe('apiVersion: v2\nname: braid\nversion: 0.1.0\nappVersion: "1.2.3"\nkeywords: [x]\n');
    expect(appVersionProblem(root)).toBeUndefined();
    expect(syncAppVersion(root)).toBe(false);
  });
});
