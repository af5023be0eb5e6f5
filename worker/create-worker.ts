/**
 * The Temporal worker of this project, built from a config: the workflow bundle (RetrainWorkflow,
 * RealtimeDeliveryWorkflow, StalenessWorkflow …) plus the activities wired to each pipeline's ports. Used by
 * the production entry point (worker/main.ts), the demo launcher (`npm start`) and the end-to-end
 * tests, so all three run the same thing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps, type PipelineRegistry } from '../activities';
import { createFreshnessActivities } from '../activities/freshness';
import type { Config } from '../common/config';

export const WORKFLOW_BUNDLE_PATH = process.env.WORKFLOW_BUNDLE_PATH ?? path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');

export interface RetrainWorkerOptions {
  config: Config;
  connection: NativeConnection;
  namespace?: string;
  registry: PipelineRegistry;
  /** Called once a run's record is written (metrics). */
  onRunRecorded?: ActivityDeps['onRunRecorded'];
  /** Called when a run's notification fails (metrics). */
  onNotifyFailed?: ActivityDeps['onNotifyFailed'];
  /** Extra Worker options (shutdownGraceTime, identity …). */
  worker?: Partial<WorkerOptions>;
}

/** A prebuilt bundle when there is one (production image), else bundle the sources now. */
function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (process.env.NODE_ENV === 'production' || process.env.WORKFLOW_BUNDLE_PATH) {
    if (!fs.existsSync(WORKFLOW_BUNDLE_PATH)) {
      throw new Error(`no prebuilt workflow bundle at ${WORKFLOW_BUNDLE_PATH}; run "npm run build:bundle" or unset NODE_ENV=production`);
    }
    return { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } };
  }
  return { workflowsPath: require.resolve('../workflows') };
}

export async function createRetrainWorker(opts: RetrainWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? opts.config.temporal.namespace ?? 'default',
    taskQueue: opts.config.temporal.taskQueue,
    ...workflowSource(),
    activities: {
      ...createActivities({ pipelines: opts.registry, onRunRecorded: opts.onRunRecorded, onNotifyFailed: opts.onNotifyFailed }),
      ...createFreshnessActivities({ pipelines: opts.registry }),
    },
    // Let in-flight activities finish on a deploy instead of failing them (the SDK default is 0).
    shutdownGraceTime: '30s',
    ...opts.worker,
  });
}
