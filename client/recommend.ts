/** `recommend <pipeline>`: an ad hoc recommendations-out request (RecommendWorkflow), followed to its files. */
import * as path from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { Config } from '../common/config';
import type { RecommendWorkflow } from '../workflows';
import { RECOMMEND_WORKFLOW_TYPE, recommendWorkflowId } from '../workflows/defs';
import { adhocRecommendationKey } from '../workflows/recommend-plan';
import type { RecommendResult } from '../workflows/recommend';
import { EXIT } from './exit-codes';
import { plural } from './text';

const out = (line = '') => process.stdout.write(`${line}\n`);

/** A plain path on a local pipeline is a file on this machine. */
function usersUri(users: string | undefined, local: boolean): string | undefined {
  if (users === undefined || users === 'window' || /^[a-z0-9]+:\/\//i.test(users) || !local) return users;
  return `file://${path.resolve(users)}`;
}

export function formatRecommendResult(r: RecommendResult): string[] {
  const left = (r.errors ?? 0) + (r.unreadable ?? 0);
  return [
    `Recommendations ${r.key}: ${plural(r.users ?? 0, 'user')} from ${r.solutionVersionArn}`,
    `  JSON Lines  ${r.jsonlUri}`,
    `  CSV         ${r.csvUri}`,
    `  batch job   ${r.jobArn}${left ? ` (${plural(left, 'user')} without recommendations: see ${r.batchOutputUri})` : ''}`,
  ];
}

export async function recommendBatch(
  client: Client,
  config: Config,
  pipeline: string,
  opts: { users?: string; numResults?: number; wait: boolean }
): Promise<number> {
  const p = config.pipelines.find((x) => x.name === pipeline)!;
  const key = adhocRecommendationKey(pipeline, new Date());
  const handle = await client.workflow.start<typeof RecommendWorkflow>(RECOMMEND_WORKFLOW_TYPE, {
    taskQueue: config.temporal.taskQueue,
    workflowId: recommendWorkflowId(key),
    args: [{ pipeline, key, ...(opts.users !== undefined && { users: usersUri(opts.users, p.backend === 'local') }), ...(opts.numResults !== undefined && { numResults: opts.numResults }) }],
  });
  out(`started ${handle.workflowId}`);
  if (!opts.wait) return EXIT.ok;
  try {
    formatRecommendResult(await handle.result()).forEach((l) => out(l));
    return EXIT.ok;
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? err.cause : err;
    const inner = (cause as { cause?: Error } | undefined)?.cause ?? cause;
    out(`Recommendations ${key}: FAILED – ${(inner as Error)?.message ?? String(err)}`);
    return EXIT.runFailed;
  }
}
