/**
 * Which version a rollback puts the campaign back on, from the promotion history. Pure.
 *
 * The previous promoted version of the one the campaign serves: what the campaign served just before
 * the run that promoted the served version (its latest such promotion). Repeated rollbacks step
 * further back, never forth, and a version a rollback already left is not returned to. A served
 * version no run promoted (deployed by hand, before the history began) goes back to the newest
 * version a run promoted.
 */
import type { CampaignState, PromotionRecord } from '../common/types';

/** Workflow patch id of DEPLOY's promotion record (runs recorded before it replay without it). */
export const PROMOTION_HISTORY_PATCH = 'promotion-history';

export type RollbackChoice = { action: 'rollback'; target: string; reason: string } | { action: 'refuse'; reason: string };

export function chooseRollback(opts: { history: PromotionRecord[]; campaign: CampaignState; to?: string }): RollbackChoice {
  const { history, campaign, to } = opts;
  const serving = campaign.solutionVersionArn;
  const u = campaign.latestUpdate;
  if (u && /IN_PROGRESS|PENDING/.test(u.status))
    return { action: 'refuse', reason: `the campaign is being updated to ${u.solutionVersionArn ?? 'another version'} (${u.status}); roll back once that update has finished` };
  if (to) {
    if (to === serving) return { action: 'refuse', reason: `the campaign already serves ${to}` };
    return { action: 'rollback', target: to, reason: `asked for ${to}` };
  }
  if (!serving) return { action: 'refuse', reason: 'the campaign serves no version yet: nothing to roll back' };
  const runs = history.filter((h) => h.by === 'run');
  const i = runs.map((h) => h.solutionVersionArn).lastIndexOf(serving);
  if (i === -1) {
    const newest = [...runs].reverse().find((h) => h.solutionVersionArn !== serving);
    if (newest && !history.some((h) => h.solutionVersionArn === serving))
      return { action: 'rollback', target: newest.solutionVersionArn, reason: `the newest version a run promoted (${newest.runKey ?? 'unknown run'}, ${newest.promotedAt}); no recorded run promoted ${serving}` };
    return { action: 'refuse', reason: `no earlier promoted version than ${serving} is recorded (promotion history: ${history.length} entries); name one with --to` };
  }
  const before = runs[i]!.previous;
  if (before && before !== serving)
    return { action: 'rollback', target: before, reason: `what the campaign served before ${runs[i]!.runKey ?? 'a run'} promoted ${serving}` };
  return { action: 'refuse', reason: `no earlier promoted version than ${serving}: it was the campaign's first (promotion history: ${history.length} entries)` };
}
