/**
 * Chooses the scorer's two blends for one training, on validation data carved out of the training
 * data itself, so a model is never tuned on what it is measured on:
 *
 * - the newest tenth of the engagements (by time) is the forward truth of the users active before;
 *   users quiet by then have their own newest engagements held out instead;
 * - a model is fitted on the rest, and each validation user is asked for recommendations at the
 *   moment of their next engagement: within the session gap of their last one, that is a session
 *   going on, else a next session;
 * - each blend of a small grid ranks those users' items, and each kind of moment gets the blend
 *   with the best mean NDCG@10 on its users. The grid contains pure popularity, so on validation
 *   the chosen blends are never below the popularity fallback.
 */
import {
  evaluateOnHoldout,
  ndcgAt,
  requestTimes,
  splitAtTime,
  splitHoldout,
  type HoldoutResult,
  type HoldoutSplit,
} from './metrics';
import { DEFAULT_MODEL_OPTIONS, train, type Blend, type ItemModel, type ModelOptions } from './model';
import { inSession, Scorer, type Signals } from './scorer';
import type { InteractionTable } from './table';

export interface TuneOptions {
  /** Share of the newest engagements held out for validation. */
  validationShare: number;
  /** Fewer validation users than this for a kind of moment: too noisy, keep the default blend. */
  minUsers: number;
  /** At most this many validation users per kind of moment are scored (bounds the cost). */
  maxUsers: number;
}

export const DEFAULT_TUNE: TuneOptions = { validationShare: 0.1, minUsers: 50, maxUsers: 1500 };

const NEIGHBOURS = [0, 0.1, 0.25, 0.5, 1, 4, 16];
const TRANSITIONS = [0, 0.05, 0.1, 0.25, 1];
const RECENCIES = [1, 0.85, 0.6];

export interface BlendChoice {
  blend: Blend;
  /** Validation users it was chosen on (0: too few, the default was kept). */
  users: number;
  /** Mean NDCG@10 of the blend and of pure popularity on those users. */
  ndcg: number;
  popularityNdcg: number;
}

export interface TunedBlends {
  /** For a next session. */
  next: BlendChoice;
  /** While a session goes on. */
  session: BlendChoice;
}

/** The time before which `1 - share` of the included engagements lie (a 1,024-bucket histogram). */
function timeQuantile(t: InteractionTable, include: Uint8Array | undefined, share: number): number | null {
  let lo = Infinity;
  let hi = -Infinity;
  let n = 0;
  for (let r = 0; r < t.ts.length; r++) {
    if ((include && !include[r]) || !(t.value[r]! > 0)) continue;
    n++;
    if (t.ts[r]! < lo) lo = t.ts[r]!;
    if (t.ts[r]! > hi) hi = t.ts[r]!;
  }
  if (n === 0 || hi <= lo) return null;
  const buckets = new Float64Array(1024);
  const width = (hi - lo) / buckets.length;
  for (let r = 0; r < t.ts.length; r++) {
    if ((include && !include[r]) || !(t.value[r]! > 0)) continue;
    buckets[Math.min(buckets.length - 1, Math.floor((t.ts[r]! - lo) / width))]!++;
  }
  let acc = 0;
  for (let b = buckets.length - 1; b >= 0; b--) {
    acc += buckets[b]!;
    if (acc >= share * n) return lo + b * width;
  }
  return lo;
}

/** FNV-1a: a stable, well-spread order of users for the validation sample. */
function stableHash(s: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193) >>> 0;
  return h;
}

export interface ValidationSplit {
  /** 1 = the validation model's input. */
  include: Uint8Array;
  /** Validation user → truth items and the moment of their next engagement. */
  users: Map<number, { truth: Set<number>; at: number }>;
}

/** The validation data of a training: forward truth, and per-user truth for users quiet at the end. */
export function validationSplit(
  t: InteractionTable,
  include: Uint8Array | undefined,
  tune: TuneOptions
): ValidationSplit | null {
  const cutoff = timeQuantile(t, include, tune.validationShare);
  if (cutoff === null) return null;
  const forward = splitAtTime(t, cutoff, include);
  const activeLate = new Uint8Array(t.users.length);
  for (let r = 0; r < t.ts.length; r++) if ((!include || include[r]) && t.ts[r]! >= cutoff) activeLate[t.user[r]!] = 1;
  const quiet = new Uint8Array(t.ts.length);
  for (let r = 0; r < t.ts.length; r++) quiet[r] = forward.include[r]! && !activeLate[t.user[r]!] ? 1 : 0;
  const perUser = splitHoldout(t, { userShare: 1, minUsers: 0, truthShare: tune.validationShare, seed: 0x7a11 }, quiet);
  const input = forward.include.slice();
  for (let r = 0; r < input.length; r++) if (quiet[r] && !perUser.include[r]) input[r] = 0;
  const users = new Map<number, { truth: Set<number>; at: number }>();
  const add = (split: HoldoutSplit, base?: Uint8Array) => {
    const at = requestTimes(t, split, base);
    for (const [u, truth] of split.truth) users.set(u, { truth, at: at.get(u)! });
  };
  add(forward, include);
  add(perUser, quiet);
  return { include: input, users };
}

/** The candidate blends: every neighbour × transition weight at full recency, popularity at 1. */
function coarseGrid(): Blend[] {
  return NEIGHBOURS.flatMap((neighbours) =>
    TRANSITIONS.map((transitions) => ({ neighbours, transitions, popularity: 1, recency: 1 }))
  );
}

