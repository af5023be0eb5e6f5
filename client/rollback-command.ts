/**
 * `rollback <pipeline> [--to <versionArn>]`: RollbackWorkflow under the pipeline's workflow id, so
 * it never runs beside a run of the pipeline (that run holds the id: the command refuses, exit 3).
 */
import * as os from 'node:os';
import type { Command } from 'commander';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { RollbackInput, RollbackResult } from '../common/types';
import { retrainWorkflowId, ROLLBACK_WORKFLOW_TYPE } from '../workflows/defs';
import type { RollbackWorkflow } from '../workflows';
import { namedPipeline, type CommandContext } from './command-context';
import { EXIT } from './exit-codes';
import { RunConflictError } from './run';

export async function startRollback(
  client: Client,
  input: RollbackInput,
  taskQueue: string
): Promise<WorkflowHandle<typeof RollbackWorkflow>> {
  const workflowId = retrainWorkflowId(input.pipeline);
  try {
    return await client.workflow.start<typeof RollbackWorkflow>(ROLLBACK_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      args: [input],
      memo: { pipeline: input.pipeline, rollback: true },
      staticSummary: `Rollback of ${input.pipeline}${input.toSolutionVersionArn ? ` to ${input.toSolutionVersionArn}` : ''}`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new RunConflictError(input.pipeline, workflowId);
    throw err;
  }
}

export function formatRollback(r: RollbackResult): string[] {
  const lines = [`Rollback of ${r.pipeline}: ${r.outcome} – ${r.reason}`];
  if (r.promotion) lines.push(`  promotion        recorded ${r.promotion.promotedAt}: ${r.promotion.solutionVersionArn} (was ${r.promotion.previous ?? 'nothing'})`);
  return lines;
}

export function registerRollbackCommand(program: Command, { loadConfig, withClient, out }: CommandContext): void {
  program
    .command('rollback')
    .description('put the campaign back on the previous promoted version (or --to one) through the deploy wait; refused while a run is going')
    .argument('<pipeline>')
    .option('--to <versionArn>', 'this solution version instead of the previous promoted one')
    .option('--note <text>', 'why (kept in the promotion history)')
    .option('--by <name>', 'who rolls back', os.userInfo().username)
    .action(async (name: string, o: { to?: string; note?: string; by: string }) => {
      const config = loadConfig();
      const p = namedPipeline(config, name);
      await withClient(config, async (client) => {
        const handle = await startRollback(
          client,
          { pipeline: p.name, by: o.by, ...(o.to && { toSolutionVersionArn: o.to }), ...(o.note && { note: o.note }) },
          config.temporal.taskQueue
        );
        out(`started ${handle.workflowId} (rollback)`);
        const r = await handle.result();
        formatRollback(r).forEach((l) => out(l));
        process.exitCode = r.outcome === 'SUCCEEDED' ? EXIT.ok : r.outcome === 'REFUSED' ? EXIT.notFound : EXIT.runFailed;
      });
    });
}
