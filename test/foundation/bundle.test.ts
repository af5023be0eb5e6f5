/** Workflow code must bundle for Temporal's sandbox; a Node built-in in it must fail the build. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const quiet = { warn: () => undefined, info: () => undefined, debug: () => undefined, error: () => undefined, log: () => undefined, trace: () => undefined };

const afterCleanup: string[] = [];
afterAll(() => afterCleanup.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

test('the product workflows bundle', async () => {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quiet });
  expect(code).toContain('RetrainWorkflow');
}, 60_000);

test('a workflow importing a Node built-in fails to bundle', async () => {
  // Inside the checkout, so the bundler resolves @temporalio/* like it does for real workflow code.
  const dir = fs.mkdtempSync(path.join(__dirname, '..', '.tmp-bad-wf-'));
  afterCleanup.push(dir);
  const file = path.join(dir, 'bad.ts');
  fs.writeFileSync(file, "import * as fs from 'fs';\nexport async function Bad(): Promise<boolean> { return fs.existsSync('/'); }\n");
  await expect(bundleWorkflowCode({ workflowsPath: file, logger: quiet })).rejects.toThrow(/disallowed modules:\s*- 'fs'/);
}, 60_000);
