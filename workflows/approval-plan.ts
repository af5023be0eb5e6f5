/**
 * Pure decisions of the approval step between the quality gate and DEPLOY (gate.approval): whether
 * a candidate waits for an operator, whether a `decide` update is acceptable, what a missed deadline
 * means, and how to tell an operator what awaits and how to answer. No I/O, no clocks.
 */
import type {
  ApprovalChoice,
  ApprovalRequest,
  ApprovalState,
  GateDecision,
  GateSettings,
  Phase,
} from '../common/types';

export const DEFAULT_APPROVAL_TIMEOUT = '24h';
/** Nothing unreviewed reaches the campaign unless the pipeline says otherwise. */
export const DEFAULT_APPROVAL_DEFAULT: ApprovalChoice = 'deny';

export type ApprovalAsk = { ask: true; reason: string } | { ask: false; reason: string };

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

/**
 * `always` asks for every candidate the gate passed; `on-doubt` only when the gate's verdict is
 * close: the metric moved by no more than the tolerance either way (it passed, but is not clearly
 * better), or there is nothing to compare with (first deployment).
 */
export function approvalAsk(gate: GateDecision, settings: GateSettings): ApprovalAsk {
  const mode = settings.approval ?? 'never';
  if (mode === 'never') return { ask: false, reason: 'gate.approval is never' };
  if (!gate.promote) return { ask: false, reason: 'the gate rejected the candidate: nothing to approve' };
  if (mode === 'always') return { ask: true, reason: 'gate.approval is always: every candidate the gate passes waits for a decision' };
  if (gate.change === null)
    return { ask: true, reason: `on doubt: ${gate.reason} (no deployed ${gate.metric} to compare with)` };
  if (Math.abs(gate.change) <= settings.tolerance + 1e-9) {
    return {
      ask: true,
      reason: `on doubt: ${gate.metric} changed by ${gate.change >= 0 ? '+' : ''}${pct(gate.change)}, within the ±${pct(settings.tolerance)} tolerance band`,
    };
  }
  return {
    ask: false,
    reason: `${gate.metric} improved by +${pct(gate.change)}, beyond the ${pct(settings.tolerance)} tolerance band: no doubt`,
  };
}

/**
 * The `decide` update's validator: refused (with the reason the caller sees) unless the run waits
 * for a decision and none was given yet. A refused update leaves no trace in the history.
 */
export function decisionProblem(
  phase: Phase,
  approval: ApprovalState | undefined,
  req: Partial<ApprovalRequest> | undefined
): string | undefined {
  if (!req || (req.decision !== 'approve' && req.decision !== 'deny'))
    return `decision must be "approve" or "deny", got ${JSON.stringify(req?.decision)}`;
  if (approval?.decision)
    return `a decision was already given: ${describeDecision(approval)}`;
  if (phase !== 'AWAITING_APPROVAL' || !approval)
    return `nothing awaits a decision: the run is in phase ${phase}`;
  if (req.note !== undefined && typeof req.note !== 'string') return 'note must be text';
  if (req.by !== undefined && typeof req.by !== 'string') return 'by must be text';
  return undefined;
}

/** The decision, applied to the run's approval state (a new object). */
export function applyDecision(approval: ApprovalState, req: ApprovalRequest, at: string): ApprovalState {
  return {
    ...approval,
    decision: req.decision,
    decidedAt: at,
    ...(req.by && { by: req.by }),
    ...(req.note && { note: req.note }),
  };
}

/** No decision by the deadline: the configured default, marked as such. */
export function applyTimeout(approval: ApprovalState, at: string): ApprovalState {
  return {
    ...approval,
    decision: approval.default,
    decidedAt: at,
    timedOut: true,
    note: `no decision by ${approval.deadline}: the default (${approval.default}) applies`,
  };
}

export function describeDecision(a: ApprovalState): string {
  if (!a.decision) return `awaiting a decision until ${a.deadline} (then ${a.default})`;
  const verb = a.decision === 'approve' ? 'approved' : 'denied';
  if (a.timedOut) return `${verb} by default: ${a.note ?? ''}`.trim();
  return `${verb}${a.by ? ` by ${a.by}` : ''}${a.decidedAt ? ` at ${a.decidedAt}` : ''}${a.note ? `: ${a.note}` : ''}`;
}

/** The run's reason when an operator (or the default) denied the candidate. */
export function denialReason(a: ApprovalState, candidateArn: string): string {
  return `not deployed: ${candidateArn} was ${describeDecision(a)}`;
}

/** How an operator gives the decision: the project's CLI, or the Temporal CLI with the same update. */
export function approvalInstructions(pipeline: string, workflowId: string): string[] {
  return [
    `personalize-optimizer approve ${pipeline} --note "<why>"   (or: deny ${pipeline} --note "<why>")`,
    `temporal workflow update execute --workflow-id ${workflowId} --name decide --input '{"decision":"approve","note":"<why>","by":"<you>"}'`,
  ];
}
