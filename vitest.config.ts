import { defineConfig } from 'vitest/config';

// Six projects: `unit` is fast and pure (`fuzz`, below, holds the property tests); `integration` talks to the real Kafka and Elasticsearch
// that its global setup starts (scripts/infra, the same code as `npm run infra:up`); `kubernetes`
// talks to a real Kubernetes API server; `promql-corpus` runs Prometheus's PromQL test corpus,
// fetched from the Go module proxy (scripts/infra/promql-corpus.ts); `browser` drives the explorer
// page in headless chromium.
export default defineConfig({
  test: {
    reporters: ['default'],
    // Integration files share one Kafka and one Elasticsearch: run files one at a time.
    fileParallelism: false,
    projects: [
      {
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/integration/**', 'test/infra/**', 'test/web/**', 'test/promql/promqltest.test.ts', 'test/promql/differential.test.ts', 'test/alerting/promtool-*.test.ts', 'test/fuzz/**'], testTimeout: 20_000 },
      },
      {
        // Property-based and fuzz tests of every decoder (fast-check), the functions and the real
        // endpoints of Braid in-process (embedded mode, no Kafka or Elasticsearch). FUZZ_RUNS scales
        // the number of inputs: `FUZZ_RUNS=100000 npm run fuzz`.
        test: { name: 'fuzz', include: ['test/fuzz/**/*.test.ts'], globalSetup: ['test/fuzz/global-setup.ts'], testTimeout: 120_000, hookTimeout: 60_000 },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/infra/**/*.test.ts', 'test/alerting/promtool-*.test.ts'],
          exclude: ['test/integration/kubernetes-*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        // A real kube-apiserver + etcd that each file starts itself (scripts/infra/kubernetes.ts); no
        // Kafka or Elasticsearch. The first run builds both from the Go module proxy: long hooks.
        test: { name: 'kubernetes', include: ['test/integration/kubernetes-*.test.ts'], testTimeout: 120_000, hookTimeout: 30 * 60_000 },
      },
      {
        // The explorer page in Debian's headless chromium (puppeteer-core) against Braid in-process;
        // the global setup builds dist/web when it is missing or older than web/.
        test: { name: 'browser', include: ['test/web/**/*.test.ts'], globalSetup: ['test/web/global-setup.ts'], testTimeout: 60_000, hookTimeout: 180_000 },
      },
      {
        // Also the differential check against a real Prometheus 3.16 (built on first use by
        // scripts/infra/prometheus.ts: long hooks).
        test: { name: 'promql-corpus', include: ['test/promql/promqltest.test.ts', 'test/promql/differential.test.ts'], testTimeout: 20_000, hookTimeout: 30 * 60_000 },
      },
    ],
  },
});
