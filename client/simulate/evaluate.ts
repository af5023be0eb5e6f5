/**
 * Next-day quality of a recommendation policy in the simulated world: every real user (no bots)
 * who engages on the next day with items they had not interacted with before is asked for 10
 * recommendations, and NDCG@10 (the recommender's own metric code) scores them against those items.
 * Every policy is asked the same way: for its top 10 + (items the user has interacted with so far)
 * and then cut to the 10 best the user has not seen, so a policy trained earlier is not penalized
 * for items it could not know the user saw, only for what it recommends instead.
 */
import type { WorldEvent } from '../../activities/local/generator/world';
import { ndcgAt } from '../../activities/local/recommender/metrics';

export const K = 10;
/** GetRecommendations returns at most 500 items. */
const MAX_RESULTS = 500;

/** What each user has interacted with so far (any event of the scoring). */
export class Seen {
  private readonly byUser = new Map<string, Set<string>>();

  add(events: readonly WorldEvent[], scoring: Readonly<Record<string, number>>): void {
    for (const e of events) {
      if (scoring[e.event] === undefined) continue;
      let s = this.byUser.get(e.userId);
      if (!s) this.byUser.set(e.userId, (s = new Set()));
      s.add(e.itemId);
    }
  }

  of(user: string): ReadonlySet<string> {
    return this.byUser.get(user) ?? new Set();
  }
}

/** Real users' positive engagements of a day with items they had not interacted with before. */
export function nextDayTruth(
  events: readonly WorldEvent[],
  seen: Seen,
  isBot: (user: string) => boolean,
  scoring: Readonly<Record<string, number>>
): Map<string, Set<string>> {
  const truth = new Map<string, Set<string>>();
  for (const e of events) {
    if (isBot(e.userId) || !((scoring[e.event] ?? 0) > 0) || seen.of(e.userId).has(e.itemId)) continue;
    let s = truth.get(e.userId);
    if (!s) truth.set(e.userId, (s = new Set()));
    s.add(e.itemId);
  }
  return truth;
}

/** A policy: the ranked item ids it recommends to a user. */
export type Policy = (user: string, n: number) => Promise<readonly string[]> | readonly string[];

/** How many to ask a policy for, so that K remain once the user's seen items are cut. */
export function requestSize(seen: ReadonlySet<string>): number {
  return Math.min(MAX_RESULTS, K + seen.size);
}

/** The policy's top K for the user, without the items the user has interacted with. */
export async function topUnseen(policy: Policy, user: string, seen: ReadonlySet<string>): Promise<string[]> {
  const ranked = await policy(user, requestSize(seen));
  return ranked.filter((i) => !seen.has(i)).slice(0, K);
}

/** Mean NDCG@10 of a policy over the truth's users. */
export async function meanNdcg(
  policy: Policy,
  truth: ReadonlyMap<string, ReadonlySet<string>>,
  seen: Seen
): Promise<number> {
  if (truth.size === 0) return 0;
  let sum = 0;
  for (const [user, items] of truth) sum += ndcgAt(await topUnseen(policy, user, seen.of(user)), items, K);
  return sum / truth.size;
}
