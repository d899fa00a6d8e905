/**
 * The scrape manager: loads the `scrape_configs` file, runs each job's discovery (static, file,
 * Kubernetes), turns target groups into targets, keeps the targets of this collector's shard
 * (hash of the target modulo the shard count, so several collectors scrape each target exactly
 * once), and runs one ScrapeLoop per target: started when it appears, stopped with staleness
 * markers when it goes away.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../../telemetry/logger.js';
import { loadScrapeConfig, type ScrapeJob } from './config.js';
import { startFileSd } from './file-sd.js';
import { parseKubernetesSdConfig, startKubernetesDiscovery } from './kubernetes.js';
import { ScrapeLoop, type ScrapeSink } from './loop.js';
import { targetsFromGroup, type ScrapeTarget } from './targets.js';
import type { Discoverer, TargetGroup } from './types.js';

/** Settings of the scraper (`receivers.prometheus`). */
export interface ScraperSettings {
  configFile: string;
  shard: { index: number; count: number };
}

/** A running scraper. */
export interface Scraper {
  /** The targets this collector scrapes now (its shard), per job. */
  targets(): Map<string, ScrapeTarget[]>;
  stop(): Promise<void>;
}

/** Whether a target belongs to this collector's shard. */
export function inShard(target: Pick<ScrapeTarget, 'key'>, shard: { index: number; count: number }): boolean {
  if (shard.count <= 1) return true;
  return createHash('md5').update(target.key).digest().readUInt32BE(0) % shard.count === shard.index;
}

/** One job: its discovered groups by source, and the loops of its targets. */
class JobRunner {
  private readonly groups = new Map<string, TargetGroup>();
  private readonly loops = new Map<string, ScrapeLoop>();
  private readonly discoverers: Discoverer[] = [];
  private current: ScrapeTarget[] = [];
  private stopped = false;

  constructor(
    private readonly job: ScrapeJob,
    private readonly baseDir: string,
    private readonly settings: ScraperSettings,
    private readonly sink: ScrapeSink,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.update(this.job.staticGroups);
    for (const fileSd of this.job.fileSd) this.discoverers.push(startFileSd(fileSd, (g) => this.update(g), this.log));
    this.job.kubernetesSd.forEach((raw, i) => {
      const config = parseKubernetesSdConfig(raw, `scrape_configs[${this.job.jobName}].kubernetes_sd_configs[${i}]`, this.baseDir);
      this.discoverers.push(startKubernetesDiscovery(config, (g) => this.update(g), this.log));
    });
  }

  /** Applies changed groups (an empty group removes its source) and reconciles the loops. */
  private update(changed: TargetGroup[]): void {
    if (this.stopped) return;
    for (const g of changed) {
      if (g.targets.length === 0) this.groups.delete(g.source);
      else this.groups.set(g.source, g);
    }
    const targets = new Map<string, ScrapeTarget>();
    for (const g of this.groups.values()) {
      for (const t of targetsFromGroup(this.job, g, (message) => this.log.warn({ job: this.job.jobName, err: message }, 'invalid target'))) {
        if (inShard(t, this.settings.shard)) targets.set(t.key, t);
      }
    }
    this.current = [...targets.values()];
    // Prometheus's target_limit: over it, every target of the job fails its scrapes with this error.
    const limit = this.job.targetLimit;
    const forced = limit > 0 && targets.size > limit ? `target_limit exceeded (number of targets: ${targets.size}, limit: ${limit})` : undefined;
    for (const [key, loop] of this.loops) {
      if (targets.has(key)) continue;
      this.loops.delete(key);
      void loop.stop(true);
    }
    for (const [key, t] of targets) {
      if (this.loops.has(key)) continue;
      const loop = new ScrapeLoop(
        {
          key, job: t.job, url: t.url, labels: t.labels, intervalMs: t.intervalMs, timeoutMs: t.timeoutMs,
          honorLabels: this.job.honorLabels, honorTimestamps: this.job.honorTimestamps, sampleLimit: this.job.sampleLimit,
          labelLimits: { labelLimit: this.job.labelLimit, labelNameLengthLimit: this.job.labelNameLengthLimit, labelValueLengthLimit: this.job.labelValueLengthLimit },
          bodySizeLimitBytes: this.job.bodySizeLimitBytes, metricRelabel: this.job.metricRelabel, headers: this.job.headers, ...(this.job.tls ? { tls: this.job.tls } : {}),
        },
        this.sink,
        this.log,
      );
      this.loops.set(key, loop);
      loop.start();
    }
    for (const loop of this.loops.values()) loop.setForcedError(forced);
  }

  targets(): ScrapeTarget[] {
    return this.current;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.discoverers.map((d) => d.stop()));
    // Braid stopping is not the targets going away: no staleness markers.
    await Promise.all([...this.loops.values()].map((l) => l.stop(false)));
    this.loops.clear();
  }
}

/** Loads the scrape configuration and starts scraping; resolves undefined when the file does not exist. */
export async function startScraper(settings: ScraperSettings, sink: ScrapeSink, log: Logger): Promise<Scraper | undefined> {
  let file;
  try {
    file = await loadScrapeConfig(settings.configFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || /ENOENT|no such file/.test((err as Error).message)) {
      log.warn({ file: settings.configFile }, 'no scrape configuration file: nothing is scraped');
      return undefined;
    }
    throw err;
  }
  const runners = file.jobs.map((job) => new JobRunner(job, file.baseDir, settings, sink, log));
  for (const r of runners) r.start();
  log.info({ file: settings.configFile, jobs: file.jobs.map((j) => j.jobName), shard: settings.shard }, 'scraper started');
  return {
    targets: () => new Map(runners.map((r, i) => [file.jobs[i]?.jobName ?? '', r.targets()])),
    async stop() {
      await Promise.all(runners.map((r) => r.stop()));
    },
  };
}
