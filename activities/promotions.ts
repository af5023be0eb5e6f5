/**
 * The promotion history of a pipeline: which versions its campaign was put on, when, and by what
 * (a run's DEPLOY or a rollback), in `<workPrefix>runs/promotions-<pipeline>.json`, oldest first.
 * Rollback reads it to find the previous promoted version. Only the pipeline's lock holder writes it.
 */
import type { PromotionRecord } from '../common/types';
import type { ObjectStore } from './ports';
import { runsPrefix } from './run-records';

export function promotionsUri(workPrefix: string, pipeline: string): string {
  return `${runsPrefix(workPrefix)}promotions-${pipeline}.json`;
}

export async function readPromotions(store: ObjectStore, workPrefix: string, pipeline: string): Promise<PromotionRecord[]> {
  const text = await store.getText(promotionsUri(workPrefix, pipeline));
  if (!text) return [];
  const parsed = JSON.parse(text) as { promotions?: PromotionRecord[] };
  return Array.isArray(parsed.promotions) ? parsed.promotions : [];
}

/** Same version by the same run or rollback as the newest entry: a retried call, written once. */
export function withPromotion(history: PromotionRecord[], p: PromotionRecord): PromotionRecord[] {
  const last = history.at(-1);
  if (last && last.solutionVersionArn === p.solutionVersionArn && last.by === p.by && last.runKey === p.runKey) return history;
  return [...history, p];
}

export async function appendPromotion(
  store: ObjectStore,
  workPrefix: string,
  pipeline: string,
  p: PromotionRecord
): Promise<PromotionRecord[]> {
  const next = withPromotion(await readPromotions(store, workPrefix, pipeline), p);
  await store.putText(promotionsUri(workPrefix, pipeline), JSON.stringify({ pipeline, promotions: next }, null, 2));
  return next;
}
