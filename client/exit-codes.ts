/**
 * The exit codes of the command-line client, for scripts, and the mapping of what went wrong to
 * one of them. The README's table lists the same codes.
 */
import { NamespaceNotFoundError, ScheduleNotFoundError, WorkflowNotFoundError } from '@temporalio/client';
import { CommanderError } from 'commander';
import { ConfigError } from '../common/config';
import { RunConflictError } from './run';
import { isUnavailable, TemporalUnreachableError } from './temporal-client';

export const EXIT = {
  ok: 0,
  /** The run failed or its model was rejected by the quality gate. */
  runFailed: 1,
  /** Usage or config error: nothing was started or scheduled. */
  usage: 2,
  /** A run of that pipeline is already going. */
  conflict: 3,
  /** No such run or schedule. */
  notFound: 4,
  /** The run was cancelled. */
  cancelled: 5,
  /** The Temporal server cannot be reached. */
  unreachable: 6,
  /** `preflight` (or `schedule apply` before it) found problems. */
  preflight: 7,
} as const;

/** An error that already says what happened, and the exit code that goes with it. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number
  ) {
    super(message);
  }
}

/** The message to print (if any) and the exit code for an error a command ended with. */
export function exitFor(err: unknown, address?: string): { code: number; message?: string } {
  if (err instanceof CommanderError) return { code: err.exitCode === 0 ? EXIT.ok : EXIT.usage };
  if (err instanceof ConfigError) return { code: EXIT.usage, message: err.message };
  if (err instanceof ExitError) return { code: err.code, message: err.message };
  if (err instanceof RunConflictError) return { code: EXIT.conflict, message: err.message };
  if (err instanceof TemporalUnreachableError) return { code: EXIT.unreachable, message: err.message };
  if (isUnavailable(err))
    return {
      code: EXIT.unreachable,
      message: new TemporalUnreachableError(address ?? 'the configured address', (err as Error).message).message,
    };
  if (err instanceof ScheduleNotFoundError) {
    return {
      code: EXIT.notFound,
      message: `schedule ${err.scheduleId || '(unnamed)'} not found: it was deleted or never created; "schedule apply" creates it`,
    };
  }
  if (err instanceof NamespaceNotFoundError) {
    return {
      code: EXIT.usage,
      message: `namespace "${err.namespace}" does not exist on the Temporal server: create it, or set temporal.namespace / TEMPORAL_NAMESPACE`,
    };
  }
  if (err instanceof WorkflowNotFoundError)
    return {
      code: EXIT.notFound,
      message: `no run with workflow id ${err.workflowId}${err.runId ? ` (run ${err.runId})` : ''}`,
    };
  return { code: EXIT.runFailed, message: (err as Error)?.message ?? String(err) };
}
