/**
 * Starting and following runs from a client: one run per pipeline at a time, whether scheduled or
 * ad hoc, and a live view of the phases through the `status` query.
 */
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { RetrainInput, RetrainProgress, RetrainResult } from '../common/types';
import { RETRAIN_WORKFLOW_TYPE, retrainWorkflowId, statusQuery } from '../workflows/defs';
import type { RetrainWorkflow } from '../workflows';
import { formatMs } from '../workflows/duration';

export class RunConflictError extends Error {
  override name = 'RunConflictError';
  constructor(
    readonly pipeline: string,
    readonly runningWorkflowId: string
  ) {
    super(`pipeline "${pipeline}" already has a run going: ${runningWorkflowId}. Wait for it, watch it, or cancel it first.`);
  }
}

/** A running RetrainWorkflow of the pipeline (scheduled or ad hoc), if any. */
export async function findRunningRun(client: Client, pipeline: string): Promise<string | undefined> {
  const query = `WorkflowType = '${RETRAIN_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;
  for await (const wf of client.workflow.list({ query })) {
    const memoPipeline = (wf.memo as { pipeline?: string } | undefined)?.pipeline;
    // Scheduled and ad hoc runs both carry their pipeline in the memo.
    if (memoPipeline === pipeline || wf.workflowId === retrainWorkflowId(pipeline)) return wf.workflowId;
  }
  return undefined;
}

export async function startRun(client: Client, input: RetrainInput, taskQueue: string): Promise<WorkflowHandle<typeof RetrainWorkflow>> {
  const running = await findRunningRun(client, input.pipeline);
  if (running) throw new RunConflictError(input.pipeline, running);
  try {
    return await client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: retrainWorkflowId(input.pipeline),
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      args: [input],
      memo: { pipeline: input.pipeline },
      staticSummary: `Ad hoc retrain of ${input.pipeline}${input.runDate ? ` for ${input.runDate}` : ''}`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new RunConflictError(input.pipeline, retrainWorkflowId(input.pipeline));
    throw err;
  }
}

export function describeProgress(p: RetrainProgress, now = Date.now()): string {
  const t = p.timings.at(-1);
  const since = t ? formatMs(now - Date.parse(t.startedAt)) : '';
  const polls = t?.polls ? `, ${t.polls} checks` : '';
  const status = p.lastStatus ? ` ${p.lastStatus}` : '';
  return `${p.phase}${status} (${since}${polls})`;
}

/** Follows a run until it ends, calling `onChange` on every phase or status change. */
export async function followRun(
  handle: WorkflowHandle<typeof RetrainWorkflow>,
  onChange: (p: RetrainProgress) => void,
  intervalMs = 500
): Promise<RetrainResult> {
  let done = false;
  const result = handle.result().finally(() => (done = true));
  let last = '';
  while (!done) {
    try {
      const p = await handle.query(statusQuery);
      const key = `${p.phase}|${p.lastStatus ?? ''}`;
      if (key !== last) {
        last = key;
        onChange(p);
      }
    } catch {
      // The run may not have answered its first task yet, or just ended.
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, intervalMs))]);
  }
  return result;
}
