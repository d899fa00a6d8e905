/** A recording rule (Prometheus's rules/recording.go): the result renamed and relabelled, written as series. */
import { BraidError } from '../../errors.js';
import type { Labels } from '../../promql/types.js';
import { labelsKey } from '../../promql/values.js';
import type { RuleConfig } from '../rules/types.js';
import type { OutputSample } from '../types.js';
import type { QueryFunc } from './query.js';
import { RuleBase } from './rule-base.js';

/** A recording rule. */
export class RecordingRule extends RuleBase {
  readonly kind = 'recording' as const;

  constructor(cfg: RuleConfig, groupLabels: Labels) {
    super(cfg.record!, cfg.expr, { ...groupLabels, ...cfg.labels });
  }

  /** One evaluation at `ts`: the samples to write at ts - queryOffset. */
  async evaluate(ts: number, queryOffsetMs: number, query: QueryFunc, limit: number): Promise<OutputSample[]> {
    const t = ts - queryOffsetMs;
    const res = await query(this.expr, t);
    const seen = new Set<string>();
    const out: OutputSample[] = [];
    for (const s of res) {
      const labels: Labels = { ...s.labels, __name__: this.name };
      // Prometheus's labels.Builder: setting an empty value removes the label.
      for (const [k, v] of Object.entries(this.labels)) if (v === '') delete labels[k]; else labels[k] = v;
      const k = labelsKey(labels);
      if (seen.has(k)) throw new BraidError('BRAID_ERR_RULES_EVAL', 'vector contains metrics with the same labelset after applying rule labels');
      seen.add(k);
      out.push({ labels, t, v: s.value });
    }
    if (limit > 0 && out.length > limit) throw new BraidError('BRAID_ERR_RULES_EVAL', `exceeded limit of ${limit} with ${out.length} series`);
    return out;
  }
}
