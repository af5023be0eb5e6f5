/**
 * The quality gate on the run's holdout: candidate, deployed version and popularity baseline are
 * scored with the same metric code on the same held-out interactions, so their scores compare.
 * A candidate is promoted only when it beats popularity and has not fallen more than the tolerance
 * below the deployed version. An empty or too-small holdout says so and decides as configured.
 * Pure: unit-tested and replay-safe.
 */
import type { HoldoutScores, HoldoutSettings } from '../common/holdout';
import type { GateDecision, GateSettings, Metrics } from '../common/types';
import { evaluateGate } from './plan';

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const f4 = (x: number) => x.toFixed(4);

export interface HoldoutGateInput {
  /** Null when nothing was held out or the holdout has no evaluation users. */
  scores: HoldoutScores | null;
  /** Why there are no scores (nothing held out, no users with history …), when there are none. */
  missing?: string;
  /** GetSolutionMetrics of both versions: recorded, and gated on only when configured for a too-small holdout. */
  solutionMetrics: { candidate: Metrics; deployed: Metrics | null };
}

/** How the evaluation users of a holdout compare with the configured minimum; null when there are enough. */
export function holdoutTooSmall(users: number, h: HoldoutSettings): string | null {
  return users < h.minUsers ? `the holdout has ${users} evaluation user${users === 1 ? '' : 's'}, fewer than the ${h.minUsers} the gate needs (gate.holdout.minUsers)` : null;
}

export function decideOnHoldout(input: HoldoutGateInput, gate: GateSettings & { holdout: HoldoutSettings }): GateDecision {
  const h = gate.holdout;
  const m = gate.metric;
  const cost = input.scores?.batch?.estimatedCostUsd;
  const sized = { users: input.scores?.users ?? 0, ...(cost !== undefined && { estimatedCostUsd: cost }) };
  const small = input.scores ? holdoutTooSmall(input.scores.users, h) : (input.missing ?? 'nothing was held out');
  if (small) {
    if (h.whenTooSmall === 'solution-metrics') {
      const d = evaluateGate(input.solutionMetrics.candidate, input.solutionMetrics.deployed, gate);
      return {
        ...d,
        ...sized,
        basis: 'solution-metrics',
        check: d.deployed === null && d.promote ? 'first-deployment' : 'deployed',
        reason: `${small}: decided on GetSolutionMetrics instead, which come from each version's own data (gate.holdout.whenTooSmall): ${d.reason}`,
      };
    }
    const promote = h.whenTooSmall === 'promote';
    return {
      promote,
      metric: m,
      candidate: null,
      deployed: null,
      change: null,
      ...sized,
      basis: 'none',
      check: 'holdout-size',
      reason: `${small}: ${promote ? 'promoted without a holdout check' : 'not promoted, nothing shows it is better'} (gate.holdout.whenTooSmall: ${h.whenTooSmall})`,
    };
  }
  const s = input.scores!;
  const c = s.candidate[m];
  const p = s.popularity[m];
  const dep = s.deployed?.[m];
  const base = { metric: m, ...sized, basis: 'holdout' as const, popularity: p ?? null };
  if (c === undefined || !Number.isFinite(c) || p === undefined) {
    return { ...base, promote: false, candidate: c ?? null, deployed: dep ?? null, change: null, check: 'popularity', reason: `the holdout scoring gave no ${m}` };
  }
  const on = `on the same holdout (${s.users} users)`;
  const failures: { check: 'deployed' | 'popularity'; text: string }[] = [];
  let change: number | null = null;
  if (dep !== undefined && Number.isFinite(dep)) {
    change = dep === 0 ? (c >= 0 ? 0 : -Infinity) : (c - dep) / Math.abs(dep);
    // A fall of exactly the tolerance passes; the epsilon absorbs floating-point noise.
    if (change < -gate.tolerance - 1e-9) {
      failures.push({ check: 'deployed', text: `${m} ${f4(c)} is ${pct(-change)} below the deployed version's ${f4(dep)}, more than the ${pct(gate.tolerance)} tolerance` });
    }
  }
  if (!(c > p)) failures.push({ check: 'popularity', text: `${m} ${f4(c)} does not beat the popularity baseline's ${f4(p)}` });
  const decision = { ...base, candidate: c, deployed: dep ?? null, change };
  if (failures.length) {
    return { ...decision, promote: false, check: failures[0]!.check, reason: `${failures.map((x) => x.text).join('; ')} ${on}` };
  }
  const vsDeployed = change === null ? 'nothing deployed to compare with' : `deployed ${f4(dep!)} → candidate ${f4(c)} (${change >= 0 ? '+' : ''}${pct(change)})`;
  return { ...decision, promote: true, check: change === null ? 'first-deployment' : 'deployed', reason: `${m} ${on}: ${vsDeployed}; popularity ${f4(p)}` };
}
