/** The run summary people read after a run: rows, metrics next to the baseline, decision, campaign. */
import { holdoutLine } from './holdout-summary';
import { BASELINE_PREFIX } from '../activities/local/recommender/baseline';
import type { RetrainResult } from '../common/types';
import { formatMs } from '../workflows/duration';
import { describeDecision } from '../workflows/approval-plan';
import type { RunEnd } from './run-end';
import { plural } from './text';

export interface SummaryOptions {
  /** Temporal Web UI base URL; with workflowId, the summary links the run's page. */
  uiUrl?: string;
  workflowId?: string;
  namespace?: string;
  /** The server behind uiUrl has stopped (npm start without --keep): the link says so. */
  uiStopped?: boolean;
  /** What the campaign serves now, for runs that ended before looking at it (skipped, early failures). */
  servingNow?: { arn: string | null; note?: string };
  /** Where the run's record was written. */
  recordUri?: string;
}

/** The campaign line: what it serves after this run, and whether this run changed it. */
function campaignLine(r: RetrainResult, opts: SummaryOptions): string {
  const serving = r.campaignSolutionVersionArn;
  if (serving) return serving === r.jobs.solutionVersionArn ? `${serving} (the new model)` : `${serving} (unchanged)`;
  // The run described the campaign (EVALUATE) and found nothing deployed.
  if (r.jobs.previousSolutionVersionArn !== undefined) return 'nothing yet';
  if (opts.servingNow)
    return opts.servingNow.arn
      ? `${opts.servingNow.arn} (unchanged${opts.servingNow.note ? `; ${opts.servingNow.note}` : ''})`
      : 'nothing yet';
  return 'unchanged (this run ended before looking at the campaign)';
}

/** Where the messaging tools find this run's recommendations, or why there are none. */
function recommendationsLine(r: RetrainResult): string | undefined {
  const x = r.recommendations;
  if (!x) return undefined;
  if (x.failed) return `none: ${x.failed}`;
  if (!x.jsonlUri) return `not written (the run ended before; batch job ${x.jobArn ?? 'not started'})`;
  const left = (x.errors ?? 0) + (x.unreadable ?? 0);
  return `${plural(x.users ?? 0, 'user')} → ${x.jsonlUri} and ${x.csvUri}${left ? ` (${plural(left, 'user')} without: see ${x.batchOutputUri})` : ''}`;
}

/**
 * What the run's training included of the real-time records: counted by the local recommender,
 * never guessed for Personalize, which does not report it. No line when the run did not train.
 */
export function realtimeLine(r: Pick<RetrainResult, 'realtimeInTraining'>): string | undefined {
  const x = r.realtimeInTraining;
  if (!x) return undefined;
  if (!x.reported) return 'events in the training not reported by Personalize';
  const events = x.events === 0 ? 'no real-time events (PutEvents)' : `${plural(x.events, 'real-time event')} (PutEvents)`;
  const unusable = x.unusable ? `, ${plural(x.unusable, 'event')} without a user or item left out` : '';
  const records = x.items || x.users ? ` and ${x.items.toLocaleString('en-US')} item / ${x.users.toLocaleString('en-US')} user records (recorded, not trained on locally)` : '';
  return `training included ${events}${unusable}${records}`;
}

function uiLine(opts: SummaryOptions): string | undefined {
  if (!opts.uiUrl || !opts.workflowId) return undefined;
  const link = `${opts.uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(opts.namespace ?? 'default')}/workflows/${encodeURIComponent(opts.workflowId)}`;
  return `  Web UI           ${link}${opts.uiStopped ? '\n                   (the server has stopped with this command; "npm start -- --keep" keeps it and the UI running)' : ''}`;
}

