/**
 * Starting and following runs from a client: one run per pipeline at a time, whether scheduled or
 * ad hoc, and a live view of the phases through the `status` query.
 */
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowExecutionInfo, type WorkflowHandle } from '@temporalio/client';
import type { RetrainInput, RetrainProgress, RetrainResult } from '../common/types';
import { RETRAIN_WORKFLOW_TYPE, retrainWorkflowId, SCHEDULED_RETRAIN_WORKFLOW_TYPE, statusQuery } from '../workflows/defs';
import { scheduledWorkflowIdPrefix } from './schedules';
import type { RetrainWorkflow } from '../workflows';
import { formatMs } from '../workflows/duration';
import { plural } from './text';

export class RunConflictError extends Error {
  override name = 'RunConflictError';
  constructor(
    readonly pipeline: string,
    readonly runningWorkflowId: string
  ) {
    super(`pipeline "${pipeline}" already has a run going: ${runningWorkflowId}. Wait for it, watch it, or cancel it first.`);
  }
}

/** Visibility query for the runs of one pipeline: its ad hoc id and its scheduled ids. */
export function pipelineRunsQuery(pipeline: string, opts: { running?: boolean } = {}): string {
  const ids = `(WorkflowId = '${retrainWorkflowId(pipeline)}' OR WorkflowId STARTS_WITH '${scheduledWorkflowIdPrefix(pipeline)}')`;
  return [`WorkflowType = '${RETRAIN_WORKFLOW_TYPE}'`, ids, ...(opts.running ? [`ExecutionStatus = 'Running'`] : [])].join(' AND ');
}

/** The runs of a pipeline, newest first; the memo settles ids that two pipeline names could share. */
export async function* listPipelineRuns(client: Client, pipeline: string, opts: { running?: boolean } = {}): AsyncGenerator<WorkflowExecutionInfo> {
  for await (const wf of client.workflow.list({ query: pipelineRunsQuery(pipeline, opts) })) {
    const memoPipeline = (wf.memo as { pipeline?: string } | undefined)?.pipeline;
    if (memoPipeline === undefined || memoPipeline === pipeline) yield wf;
  }
}

/** A running RetrainWorkflow of the pipeline (scheduled or ad hoc), if any. */
export async function findRunningRun(client: Client, pipeline: string): Promise<string | undefined> {
  for await (const wf of listPipelineRuns(client, pipeline, { running: true })) return wf.workflowId;
  return undefined;
}

/** Scheduled runs of the pipeline waiting for its lock (another run is going), with their status. */
export async function findWaitingRuns(client: Client, pipeline: string): Promise<{ workflowId: string; progress: RetrainProgress }[]> {
  const query = `WorkflowType = '${SCHEDULED_RETRAIN_WORKFLOW_TYPE}' AND WorkflowId STARTS_WITH '${scheduledWorkflowIdPrefix(pipeline)}' AND ExecutionStatus = 'Running'`;
  const waiting: { workflowId: string; progress: RetrainProgress }[] = [];
  for await (const wf of client.workflow.list({ query })) {
    if ((wf.memo as { pipeline?: string } | undefined)?.pipeline !== pipeline) continue;
    const progress = await client.workflow
      .getHandle(wf.workflowId)
      .query(statusQuery)
      .catch(() => undefined);
    if (progress?.phase === 'WAITING') waiting.push({ workflowId: wf.workflowId, progress });
  }
  return waiting;
}

/** The run an operator most likely means: the one going now, else the latest. */
export async function findCurrentRun(client: Client, pipeline: string): Promise<{ workflowId: string; runId: string } | undefined> {
  for await (const wf of listPipelineRuns(client, pipeline, { running: true })) return { workflowId: wf.workflowId, runId: wf.runId };
  for await (const wf of listPipelineRuns(client, pipeline)) return { workflowId: wf.workflowId, runId: wf.runId };
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

/** `TRAIN CREATE IN_PROGRESS (2.1 s, 3 checks)`; a run that has not entered a phase yet is just `STARTING`. */
export function describeProgress(p: RetrainProgress, now = Date.now()): string {
  const t = p.timings.at(-1);
  const awaiting = p.phase === 'AWAITING_APPROVAL' && p.approval && !p.approval.decision ? p.approval : undefined;
  const status = awaiting
    ? ` until ${awaiting.deadline} (then ${awaiting.default}): personalize-optimizer approve|deny ${p.pipeline} --note "…"`
    : p.lastStatus
      ? ` ${p.lastStatus}`
      : '';
  if (!t || t.phase !== p.phase) return `${p.phase}${status}`;
  const polls = t.polls ? `, ${plural(t.polls, 'check')}` : '';
  return `${p.phase}${status} (${formatMs(Math.max(0, now - Date.parse(t.startedAt)))}${polls})`;
}

/**
 * Follows a run until it ends, calling `onChange` on every phase or status change and `onTick`
 * (when given) on every poll, so a terminal can redraw a live line.
 */
export async function followRun(
  handle: WorkflowHandle<typeof RetrainWorkflow>,
  onChange: (p: RetrainProgress) => void,
  intervalMs = 500,
  onTick?: (p: RetrainProgress) => void
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
      onTick?.(p);
    } catch {
      // The run may not have answered its first task yet, or just ended.
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, intervalMs))]);
  }
  return result;
}
