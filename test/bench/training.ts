/** Local training on 1M interactions with a hidden structure: time, and quality against popularity. */
import { rng } from '../../activities/local/generator/pinpoint';
import { timeHoldout } from '../../activities/local/recommender/metrics';
import { train, type Interaction } from '../../activities/local/recommender/model';

type Report = (name: string, value: number) => void;

function structured(n: number, users: number, items: number, groups: number): Interaction[] {
  const r = rng(17);
  const out: Interaction[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const u = Math.floor(r() * users);
    const g = u % groups;
    const group = r() < 0.8 ? g : Math.floor(r() * groups);
    const i = group + groups * Math.floor(Math.pow(r(), 1.6) * (items / groups));
    out[k] = { user: `u${u}`, item: `i${i}`, value: r() < 0.3 ? 100 : 50, ts: 1_790_000_000 + Math.floor((k / n) * 90 * 86_400) };
  }
  return out;
}

export async function benchTraining(report: Report, opts: { interactions: number }): Promise<void> {
  const data = structured(opts.interactions, Math.round(opts.interactions / 20), 5000, 25);
  let t = Date.now();
  train(data);
  report('local_training_s_1m', (Date.now() - t) / 1000);
  t = Date.now();
  const h = timeHoldout(data);
  report('local_holdout_evaluation_s_1m', (Date.now() - t) / 1000);
  const m = 'normalized_discounted_cumulative_gain_at_10';
  report('local_ndcg10_1m', h.model[m]!);
  report('local_ndcg10_vs_popularity_1m', h.model[m]! / h.popularity[m]!);
}