/** Around a blend: the adjacent weights at each lower recency. */
function refinedGrid(b: Blend): Blend[] {
  const near = (list: number[], v: number) => list.filter((_, k) => Math.abs(k - list.indexOf(v)) <= 1);
  if (b.neighbours === 0 && b.transitions === 0) return [];
  return RECENCIES.slice(1).flatMap((recency) =>
    near(NEIGHBOURS, b.neighbours).flatMap((neighbours) =>
      near(TRANSITIONS, b.transitions).map((transitions) => ({ neighbours, transitions, popularity: 1, recency }))
    )
  );
}

/** Mean NDCG@10 of each blend on these users (signals computed once per user and recency). */
function meanNdcgs(scorer: Scorer, sample: { u: number; truth: Set<number> }[], blends: Blend[]): Float64Array {
  const sums = new Float64Array(blends.length);
  const recencies = [...new Set(blends.map((b) => b.recency))];
  for (const { u, truth } of sample) {
    for (const recency of recencies) {
      const s: Signals = scorer.signals(u, recency);
      blends.forEach((b, g) => {
        if (b.recency === recency)
          sums[g]! += ndcgAt(
            scorer.rank(u, s, b, 10).map((x) => x.index),
            truth,
            10
          );
      });
    }
  }
  return sums.map((x) => x / sample.length);
}

/** The best blend for these users: a coarse grid, then lower recencies and neighbouring weights around the best. */
function bestBlend(
  scorer: Scorer,
  sample: { u: number; truth: Set<number> }[],
  fallback: Blend,
  minUsers: number
): BlendChoice {
  if (sample.length < minUsers) return { blend: fallback, users: 0, ndcg: 0, popularityNdcg: 0 };
  const coarse = coarseGrid();
  const coarseNdcg = meanNdcgs(scorer, sample, coarse);
  // coarse[0] has neighbours and transitions at 0: pure popularity, and the one to beat.
  let best = 0;
  for (let g = 1; g < coarse.length; g++) if (coarseNdcg[g]! > coarseNdcg[best]! + 1e-12) best = g;
  let choice = { blend: coarse[best]!, ndcg: coarseNdcg[best]! };
  const refined = refinedGrid(choice.blend);
  const refinedNdcg = meanNdcgs(scorer, sample, refined);
  refined.forEach((blend, g) => {
    if (refinedNdcg[g]! > choice.ndcg + 1e-12) choice = { blend, ndcg: refinedNdcg[g]! };
  });
  return { blend: choice.blend, users: sample.length, ndcg: choice.ndcg, popularityNdcg: coarseNdcg[0]! };
}

export function chooseBlends(
  t: InteractionTable,
  include?: Uint8Array,
  opts: ModelOptions = DEFAULT_MODEL_OPTIONS,
  tune: TuneOptions = DEFAULT_TUNE
): TunedBlends {
  const kept: TunedBlends = {
    next: { blend: opts.blend, users: 0, ndcg: 0, popularityNdcg: 0 },
    session: { blend: opts.sessionBlend, users: 0, ndcg: 0, popularityNdcg: 0 },
  };
  const split = validationSplit(t, include, tune);
  if (!split || split.users.size < tune.minUsers) return kept;
  const model = train(t, opts, split.include);
  const scorer = new Scorer(model);
  const next: { u: number; truth: Set<number>; h: number }[] = [];
  const session: { u: number; truth: Set<number>; h: number }[] = [];
  for (const [u, { truth, at }] of split.users) {
    (inSession(model, u, at) ? session : next).push({ u, truth, h: stableHash(t.users[u]!) });
  }
  const sample = (list: typeof next) => list.sort((a, b) => a.h - b.h || a.u - b.u).slice(0, tune.maxUsers);
  return {
    next: bestBlend(scorer, sample(next), opts.blend, tune.minUsers),
    session: bestBlend(scorer, sample(session), opts.sessionBlend, tune.minUsers),
  };
}

/** Fits a model with the blends chosen on its own training data. */
export function fitModel(
  t: InteractionTable,
  include?: Uint8Array,
  opts: ModelOptions = DEFAULT_MODEL_OPTIONS
): { model: ItemModel; blends: TunedBlends } {
  const blends = chooseBlends(t, include, opts);
  return {
    model: train(t, { ...opts, blend: blends.next.blend, sessionBlend: blends.session.blend }, include),
    blends,
  };
}

/** Personalize-shaped holdout: split, fit the input part (blends tuned on it), evaluate model and popularity. */
export function timeHoldout(
  t: InteractionTable,
  opts: ModelOptions = DEFAULT_MODEL_OPTIONS,
  holdout?: Parameters<typeof splitHoldout>[1]
): HoldoutResult {
  const split = splitHoldout(t, holdout);
  return evaluateOnHoldout(t, split, fitModel(t, split.include, opts).model);
}

export interface FittedAndEvaluated {
  /** Fitted on all the data, with the blends chosen on the holdout's input part. */
  model: ItemModel;
  /** The model fitted on the holdout's input part, and popularity, on the holdout. */
  holdout: HoldoutResult;
  blends: TunedBlends;
}

/**
 * What a training job does: measure on a Personalize-shaped holdout (blends tuned on its input
 * part, so never on the holdout), then fit everything with those blends for serving.
 */
export function fitAndEvaluate(t: InteractionTable, opts: ModelOptions = DEFAULT_MODEL_OPTIONS): FittedAndEvaluated {
  const split = splitHoldout(t);
  const measured = fitModel(t, split.include, opts);
  const holdout = evaluateOnHoldout(t, split, measured.model);
  const model = train(t, { ...opts, blend: measured.blends.next.blend, sessionBlend: measured.blends.session.blend });
  return { model, holdout, blends: measured.blends };
}
