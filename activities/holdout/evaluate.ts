/**
 * Scoring versions on the run's holdout, with the recommender's own metric code (NDCG@10 and the
 * rest, activities/local/recommender/metrics.ts).
 *
 * Evaluation users: held-out users who also have training interactions and engaged in the holdout
 * with an item they had not interacted with before (their truth); at most `sampleUsers` of them, in
 * a stable hash order so the same data always gives the same sample. Every version is asked for its
 * top `numResults` and the user's seen items are cut before the top 25 is scored: a version trained
 * earlier is not penalized for not knowing what the user saw since, only for what it recommends
 * instead. The popularity baseline ranks the training file's most engaged items the same way.
 */
import { ApplicationFailure } from '@temporalio/common';
import { parse } from 'csv-parse';
import type { Readable } from 'node:stream';
import type { HoldoutEvaluationSet } from '../../common/holdout';
import type { Metrics } from '../../common/types';
import { evaluateRankings, stableHash } from '../local/recommender/metrics';
import { readBatchOutput, writeBatchInput } from '../batch-inference-files';
import type { BatchRecommendation, ObjectStore } from '../ports';

/** Scored depth: the metrics go to 25 (precision_at_25, mean_reciprocal_rank_at_25). */
const DEPTH = 25;
/** GetRecommendations and batch inference return at most 500 items. */
const MAX_RESULTS = 500;
const SAMPLE_SEED = 0x6a7e;

export interface TruthFile {
  /** Requests are made as of the holdout's start (epoch seconds). */
  atSeconds: number | null;
  numResults: number;
  catalogSize: number;
  users: { userId: string; truth: string[]; seen: string[] }[];
}

async function* interactions(store: ObjectStore, uri: string): AsyncGenerator<{ user: string; item: string; positive: boolean }> {
  const input = (await store.openRead(uri)) as Readable;
  const parser = input.pipe(parse({ relax_column_count: true, skip_empty_lines: true, bom: true }));
  let idx: { user: number; item: number; value: number } | undefined;
  for await (const fields of parser as AsyncIterable<string[]>) {
    if (!idx) {
      const h = fields.map((f) => f.trim().toUpperCase());
      idx = { user: h.indexOf('USER_ID'), item: h.indexOf('ITEM_ID'), value: h.indexOf('EVENT_VALUE') };
      continue;
    }
    const v = idx.value >= 0 ? fields[idx.value]?.trim() : '';
    // Without EVENT_VALUE every interaction counts; with it, as the recommender reads it (value > 0).
    yield { user: fields[idx.user]!, item: fields[idx.item]!, positive: !v || Number(v) > 0 };
  }
}

export interface PrepareEvaluationRequest {
  trainingUri: string;
  holdoutUri: string;
  /** Where users.jsonl and truth.json go (ends in '/'). */
  prefix: string;
  sampleUsers: number;
  cutoffMs: number | null;
}

