/** Command line of the real-service harness: `npx tsx scripts/infra/cli.ts up|down|status|kube-build|prom-build|helm-build|peers-build`. */
import { fetchPrometheusOperatorCrds } from './crds.js';
import { buildHelm } from './helm.js';
import { buildPeers } from './jaeger.js';
import { infraDown, infraStatus, infraUp, InfraError, type InfraUpResult } from './index.js';
import { buildKubernetes } from './kubernetes.js';
import { buildPrometheus } from './prometheus.js';

/** Prints the shell lines that point Braid (and its tests) at the servers. */
export function printEnvLines(r: Pick<InfraUpResult, 'kafkaBrokers' | 'elasticsearchUrl'>): void {
  process.stdout.write(`export BRAID_KAFKA_BROKERS=${r.kafkaBrokers}\nexport BRAID_ELASTICSEARCH_URL=${r.elasticsearchUrl}\n`);
}

async function main(cmd: string | undefined): Promise<number> {
  switch (cmd) {
    case 'up': {
      const r = await infraUp();
      process.stderr.write(`[braid-infra] up (${r.started.length ? `started: ${r.started.join(', ')}` : 'all reused'})\n`);
      printEnvLines(r);
      return 0;
    }
    case 'down':
      await infraDown();
      return 0;
    case 'status': {
      const list = await infraStatus();
      for (const s of list) {
        const cols = [
          s.name.padEnd(13),
          s.state.padEnd(9),
          `pid ${s.pid ?? '-'}`.padEnd(11),
          `port ${s.port}`.padEnd(10),
          `version ${s.version ?? '-'}`.padEnd(16),
          s.managed ? 'managed by braid' : s.state === 'stopped' ? '' : 'not started by braid',
        ];
        process.stdout.write(`${cols.join(' ').trimEnd()}\n`);
      }
      return list.every((s) => s.state === 'running') ? 0 : 3;
    }
    case 'kube-build': {
      const b = await buildKubernetes();
      process.stdout.write(`${b.kubeApiserver}\n${b.etcd}\n`);
      return 0;
    }
    case 'prom-build': {
      const b = await buildPrometheus();
      process.stdout.write(`${b.prometheus}\n${b.promtool}\n`);
      return 0;
    }
    case 'helm-build': {
      // Helm and the CRDs its chart test installs: both from the Go module proxy, cached.
      const h = await buildHelm();
      const crds = await fetchPrometheusOperatorCrds();
      process.stdout.write(`${h.helm}\n${crds.servicemonitors}\n${crds.prometheusrules}\n`);
      return 0;
    }
    case 'peers-build': {
      // Jaeger v2 and telemetrygen for `npm run bench -- --peers`, from the Go module proxy, cached.
      const b = await buildPeers();
      process.stdout.write(`${b.jaeger}\n${b.telemetrygen}\n`);
      return 0;
    }
    default:
      process.stderr.write('usage: npx tsx scripts/infra/cli.ts up|down|status|kube-build|prom-build|helm-build|peers-build\n');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof InfraError) process.stderr.write(`braid infra: ${e.message}\n`);
    else process.stderr.write(`braid infra: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
