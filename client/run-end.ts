/**
 * How a run ended, as a client sees it, and what that means for the exit code: a result (SUCCEEDED,
 * SKIPPED, REJECTED, FAILED or CANCELLED), a cancellation or termination with or without one, or
 * an error reaching the run at all.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import type { RetrainResult } from '../common/types';
import { EXIT } from './exit-codes';

export type RunEnd =
  | { kind: 'result'; result: RetrainResult }
  | { kind: 'cancelled'; result?: RetrainResult; reason?: string }
  | { kind: 'terminated'; reason: string }
  | { kind: 'timed-out' };

export function isCancelledResult(r: RetrainResult): boolean {
  return (r.outcome as string) === 'CANCELLED';
}

/** The RetrainResult a failed or cancelled workflow carries in its failure's details, if any. */
export function failureResult(err: unknown): RetrainResult | undefined {
  if (
    err instanceof WorkflowFailedError &&
    (err.cause instanceof ApplicationFailure || err.cause instanceof CancelledFailure)
  ) {
    const d = err.cause.details?.[0] as RetrainResult | undefined;
    return d && typeof d === 'object' && 'outcome' in d ? d : undefined;
  }
  return undefined;
}

/** How a run ended, from what `handle.result()` resolved or rejected with; other errors are rethrown. */
export function runEndOf(settled: { result: RetrainResult } | { error: unknown }): RunEnd {
  if ('result' in settled)
    return isCancelledResult(settled.result)
      ? { kind: 'cancelled', result: settled.result }
      : { kind: 'result', result: settled.result };
  const err = settled.error;
  if (err instanceof WorkflowFailedError) {
    const result = failureResult(err);
    if (err.cause instanceof CancelledFailure) return { kind: 'cancelled', result };
    if (err.cause instanceof TerminatedFailure)
      return { kind: 'terminated', reason: err.cause.message || 'terminated' };
    if (err.cause instanceof TimeoutFailure) return { kind: 'timed-out' };
    if (result) return isCancelledResult(result) ? { kind: 'cancelled', result } : { kind: 'result', result };
  }
  throw err;
}

/** Exit codes: 0 SUCCEEDED or SKIPPED · 1 FAILED, REJECTED, REGRESSED, terminated, timed out · 5 cancelled. */
export function exitCodeOf(end: RunEnd): number {
  if (end.kind === 'cancelled') return EXIT.cancelled;
  if (end.kind !== 'result') return EXIT.runFailed;
  const o = end.result.outcome;
  if (isCancelledResult(end.result)) return EXIT.cancelled;
  return o === 'FAILED' || o === 'REJECTED' || o === 'REGRESSED' ? EXIT.runFailed : EXIT.ok;
}