export async function prepareHoldoutEvaluation(store: ObjectStore, req: PrepareEvaluationRequest): Promise<HoldoutEvaluationSet> {
  const heldOut = new Map<string, Set<string>>();
  for await (const r of interactions(store, req.holdoutUri)) {
    if (!r.positive) continue;
    let s = heldOut.get(r.user);
    if (!s) heldOut.set(r.user, (s = new Set()));
    s.add(r.item);
  }
  const seen = new Map<string, Set<string>>();
  const popularity = new Map<string, number>();
  for await (const r of interactions(store, req.trainingUri)) {
    if (r.positive) popularity.set(r.item, (popularity.get(r.item) ?? 0) + 1);
    else if (!popularity.has(r.item)) popularity.set(r.item, 0);
    if (!heldOut.has(r.user)) continue;
    let s = seen.get(r.user);
    if (!s) seen.set(r.user, (s = new Set()));
    s.add(r.item);
  }
  const eligible: { userId: string; truth: string[]; seen: Set<string> }[] = [];
  for (const [userId, items] of heldOut) {
    const before = seen.get(userId);
    if (!before) continue; // no history: nothing to personalize from
    const truth = [...items].filter((i) => !before.has(i));
    if (truth.length) eligible.push({ userId, truth, seen: before });
  }
  const sample = eligible
    .map((u) => ({ u, h: stableHash(SAMPLE_SEED, u.userId) }))
    .sort((a, b) => a.h - b.h || (a.u.userId < b.u.userId ? -1 : 1))
    .slice(0, req.sampleUsers)
    .map((x) => x.u);
  const maxSeen = sample.reduce((m, u) => Math.max(m, u.seen.size), 0);
  const numResults = Math.min(MAX_RESULTS, DEPTH + maxSeen);
  const truthFile: TruthFile = {
    atSeconds: req.cutoffMs === null ? null : Math.floor(req.cutoffMs / 1000),
    numResults,
    catalogSize: popularity.size,
    users: sample.map((u) => ({ userId: u.userId, truth: u.truth, seen: [...u.seen] })),
  };
  const inputUri = `${req.prefix}users.jsonl`;
  const truthUri = `${req.prefix}truth.json`;
  await writeBatchInput(store, inputUri, sample.map((u) => u.userId));
  await store.putText(truthUri, JSON.stringify(truthFile));
  const popular = [...popularity.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([item]) => item).slice(0, numResults);
  const popularRecs = sample.map((u) => ({ userId: u.userId, itemIds: popular, scores: [] }));
  return {
    users: sample.length,
    eligibleUsers: eligible.length,
    inputUri,
    truthUri,
    numResults,
    popularity: scoreAgainstTruth(truthFile, popularRecs).metrics,
  };
}

export async function readTruth(store: ObjectStore, truthUri: string): Promise<TruthFile> {
  const text = await store.getText(truthUri);
  if (!text) throw ApplicationFailure.nonRetryable(`the holdout's truth file ${truthUri} is missing`, 'HoldoutTruthMissing');
  return JSON.parse(text) as TruthFile;
}

/** Metrics of one version's recommendations; users it gave nothing for score zero. */
export function scoreAgainstTruth(truth: TruthFile, recs: readonly BatchRecommendation[]): { metrics: Metrics; unanswered: number } {
  const byUser = new Map(recs.map((r) => [r.userId, r]));
  let unanswered = 0;
  const rankings = truth.users.map((u) => {
    const r = byUser.get(u.userId);
    if (!r || r.error || r.itemIds.length === 0) unanswered++;
    const seen = new Set(u.seen);
    return { ranked: (r?.itemIds ?? []).filter((i) => !seen.has(i)).slice(0, DEPTH), truth: new Set(u.truth) };
  });
  return { metrics: evaluateRankings(rankings, truth.catalogSize), unanswered };
}

/** Scores a batch inference job's output; an output that answers nobody is a failed evaluation, not a zero score. */
export async function scoreBatchOutput(store: ObjectStore, outputUri: string, truthUri: string): Promise<Metrics> {
  const truth = await readTruth(store, truthUri);
  if (!(await store.exists(outputUri))) {
    throw ApplicationFailure.nonRetryable(`the batch inference job succeeded but its output ${outputUri} does not exist`, 'BatchOutputMissing');
  }
  const recs: BatchRecommendation[] = [];
  const counts = await readBatchOutput(store, outputUri, (r) => void recs.push(r));
  const { metrics, unanswered } = scoreAgainstTruth(truth, recs);
  if (truth.users.length > 0 && unanswered === truth.users.length) {
    const firstError = recs.find((r) => r.error)?.error;
    throw ApplicationFailure.nonRetryable(
      `the batch inference output ${outputUri} recommends nothing for any of the ${truth.users.length} users${firstError ? ` (first error: ${firstError})` : ''}${counts.unreadable ? `; ${counts.unreadable} unreadable lines` : ''}`,
      'BatchOutputUnusable'
    );
  }
  return metrics;
}
