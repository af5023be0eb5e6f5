/** Removes the run's workflow bundle (test/helpers/global-setup.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';

export default async function globalTeardown(): Promise<void> {
  const file = process.env.WORKFLOW_BUNDLE_PATH;
  if (file && path.basename(path.dirname(file)).startsWith('po-test-bundle-')) fs.rmSync(path.dirname(file), { recursive: true, force: true });
}
