/** Helm v4.3.2 and the prometheus-operator CRDs of scripts/infra: cached, and they are what they claim to be. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { expect, test } from 'vitest';
import { fetchPrometheusOperatorCrds, PROMETHEUS_OPERATOR_VERSION } from '../../scripts/infra/crds.js';
import { buildHelm, HELM_VERSION } from '../../scripts/infra/helm.js';

test('buildHelm builds once, then finds the binary in the cache; it says it is v4.3.2', async () => {
  await buildHelm();
  const again = await buildHelm();
  expect(again.built).toBe(false);
  expect(again.version).toBe(HELM_VERSION);
  expect(again.helm).toMatch(/\/helm\/helm-v4\.3\.2-[0-9a-f]{12}$/);
  const info = execFileSync(again.helm, ['version', '--template', '{{.Version}} {{.GitTreeState}}'], { encoding: 'utf8' });
  expect(info).toBe('v4.3.2 clean');
}, 30 * 60_000);

test('the cached CRDs are the served v1 ServiceMonitor and PrometheusRule of prometheus-operator v0.85.0', async () => {
  await fetchPrometheusOperatorCrds();
  const crds = await fetchPrometheusOperatorCrds();
  expect(crds.fetched).toBe(false);
  expect(crds.servicemonitors).toContain(`prometheus-operator-${PROMETHEUS_OPERATOR_VERSION}`);
  for (const [file, kind] of [[crds.servicemonitors, 'ServiceMonitor'], [crds.prometheusrules, 'PrometheusRule']] as const) {
    const crd = parse(readFileSync(file, 'utf8')) as { kind: string; metadata: { annotations: Record<string, string> }; spec: { group: string; names: { kind: string }; versions: Array<{ name: string; served: boolean }> } };
    expect(crd.kind).toBe('CustomResourceDefinition');
    expect(crd.spec.group).toBe('monitoring.coreos.com');
    expect(crd.spec.names.kind).toBe(kind);
    expect(crd.spec.versions.filter((v) => v.served).map((v) => v.name)).toContain('v1');
    expect(crd.metadata.annotations['operator.prometheus.io/version']).toBe(PROMETHEUS_OPERATOR_VERSION.slice(1));
  }
}, 10 * 60_000);
