/**
 * One workflow bundle for the whole jest run: test/helpers/global-setup.ts bundles the workflow sources once
 * and exports WORKFLOW_BUNDLE_PATH, so in-process workers (worker/create-worker.ts), spawned worker
 * processes and time-skipping suites load it instead of running webpack again (seconds each).
 * Outside jest (a script, `tsx`), these helpers bundle on demand.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

export const quietBundlerLogger = { warn() {}, info() {}, debug() {}, error() {}, log() {}, trace() {} };

/** Bundles the current workflow sources into `dir` and returns the file. */
export async function writeWorkflowBundle(dir: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietBundlerLogger });
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(file, code);
  return file;
}

/** The run's bundle file, or a fresh one written to `dir` when there is none. */
export async function sharedBundlePath(dir: string): Promise<string> {
  const shared = process.env.WORKFLOW_BUNDLE_PATH;
  if (shared && fs.existsSync(shared)) return shared;
  return writeWorkflowBundle(dir);
}

/** The run's bundle as code for Worker.create / runReplayHistory, else a fresh bundle. */
export async function sharedBundle(): Promise<WorkflowBundleWithSourceMap> {
  const shared = process.env.WORKFLOW_BUNDLE_PATH;
  // The source map is inline in the code; the separate field is unused by the SDK (deprecated).
  if (shared && fs.existsSync(shared)) return { code: fs.readFileSync(shared, 'utf8'), sourceMap: '' };
  return bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietBundlerLogger });
}
