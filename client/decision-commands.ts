/**
 * `approve` and `deny`: an operator's decision on a run waiting in AWAITING_APPROVAL, sent as the
 * run's `decide` update (the run's validator refuses it when nothing awaits a decision or one was
 * already given). Also the lines `status` shows for a run's approval.
 */
import * as os from 'node:os';
import type { Command } from 'commander';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Config } from '../common/config';
import type { ApprovalChoice, ApprovalState, RetrainProgress } from '../common/types';
import { approvalInstructions, describeDecision } from '../workflows/approval-plan';
import { decideUpdate, retrainWorkflowId } from '../workflows/defs';
import type { CommandContext } from './command-context';
import { EXIT, ExitError } from './exit-codes';

/** A pipeline's name means the run holding its lock (`retrain-<pipeline>`); anything else is a workflow id. */
export function decisionTarget(config: Config, arg: string | undefined): { workflowId: string; pipeline?: string } {
  if (!arg) {
    if (config.pipelines.length !== 1)
      throw new ExitError(`name a pipeline or a workflow id (the config has ${config.pipelines.map((p) => p.name).join(', ')})`, EXIT.usage);
    arg = config.pipelines[0]!.name;
  }
  const p = config.pipelines.find((x) => x.name === arg);
  return p ? { workflowId: retrainWorkflowId(p.name), pipeline: p.name } : { workflowId: arg };
}

export async function sendDecision(
  client: Client,
  workflowId: string,
  req: { decision: ApprovalChoice; note?: string; by?: string }
): Promise<ApprovalState> {
  try {
    return await client.workflow.getHandle(workflowId).executeUpdate(decideUpdate, { args: [req] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const why = err.cause instanceof Error ? err.cause.message : err.message;
      throw new ExitError(`${workflowId} refused the decision: ${why}`, EXIT.conflict);
    }
    throw err;
  }
}

/** What `status` prints about a run's approval. */
export function approvalStatusLines(p: RetrainProgress, workflowId: string): string[] {
  const a = p.approval;
  if (!a) return [];
  const lines = [`  approval                    ${describeDecision(a)}`];
  if (!a.decision) {
    lines.push(`    why                       ${a.reason}`);
    for (const how of approvalInstructions(p.pipeline, workflowId)) lines.push(`    decide                    ${how}`);
  }
  return lines;
}

export function registerDecisionCommands(program: Command, { loadConfig, withClient, out }: CommandContext): void {
  for (const decision of ['approve', 'deny'] as const) {
    program
      .command(decision)
      .description(
        decision === 'approve'
          ? 'approve the candidate a run awaits a decision on (phase AWAITING_APPROVAL): it is deployed'
          : 'deny the candidate a run awaits a decision on: the run ends REJECTED with the note'
      )
      .argument('[pipelineOrWorkflowId]', "a pipeline (its current run) or a run's workflow id")
      .requiredOption('--note <text>', 'why (kept in the run record and summary)')
      .option('--by <name>', 'who decides', os.userInfo().username)
      .action(async (arg: string | undefined, o: { note: string; by: string }) => {
        const config = loadConfig();
        const { workflowId } = decisionTarget(config, arg);
        await withClient(config, async (client) => {
          const a = await sendDecision(client, workflowId, { decision, note: o.note, by: o.by });
          out(`${workflowId}: ${describeDecision(a)}`);
        });
      });
  }
}
