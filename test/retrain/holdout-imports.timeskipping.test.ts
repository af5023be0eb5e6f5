/**
 * Nothing is lost to evaluation: real RetrainWorkflow runs on three days of a simulated shop (the
 * embedded backends: DuckDB over RudderStack files, the local recommender), for a FULL and an
 * INCREMENTAL pipeline. Each run holds out its own day; the next day's run imports it. Every
 * interaction the query produced is counted: in an import, or in the last run's holdout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv } from '../helpers/temporal-env';
import { writeWorldDay } from '../../activities/local/generator/sessions';
import { FUNNEL_SCORING, SessionWorld } from '../../activities/local/generator/world';
import { fileUriToPath } from '../../activities/local/files';
import { DEFAULT_WORLD } from '../../client/simulate/loop';
import { loadConfig } from '../../common/config';
import type { RetrainResult } from '../../common/types';
import { buildRegistry } from '../../worker/backends';
import { createRetrainWorker } from '../../worker/create-worker';
import { RETRAIN_WORKFLOW_TYPE } from '../../workflows/defs';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
}, 60_000);
afterAll(async () => {
  await env?.teardown();
  removeScratchDirs();
});

const rowsOf = (uri: string): string[] => fs.readFileSync(fileUriToPath(uri), 'utf8').trim().split('\n').slice(1);

async function runThreeDays(importMode: 'FULL' | 'INCREMENTAL'): Promise<{ results: RetrainResult[]; dir: string }> {
  const dir = scratchDir(`po-holdout-${importMode.toLowerCase()}-`);
  const taskQueue = `holdout-${importMode}-${Date.now().toString(36)}`;
  const scoring = Object.entries(FUNNEL_SCORING).map(([k, v]) => `        "${k}": ${v}`).join('\n');
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    `temporal:\n  taskQueue: ${taskQueue}\nlocal:\n  dataDir: ${dir}/data\n  deployLatency: 0\npipelines:\n  - name: shop\n    backend: local\n    source:\n      kind: events\n      eventsPrefix: ${dir}/data/events/\n      scoring:\n${scoring}\n    lookbackDays: all\n    importMode: ${importMode}\n    workPrefix: ${dir}/data/work/\n    gate: { holdout: { days: 1, minUsers: 20, whenTooSmall: promote } }\n    poll: { initial: 200ms, fraction: 0.2, max: 2s }\n    notifications: { on: [] }\n`
  );
  const config = loadConfig(path.join(dir, 'config.yaml'));
  const registry = buildRegistry(config, { local: { deployMs: 0 } });
  const world = new SessionWorld({ ...DEFAULT_WORLD, users: 1200, items: 200, newItemsPerDay: 40, days: 3 });
  const worker = await createRetrainWorker({ config, connection: env.nativeConnection, registry, worker: { shutdownGraceTime: '5s' } });
  const results: RetrainResult[] = [];
  try {
    await worker.runUntil(async () => {
      for (let d = 0; d < 3; d++) {
        writeWorldDay(path.join(dir, 'data'), world, d);
        results.push(
          await env.client.workflow.execute(RETRAIN_WORKFLOW_TYPE, { taskQueue, workflowId: `${taskQueue}-${d}`, args: [{ pipeline: 'shop', runDate: world.date(d) }] })
        );
      }
    });
  } finally {
    await registry.close();
  }
  return { results, dir };
}

let fullQuery: string[] | undefined;

/** What a run imported: nothing when it did not import (DECIDE skipped or carried it forward). */
function importedRows(r: RetrainResult): string[] {
  if (!r.jobs.importJobArn) return [];
  return rowsOf(r.jobs.trainingUri ?? r.jobs.interactionsUri!);
}

test.each(['FULL', 'INCREMENTAL'] as const)('%s: the held-out interactions are imported the next day, none lost and none imported twice', async (mode) => {
  const { results, dir } = await runThreeDays(mode);
  const [first, second, third] = results;
  // Day 1 alone cannot be split for a FULL import (nothing would be left to train on): all imported.
  expect(first!.outcome).toBe('SUCCEEDED');
  expect(first!.holdout).toMatchObject({ cutoffMs: null, heldOut: { rows: 0 } });
  expect(first!.jobs.trainingUri).toBeUndefined();
  // Day 2 holds out its own day; what is left is day 1 again (FULL: nothing newer to train on) or
  // nothing (INCREMENTAL: carried forward). Either way day 2 is not imported today.
  expect(second!.outcome).toBe('SKIPPED');
  expect(second!.reason).toMatch(mode === 'FULL' ? /nothing newer than the last trained run/ : /0 new interactions .* carried forward/);
  expect(second!.jobs.importJobArn).toBeUndefined();
  for (const r of [second!, third!]) {
    expect(r.holdout!.heldOut.rows).toBeGreaterThan(0);
    // The holdout is the run's own day, the import everything before it.
    const cutoffS = r.holdout!.cutoffMs! / 1000;
    expect(cutoffS).toBe(Date.parse(`${r.runDate}T00:00:00Z`) / 1000);
    for (const row of rowsOf(r.jobs.holdoutUri!)) expect(Number(row.split(',').at(-1))).toBeGreaterThanOrEqual(cutoffS);
    for (const row of rowsOf(r.holdout!.trainingUri)) expect(Number(row.split(',').at(-1))).toBeLessThan(cutoffS);
  }
  expect(third!.outcome).toMatch(/SUCCEEDED|REJECTED/);
  expect(third!.gate?.basis).toBe('holdout');
  expect(third!.holdoutScores!.users).toBeGreaterThanOrEqual(20);
  // Day 2's holdout is in day 3's import.
  const imported3 = new Set(importedRows(third!));
  const held2 = rowsOf(second!.jobs.holdoutUri!);
  expect(held2.length).toBeGreaterThan(1000);
  expect(held2.filter((row) => !imported3.has(row))).toEqual([]);

  // Every interaction of the three days (day 3's full query result) is in exactly one place:
  // an import (INCREMENTAL appends; FULL replaces, so its last import), or day 3's holdout.
  // INCREMENTAL queries only its window: day 1, then (day 2 carried forward) days 2–3.
  const all = mode === 'FULL' ? rowsOf(third!.jobs.interactionsUri!) : [...rowsOf(first!.jobs.interactionsUri!), ...rowsOf(third!.jobs.interactionsUri!)];
  // The same world through day 3 (the FULL pipeline's query ran first): the same interactions.
  if (mode === 'FULL') fullQuery = all;
  else expect([...all].sort()).toEqual([...fullQuery!].sort());
  const held3 = rowsOf(third!.jobs.holdoutUri!);
  const imported = mode === 'INCREMENTAL' ? [...importedRows(first!), ...importedRows(second!), ...importedRows(third!)] : importedRows(third!);
  expect(imported.length + held3.length).toBe(all.length);
  expect([...imported, ...held3].sort()).toEqual([...all].sort());
  if (mode === 'INCREMENTAL') expect(importedRows(third!).sort()).toEqual([...held2].sort()); // day 2, nothing older
  // The state the next run plans from: imported up to day 3's holdout, which a day-4 run then carries.
  const state = JSON.parse(fs.readFileSync(path.join(dir, 'data', 'work', 'runs', 'import-state.json'), 'utf8'));
  expect(state).toMatchObject({ watermarkMs: third!.holdout!.cutoffMs, runKey: third!.runKey, mode });
}, 120_000);
