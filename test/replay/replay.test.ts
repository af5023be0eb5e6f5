/**
 * Determinism: histories recorded on a real server (test/histories, see record-histories.ts) must
 * replay on the current workflow code. A change to the command sequence without patching fails here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { quietRuntime } from '../helpers/temporal-env';
import { sharedBundle } from '../helpers/workflow-bundle';

const dir = path.resolve(__dirname, '..', 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  quietRuntime();
  bundle = await sharedBundle();
});

test('there are recorded histories of the main paths', () => {
  expect(files.length).toBeGreaterThanOrEqual(5);
});

test.each(files)('%s replays on the current code', async (file) => {
  const history = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  await Worker.runReplayHistory({ workflowBundle: bundle }, history, file.replace(/\.json$/, ''));
});

test('a history whose commands differ from the code fails to replay', async () => {
  const history = JSON.parse(fs.readFileSync(path.join(dir, 'retrain-succeeded.json'), 'utf8'));
  // Pretend an older version of the workflow called another activity where the code now trains.
  const scheduled = (history.events as { activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }[])
    .map((e) => e.activityTaskScheduledEventAttributes)
    .find((a) => a?.activityType?.name === 'startSolutionVersion');
  scheduled!.activityType!.name = 'startTrainingJob';
  await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, 'tampered')).rejects.toBeInstanceOf(DeterminismViolationError);
});
