/**
 * The approval step of RetrainWorkflow (gate.approval): after the gate passed and before DEPLOY the
 * run waits durably, in phase AWAITING_APPROVAL, for the `decide` update, until the deadline, then
 * takes the configured default. The wait lives in the progress (asked-at and deadline), so a run
 * that continues as new while waiting keeps waiting for the same deadline. Deterministic code.
 */
import { condition, log, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { RetrainProgress } from '../common/types';
import { decideUpdate } from './defs';
import { toMs } from './duration';
import {
  applyDecision,
  applyTimeout,
  approvalAsk,
  approvalInstructions,
  DEFAULT_APPROVAL_DEFAULT,
  DEFAULT_APPROVAL_TIMEOUT,
  decisionProblem,
  denialReason,
  describeDecision,
} from './approval-plan';
import { notifications } from './retrain-activities';
import { RunEnded, type RetrainRun } from './retrain-run';
import { DEFAULT_HISTORY_LIMIT, HistoryLimitReached, historyIsLong } from './wait-for-job';

/** The wait wakes up this often to check the history's length (a wake costs a few events). */
const WAKE_MS = 24 * 3_600_000;

/** Registered before the first await: an update arriving at any time finds its validator. */
export function registerDecideHandler(progress: RetrainProgress): void {
  setHandler(
    decideUpdate,
    (req) => {
      progress.approval = applyDecision(progress.approval!, req, new Date().toISOString());
      return { ...progress.approval };
    },
    {
      validator: (req) => {
        const problem = decisionProblem(progress.phase, progress.approval, req);
        if (problem) throw new Error(problem);
      },
    }
  );
}

export async function awaitApproval(r: RetrainRun): Promise<void> {
  const { progress, settings } = r;
  if (!progress.approval) {
    // Nothing asked for (approval never, or a clear verdict on-doubt): no command, no phase.
    const ask = approvalAsk(progress.gate!, settings.gate);
    if (!ask.ask) return;
    r.enter('AWAITING_APPROVAL');
    const now = Date.now();
    progress.approval = {
      reason: ask.reason,
      askedAt: new Date(now).toISOString(),
      deadline: new Date(now + toMs(settings.gate.approvalTimeout ?? DEFAULT_APPROVAL_TIMEOUT)).toISOString(),
      default: settings.gate.approvalDefault ?? DEFAULT_APPROVAL_DEFAULT,
    };
    r.showDetails();
    upsertMemo({ awaiting: 'approval', approvalDeadline: progress.approval.deadline });
    await askOperator(r);
  }
  r.showDetails();
  const deadline = Date.parse(progress.approval.deadline);
  while (!progress.approval.decision) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      progress.approval = applyTimeout(progress.approval, new Date().toISOString());
      break;
    }
    // Each run of the chain waits at least once before it may continue as new: it always moves on.
    const decided = await condition(() => progress.approval?.decision !== undefined, Math.min(remaining, WAKE_MS));
    if (!decided && historyIsLong(settings.historyLimit ?? DEFAULT_HISTORY_LIMIT))
      throw new HistoryLimitReached({ startedAt: Date.parse(progress.approval.askedAt), polls: 0 });
  }
  const a = progress.approval;
  r.showDetails();
  if (a.timedOut && a.note) r.note(a.note);
  upsertMemo({ awaiting: null, approval: describeDecision(a) });
  log.info('approval decided', { decision: a.decision, by: a.by, timedOut: a.timedOut ?? false });
  if (a.decision === 'deny') throw new RunEnded('REJECTED', denialReason(a, progress.jobs.solutionVersionArn!));
}

/** Best effort: the run waits whether or not the notification got through. */
async function askOperator(r: RetrainRun): Promise<void> {
  const a = r.progress.approval!;
  const workflowId = workflowInfo().workflowId;
  try {
    await notifications.notifyApprovalNeeded({
      pipeline: r.pipeline,
      runDate: r.progress.runDate,
      workflowId,
      reason:
        `${r.progress.jobs.solutionVersionArn} passed the gate (${r.progress.gate?.reason}) and awaits a decision until ${a.deadline} ` +
        `(then ${a.default}); ${a.reason}. Decide with: ${approvalInstructions(r.pipeline, workflowId).join('  or  ')}`,
    });
  } catch (err) {
    r.note(`the approval request could not be sent: ${err instanceof Error ? err.message : String(err)}`);
  }
}
