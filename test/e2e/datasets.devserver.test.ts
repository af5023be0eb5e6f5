/**
 * The items dataset and the recommender path end to end on the real dev server with the embedded
 * backends: the real activities, the local recommender's real imports and trainings, the run
 * records and state files under the work prefix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv } from '../helpers/temporal-env';
import { createLocalSetup, type LocalSetup } from './local-setup';
import { buildRegistry, type Registry } from '../../worker/backends';
import { createRetrainWorker } from '../../worker/create-worker';
import { itemId } from '../../activities/local/generator/pinpoint';
import { RetrainWorkflow } from '../../workflows';
import type { RetrainInput, RetrainResult } from '../../common/types';
import { removeScratchDirs } from '../helpers/scratch';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
  removeScratchDirs();
});

async function run(setup: LocalSetup, registry: Registry, workflowId: string, input: Partial<RetrainInput> = {}): Promise<RetrainResult> {
  const worker = await createRetrainWorker({ config: setup.config, connection: env.nativeConnection, registry });
  return worker.runUntil(
    env.client.workflow.execute(RetrainWorkflow, {
      taskQueue: setup.config.temporal.taskQueue,
      workflowId,
      args: [{ pipeline: 'shop', runDate: setup.runDate, ...input }],
    })
  );
}

function writeCatalog(file: string): void {
  const lines = ['ITEM_ID,CATEGORY_L1,CREATION_TIMESTAMP'];
  for (let i = 0; i < 120; i++) lines.push(`${itemId(i)},c${i % 3},1700000000`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

test('the items file is imported before training and skipped while unchanged; recommendations carry its metadata', async () => {
  const setup = await createLocalSetup('items', { extraYaml: '    datasets: { items: { source: data/catalog/items.csv } }\n' });
  fs.mkdirSync(path.join(setup.dir, 'data', 'catalog'));
  const catalog = path.join(setup.dir, 'data', 'catalog', 'items.csv');
  writeCatalog(catalog);
  const registry = buildRegistry(setup.config, { local: { deployMs: 100 } });
  const recommender = registry.localRecommender('shop')!;

  const first = await run(setup, registry, 'e2e-items-1');
  expect(first.outcome).toBe('SUCCEEDED');
  expect(first.timings.map((t) => t.phase)).toContain('IMPORT_ITEMS');
  expect(first.datasets?.items).toMatchObject({ action: 'imported', jobName: expect.stringMatching(/^shop-20261123-items-[0-9a-f]{8}$/) });
  const state = JSON.parse(fs.readFileSync(path.join(setup.dir, 'data', 'work', 'runs', 'dataset-items.json'), 'utf8'));
  expect(state).toMatchObject({ fingerprint: first.datasets!.items!.fingerprint, runKey: 'shop-2026-11-23' });
  const recs = await recommender.recommend(registry.settings('shop')!.campaignArn, 'user-00001', 5, { metadataColumns: ['CATEGORY_L1'] });
  expect(recs.itemList.every((x) => /^c[012]$/.test(x.metadata?.CATEGORY_L1 ?? ''))).toBe(true);

  // A forced re-run on the same data: the catalog is not imported again (the gate may refuse the retrained version, which is fine here).
  const unchanged = await run(setup, registry, 'e2e-items-2', { force: true });
  expect(['SUCCEEDED', 'REJECTED']).toContain(unchanged.outcome);
  expect(unchanged.datasets?.items).toMatchObject({ action: 'skipped', reason: expect.stringMatching(/has not changed since shop-2026-11-23/) });
  const itemImports = fs.readdirSync(path.join(setup.config.local.dataDir, 'state', 'shop', 'imports')).filter((f) => f.includes('-items-'));
  expect(itemImports).toHaveLength(1);
  await registry.close();
});

test('a local recommender pipeline: the first run records its model, the next waits for the retrained one and compares', async () => {
  // Retrained on the same data the metrics move by noise: a tolerance of 1 keeps this test about the path (REGRESSED is tested on the time-skipping server).
  const setup = await createLocalSetup('rec', { extraYaml: "    localRecommender: { retrainEvery: '4s' }\n    gate: { tolerance: 1 }\n" });
  const registry = buildRegistry(setup.config, { local: { deployMs: 100 } });
  const first = await run(setup, registry, 'e2e-rec-1');
  expect(first.outcome).toBe('SUCCEEDED');
  expect(first.timings.map((t) => t.phase)).toEqual(['EXPORT', 'QUERY', 'DECIDE', 'IMPORT', 'RECOMMENDER', 'RECORD']);
  expect(first.reason).toMatch(/first model recorded/);
  const recorded = JSON.parse(fs.readFileSync(path.join(setup.dir, 'data', 'work', 'runs', 'recommender-model.json'), 'utf8'));
  expect(recorded.metrics.normalized_discounted_cumulative_gain_at_10).toBeGreaterThan(0);

  const second = await run(setup, registry, 'e2e-rec-2', { force: true });
  expect(second.outcome).toBe('SUCCEEDED');
  expect(second.recommender?.previous).toMatchObject({ runKey: 'shop-2026-11-23', modelUpdatedAt: recorded.modelUpdatedAt });
  expect(Date.parse(second.recommender!.model!.modelUpdatedAt!)).toBeGreaterThan(Date.parse(recorded.modelUpdatedAt));
  expect(second.recommender?.gate?.change).toBeDefined();
  expect(registry.localRecommender('shop')!.counts().solutionVersions).toBe(2);
  await registry.close();
}, 120_000);