export function formatSummary(r: RetrainResult, opts: SummaryOptions = {}): string[] {
  const lines: string[] = [];
  const metric = r.gate?.metric ?? 'normalized_discounted_cumulative_gain_at_10';
  const cand = r.metrics?.candidate;
  const dep = r.metrics?.deployed;
  lines.push(`Run ${r.runKey}: ${r.outcome} – ${r.reason}`);
  if (r.stats) {
    const s = r.stats;
    lines.push(
      `  interactions     ${plural(s.rows, 'row')}, ${plural(s.users, 'user')} (${s.usersWith2Plus.toLocaleString('en-US')} with 2+), ${plural(s.items, 'item')}${s.invalidRows ? `, ${plural(s.invalidRows, 'invalid row')} left out` : ''}`
    );
  }
  const malformed = Object.entries(r.malformed ?? {}).filter(([, n]) => n > 0);
  if (malformed.length)
    lines.push(`  malformed events ${malformed.map(([k, n]) => `${k}=${n}`).join(', ')} (counted, not imported)`);
  if (cand) {
    const f = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(4));
    lines.push(
      `  new model        ${metric} ${f(cand[metric])}  precision_at_25 ${f(cand.precision_at_25)}  mean_reciprocal_rank_at_25 ${f(cand.mean_reciprocal_rank_at_25)}  coverage ${f(cand.coverage)}`
    );
    if (cand[`${BASELINE_PREFIX}${metric}`] !== undefined) {
      const base = cand[`${BASELINE_PREFIX}${metric}`]!;
      const ratio = base > 0 ? ` (${(cand[metric]! / base).toFixed(2)}× popularity)` : '';
      lines.push(`  popularity       ${metric} ${f(base)} on the same holdout${ratio}`);
    }
    if (r.recommender) lines.push(`  previous model   ${dep ? `${metric} ${f(dep[metric])} (${r.recommender.previous?.runKey})` : 'none recorded (first model)'}`);
    else lines.push(`  deployed model   ${dep ? `${metric} ${f(dep[metric])}` : 'none (first deployment)'}`);
  }
  const realtime = realtimeLine(r);
  if (realtime) lines.push(`  real-time        ${realtime}`);
  for (const [kind, d] of Object.entries(r.datasets ?? {})) lines.push(`  ${`${kind} dataset`.padEnd(16)} ${d.action}: ${d.reason}`);
  const holdout = holdoutLine(r);
  if (holdout) lines.push(holdout);
  if (r.gate) lines.push(`  quality gate     ${r.gate.promote ? 'promote' : 'reject'}: ${r.gate.reason}`);
  if (r.approval) lines.push(`  approval         ${describeDecision(r.approval)} (asked: ${r.approval.reason})`);
  if (r.recommender) {
    // A recommender deploys its own models: the line says what it serves and how it compares.
    const model = r.recommender.model;
    lines.push(`  recommender      ${r.recommender.recommenderArn}${model ? ` serves its model of ${model.modelUpdatedAt ?? 'an unknown time'}` : ''}`);
    if (r.recommender.gate) lines.push(`  regression check ${r.recommender.regressed ? 'REGRESSED' : 'ok'}: ${r.recommender.gate.reason}`);
  } else lines.push(`  campaign serves  ${campaignLine(r, opts)}`);
  const recs = recommendationsLine(r);
  if (recs) lines.push(`  recommendations  ${recs}`);
  for (const note of r.notes ?? []) lines.push(`  note             ${note}`);
  lines.push(
    `  phases           ${r.timings.map((t) => `${t.phase} ${t.endedAt ? formatMs(Date.parse(t.endedAt) - Date.parse(t.startedAt)) : ''}`.trim()).join(' → ')}`
  );
  if (opts.recordUri) lines.push(`  record           ${opts.recordUri}`);
  const ui = uiLine(opts);
  if (ui) lines.push(ui);
  return lines;
}

/** The summary of however a run ended: its result when it has one, else what Temporal says. */
export function formatRunEnd(end: RunEnd, workflowId: string, opts: SummaryOptions = {}): string[] {
  if (end.kind === 'result' || (end.kind === 'cancelled' && end.result))
    return formatSummary(end.result!, { ...opts, workflowId: opts.workflowId ?? workflowId });
  const ui = uiLine({ ...opts, workflowId });
  const head =
    end.kind === 'cancelled'
      ? `Run ${workflowId}: CANCELLED – ${end.reason ?? 'a cancellation was requested and the run stopped'}`
      : end.kind === 'terminated'
        ? `Run ${workflowId}: TERMINATED – ${end.reason}`
        : `Run ${workflowId}: TIMED OUT – the run passed its execution timeout`;
  return ui ? [head, ui] : [head];
}
