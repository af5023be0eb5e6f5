/**
 * IMPORT_ITEMS and IMPORT_USERS: the items and users datasets, each a phase of its own with its
 * own deadline. The source's version (fingerprint) is read first; an unchanged file is skipped, a
 * changed one imported FULL under a deterministic name (a job of that name is adopted, never
 * started twice), and the fingerprint recorded once the import is ACTIVE. A resumed phase finds its
 * job in the progress and waits again.
 */
import { ApplicationFailure, log } from '@temporalio/workflow';
import type { DatasetKind } from '../common/datasets';
import { mapImportJobStatus } from '../common/job-status';
import type { Phase } from '../common/types';
import { datasetJobName, decideDatasetImport } from './dataset-plan';
import { calls, checks } from './retrain-activities';
import type { RetrainRun } from './retrain-run';

const PHASE: Record<DatasetKind, Phase> = { items: 'IMPORT_ITEMS', users: 'IMPORT_USERS' };
const JOB: Record<DatasetKind, 'itemsImportJobArn' | 'usersImportJobArn'> = { items: 'itemsImportJobArn', users: 'usersImportJobArn' };
/** Personalize takes minutes to hours for a catalog; 6 hours unless the config says otherwise. */
const DEFAULT_DEADLINE = '6h';

async function importDataset(r: RetrainRun, kind: DatasetKind): Promise<void> {
  const dataset = r.settings.datasets?.[kind];
  if (!dataset) return;
  r.enter(PHASE[kind]);
  const { progress } = r;
  const done = (progress.datasets ??= {});
  let outcome = done[kind];
  if (!outcome) {
    const { version, last } = await calls.readDatasetSource({ pipeline: r.pipeline, kind });
    const decision = decideDatasetImport(kind, version, last, dataset);
    if (decision.action === 'fail') throw ApplicationFailure.nonRetryable(decision.reason, 'DatasetSourceEmpty');
    outcome = done[kind] =
      decision.action === 'skip'
        ? { action: 'skipped', reason: decision.reason, fingerprint: version.fingerprint }
        : {
            action: 'imported',
            reason: decision.reason,
            fingerprint: version.fingerprint,
            jobName: datasetJobName(r.pipeline, progress.runDate, kind, version.fingerprint, progress.rerun),
          };
    log.info(`${kind} dataset`, { action: outcome.action, reason: outcome.reason });
  }
  if (outcome.action === 'skipped') return;
  const jobName = outcome.jobName!;
  const jobArn = (progress.jobs[JOB[kind]] ??= (await calls.startDatasetFileImport({ pipeline: r.pipeline, kind, jobName })).jobArn);
  outcome.jobArn = jobArn;
  await r.wait(
    'import',
    `${kind} dataset import`,
    async () => mapImportJobStatus(await checks.describeDatasetImport({ pipeline: r.pipeline, jobArn })),
    { deadline: r.settings.deadlines[kind] ?? DEFAULT_DEADLINE }
  );
  // Only an ACTIVE import moves the fingerprint: a failed one is tried again by the next run.
  await calls.recordDatasetImport({
    pipeline: r.pipeline,
    kind,
    state: { datasetArn: dataset.datasetArn, source: dataset.source, fingerprint: outcome.fingerprint, jobName, jobArn, runKey: r.names.runKey },
  });
}

export const importItems = (r: RetrainRun) => importDataset(r, 'items');
export const importUsers = (r: RetrainRun) => importDataset(r, 'users');
