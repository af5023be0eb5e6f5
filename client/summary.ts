/** The run summary people read after a run: rows, metrics next to the baseline, decision, campaign. */
import { BASELINE_PREFIX } from '../activities/local/recommender/baseline';
import type { RetrainResult } from '../common/types';
import { formatMs } from '../workflows/duration';

export function formatSummary(r: RetrainResult, opts: { uiUrl?: string; workflowId?: string } = {}): string[] {
  const lines: string[] = [];
  const metric = r.gate?.metric ?? 'normalized_discounted_cumulative_gain_at_10';
  const cand = r.metrics?.candidate;
  const dep = r.metrics?.deployed;
  lines.push(`Run ${r.runKey}: ${r.outcome} – ${r.reason}`);
  if (r.stats) {
    lines.push(`  interactions     ${r.stats.rows} rows, ${r.stats.users} users (${r.stats.usersWith2Plus} with 2+), ${r.stats.items} items${r.stats.invalidRows ? `, ${r.stats.invalidRows} invalid rows left out` : ''}`);
  }
  const malformed = Object.entries(r.malformed ?? {}).filter(([, n]) => n > 0);
  if (malformed.length) lines.push(`  malformed events ${malformed.map(([k, n]) => `${k}=${n}`).join(', ')} (counted, not imported)`);
  if (cand) {
    const f = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(4));
    lines.push(`  new model        ${metric} ${f(cand[metric])}  precision_at_25 ${f(cand.precision_at_25)}  mean_reciprocal_rank_at_25 ${f(cand.mean_reciprocal_rank_at_25)}  coverage ${f(cand.coverage)}`);
    if (cand[`${BASELINE_PREFIX}${metric}`] !== undefined) {
      const base = cand[`${BASELINE_PREFIX}${metric}`]!;
      const ratio = base > 0 ? ` (${(cand[metric]! / base).toFixed(2)}× popularity)` : '';
      lines.push(`  popularity       ${metric} ${f(base)} on the same holdout${ratio}`);
    }
    lines.push(`  deployed model   ${dep ? `${metric} ${f(dep[metric])}` : 'none (first deployment)'}`);
  }
  if (r.gate) lines.push(`  quality gate     ${r.gate.promote ? 'promote' : 'reject'}: ${r.gate.reason}`);
  lines.push(`  campaign serves  ${r.campaignSolutionVersionArn ?? 'nothing yet'}`);
  for (const note of r.notes ?? []) lines.push(`  note             ${note}`);
  lines.push(`  phases           ${r.timings.map((t) => `${t.phase} ${t.endedAt ? formatMs(Date.parse(t.endedAt) - Date.parse(t.startedAt)) : ''}`.trim()).join(' → ')}`);
  if (opts.uiUrl && opts.workflowId) lines.push(`  Web UI           ${opts.uiUrl}/namespaces/default/workflows/${encodeURIComponent(opts.workflowId)}`);
  return lines;
}

