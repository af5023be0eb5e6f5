/** The summary's holdout line: what was held out, who was scored, the scores, and the batch cost. */
import type { RetrainResult } from '../common/types';

export function holdoutLine(r: RetrainResult): string | undefined {
  const h = r.holdout;
  if (!h) return undefined;
  if (!h.holdoutUri) return `  holdout          none: ${h.note ?? 'nothing held out'}`;
  const n = (x: number) => x.toLocaleString('en-US');
  const from = h.cutoffMs === null ? '' : ` from ${new Date(h.cutoffMs).toISOString().slice(0, 16)}Z`;
  const parts = [`${n(h.heldOut.rows)} interactions${from} held out (imported by the next run)`];
  const s = r.holdoutScores;
  if (s) {
    const metric = r.gate?.metric ?? 'normalized_discounted_cumulative_gain_at_10';
    const f = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(4));
    parts.push(`${n(s.users)} evaluation users (of ${n(s.eligibleUsers)})`);
    if (s.candidate[metric] !== undefined) {
      parts.push(`${metric}: candidate ${f(s.candidate[metric])}, deployed ${s.deployed ? f(s.deployed[metric]) : '–'}, popularity ${f(s.popularity[metric])}`);
    }
    if (s.batch) parts.push(`${s.batch.jobs} batch inference jobs, ${n(s.batch.recommendations)} recommendations ≈ ${s.batch.estimatedCostUsd.toFixed(2)} USD`);
  }
  return `  holdout          ${parts.join('; ')}`;
}
