/**
 * Once per jest run: bundle the workflows from the current sources (test/helpers/workflow-bundle.ts).
 * Always a fresh bundle in a temp dir, never a WORKFLOW_BUNDLE_PATH from the shell, so a stale
 * dist/ bundle is never what the suites run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeWorkflowBundle } from './workflow-bundle';

export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'po-test-bundle-'));
  process.env.WORKFLOW_BUNDLE_PATH = await writeWorkflowBundle(dir);
}
