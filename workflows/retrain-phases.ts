/**
 * The phases of RetrainWorkflow, one small function each, in order. Each long job is started by a
 * short idempotent activity and then waited on with durable timers; a phase resumed after
 * continue-as-new finds its job's id in the progress and waits again instead of starting anew.
 * Every decision is a pure function in plan.ts.
 */
import { ApplicationFailure, log, patched, upsertMemo } from '@temporalio/workflow';
import {
  mapCampaignUpdateStatus,
  mapExportJobStatus,
  mapImportJobStatus,
  mapQueryState,
  mapSolutionVersionStatus,
} from '../common/job-status';
import type { Phase } from '../common/types';
import { calls, checks, files, lookups, trainingStart } from './retrain-activities';
import { RunEnded, type RetrainRun } from './retrain-run';
import { chooseRerun, decideDeploy, evaluateGate, type VersionAge } from './plan';
import { decideImport, IMPORT_PLAN_PATCH, planImport, queryLookback } from './import-plan';
import { JOB_FAILED } from './wait-for-job';
import { awaitApproval } from './approval';
import { adoptAutoTrainedVersion } from './auto-trained';
import { PROMOTION_HISTORY_PATCH } from './rollback-plan';
import { HOLDOUT_PATCH } from './holdout';
import { gateOnHoldout, holdOut } from './holdout-phases';
import { recommend } from './recommend-phase';
import { importItems, importUsers } from './dataset-phases';
import { awaitRecommenderModel } from './recommender-phases';

export interface PhaseStep {
  phase: Phase;
  run(r: RetrainRun): Promise<void>;
}

/** STARTING: a forced re-run of a date an earlier run used gets job names of its own. */
async function chooseNames(r: RetrainRun): Promise<void> {
  const { input } = r;
  if (!input.force || input.rerun) return;
  const earlier = await lookups.findEarlierRun({
    pipeline: r.pipeline,
    runKey: r.names.runKey,
    solutionVersionName: r.names.solutionVersionName,
  });
  const choice = chooseRerun({ force: input.force, rerun: input.rerun, earlier, runId: r.runId });
  if (choice.rerun === r.progress.rerun) return;
  r.useRerun(choice.rerun);
  upsertMemo({ runKey: r.progress.runKey });
  if (choice.note) r.note(choice.note);
}

async function exportEndpoints(r: RetrainRun): Promise<void> {
  if (!r.settings.exportEndpoints) return;
  r.enter('EXPORT');
  const { jobs } = r.progress;
  jobs.exportJobId ??= (await calls.startEndpointExport({ pipeline: r.pipeline, prefix: r.names.exportPrefix })).jobId;
  const jobId = jobs.exportJobId;
  await r.wait('export', 'endpoint export', async () =>
    mapExportJobStatus(await checks.describeEndpointExport({ pipeline: r.pipeline, jobId }))
  );
}

async function queryInteractions(r: RetrainRun): Promise<void> {
  r.enter('QUERY');
  const { input, settings, names, progress } = r;
  if (!progress.jobs.queryId) {
    const lookbackDays = input.lookbackDays !== undefined ? input.lookbackDays : settings.lookbackDays;
    // What this import carries (FULL never shrinks, INCREMENTAL starts at the watermark); runs
    // recorded before import planning replay without it.
    const plan = patched(IMPORT_PLAN_PATCH)
      ? planImport({
          mode: settings.importMode,
          runDate: progress.runDate,
          lookbackDays,
          state: await calls.readImportState(r.pipeline),
          allowHistoryShrink: settings.allowHistoryShrink ?? false,
          runKey: names.runKey,
        })
      : undefined;
    progress.importPlan = plan;
    if (plan?.note) log.info('import window', { note: plan.note });
    const { queryId } = await calls.startInteractionsQuery({
      pipeline: r.pipeline,
      token: names.queryToken,
      runDate: progress.runDate,
      lookbackDays: plan ? queryLookback(plan, lookbackDays) : lookbackDays,
      ...(plan?.startMs !== undefined ? { startMs: plan.startMs } : {}),
      endpointExportPrefix: settings.exportEndpoints ? names.exportPrefix : undefined,
      outputPrefix: names.queryOutputPrefix,
    });
    progress.jobs.queryId = queryId;
  }
  const queryId = progress.jobs.queryId;
  let outputUri: string | undefined;
  await r.wait('query', 'interactions query', async () => {
    const obs = await checks.describeInteractionsQuery({ pipeline: r.pipeline, queryId });
    outputUri = obs.outputUri;
    if (obs.malformed) progress.malformed = obs.malformed;
    return mapQueryState(obs);
  });
  if (!outputUri)
    throw ApplicationFailure.nonRetryable(
      `query ${queryId} succeeded without an output location`,
      'QueryWithoutOutput'
    );
  progress.stats = await files.prepareInteractions({
    pipeline: r.pipeline,
    sourceUri: outputUri,
    targetUri: names.interactionsUri,
  });
  progress.jobs.interactionsUri = names.interactionsUri;
  const holdout = settings.gate.holdout;
  if (holdout && patched(HOLDOUT_PATCH)) await holdOut(r, holdout);
}

async function decide(r: RetrainRun): Promise<void> {
  r.enter('DECIDE');
  const last = await calls.readLastRun(r.pipeline);
  const decision = decideImport(r.progress.stats!, last, r.progress.importPlan, {
    force: r.input.force,
    dryRun: r.input.dryRun,
  });
  if (!decision.train) throw new RunEnded('SKIPPED', decision.reason);
}

async function importInteractions(r: RetrainRun): Promise<void> {
  r.enter('IMPORT');
  const { jobs } = r.progress;
  jobs.importJobArn ??= (
    await calls.startDatasetImport({
      pipeline: r.pipeline,
      jobName: r.names.importJobName,
      dataLocation: r.progress.jobs.trainingUri ?? r.names.interactionsUri,
      importMode: r.progress.importPlan?.importMode ?? r.settings.importMode,
    })
  ).jobArn;
  const jobArn = jobs.importJobArn;
  await r.wait('import', 'dataset import', async () =>
    mapImportJobStatus(await checks.describeDatasetImport({ pipeline: r.pipeline, jobArn }))
  );
  // The watermark moves only once the import is ACTIVE.
  const plan = r.progress.importPlan;
  if (plan) await calls.recordImport({ pipeline: r.pipeline, state: plan.after });
}

/** The training's state is tracked so that whatever ends the run stops a training still going. */
async function train(r: RetrainRun): Promise<void> {
  r.enter('TRAIN');
  const { progress } = r;
  if (!progress.jobs.solutionVersionArn) {
    progress.training = 'starting';
    const { solutionVersionArn } = await trainingStart.startSolutionVersion({
      pipeline: r.pipeline,
      name: r.names.solutionVersionName,
      trainingMode: r.settings.trainingMode,
      createdAfter: r.lookupSince,
    });
    progress.jobs.solutionVersionArn = solutionVersionArn;
    progress.training = 'running';
  }
  const solutionVersionArn = progress.jobs.solutionVersionArn;
  try {
    await r.wait('training', 'training', async () => {
      const obs = await checks.describeSolutionVersion({ pipeline: r.pipeline, solutionVersionArn });
      // Read from the polls the run makes anyway: no new activity, so recorded histories replay.
      if (obs.realtimeInTraining) progress.realtimeInTraining = obs.realtimeInTraining;
      return mapSolutionVersionStatus(obs);
    });
  } catch (err) {
    // Failed or stopped: nothing left running. A deadline or a failed check leaves it running.
    if (err instanceof ApplicationFailure && err.type === JOB_FAILED) progress.training = 'finished';
    throw err;
  }
  progress.training = 'finished';
}

async function evaluate(r: RetrainRun): Promise<void> {
  r.enter('EVALUATE');
  const { progress } = r;
  const candidateArn = progress.jobs.solutionVersionArn!;
  r.campaign = await calls.describeCampaign(r.pipeline);
  const deployedVersion = r.campaign.solutionVersionArn;
  progress.jobs.previousSolutionVersionArn = deployedVersion;
  const candidate = await calls.getSolutionMetrics({ pipeline: r.pipeline, solutionVersionArn: candidateArn });
  const deployed =
    deployedVersion && deployedVersion !== candidateArn
      ? await calls.getSolutionMetrics({ pipeline: r.pipeline, solutionVersionArn: deployedVersion })
      : null;
  progress.metrics = { candidate, deployed: deployed ?? undefined };
  // GetSolutionMetrics come from each version's own data: with a holdout they are recorded, and the
  // gate decides on both versions' scores on the same held-out interactions.
  const holdout = r.settings.gate.holdout;
  progress.gate =
    holdout && patched(HOLDOUT_PATCH)
      ? await gateOnHoldout(r, holdout, { candidate: candidateArn, deployed: deployedVersion }, { candidate, deployed })
      : evaluateGate(candidate, deployed, r.settings.gate);
  if (!progress.gate.promote) throw new RunEnded('REJECTED', progress.gate.reason);
}

async function versionAge(r: RetrainRun, arn: string): Promise<VersionAge> {
  const { createdAt } = await checks.describeSolutionVersion({ pipeline: r.pipeline, solutionVersionArn: arn });
  return { arn, ...(createdAt && { createdAt }) };
}

/**
 * Never deploys a model older than the one the campaign serves. The first status check waits one
 * deploy interval: read right after UpdateCampaign, the campaign can still show the update before ours.
 */
async function deploy(r: RetrainRun): Promise<void> {
  r.enter('DEPLOY');
  const { progress } = r;
  const candidateArn = progress.jobs.solutionVersionArn!;
  let waitFirst = false;
  if (!progress.deployRequestedAt) {
    const campaign = (r.campaign = await calls.describeCampaign(r.pipeline));
    const served =
      campaign.solutionVersionArn && campaign.solutionVersionArn !== candidateArn
        ? await versionAge(r, campaign.solutionVersionArn)
        : null;
    const decision = decideDeploy({ candidate: await versionAge(r, candidateArn), campaign, served });
    if (decision.action === 'refuse') throw new RunEnded('REJECTED', decision.reason);
    const requestedAt = new Date().toISOString();
    if (decision.action === 'update') {
      // Keep the campaign's own capacity and config (the original forced minProvisionedTPS=1).
      await calls.updateCampaign({
        pipeline: r.pipeline,
        solutionVersionArn: candidateArn,
        minProvisionedTPS: campaign.minProvisionedTPS,
        campaignConfig: campaign.campaignConfig,
      });
      waitFirst = true;
    }
    progress.deployRequestedAt = requestedAt;
  }
  const requestedAt = progress.deployRequestedAt;
  await r.wait(
    'deploy',
    'campaign update',
    async () => {
      const campaign = (r.campaign = await checks.describeCampaign(r.pipeline));
      const update = campaign.latestUpdate ?? {
        status: campaign.status,
        solutionVersionArn: campaign.solutionVersionArn ?? undefined,
      };
      return mapCampaignUpdateStatus(
        { ...update, reason: campaign.latestUpdate?.failureReason },
        candidateArn,
        requestedAt
      );
    },
    { waitFirst }
  );
  // Runs recorded before the promotion history replay without it.
  if (patched(PROMOTION_HISTORY_PATCH)) {
    await calls.recordPromotion({
      pipeline: r.pipeline,
      promotion: {
        solutionVersionArn: candidateArn,
        promotedAt: new Date().toISOString(),
        by: 'run',
        runKey: progress.runKey,
        previous: progress.jobs.previousSolutionVersionArn ?? null,
      },
    });
  }
}

export const PHASES: PhaseStep[] = [
  { phase: 'STARTING', run: chooseNames },
  { phase: 'EXPORT', run: exportEndpoints },
  { phase: 'QUERY', run: queryInteractions },
  { phase: 'DECIDE', run: decide },
  { phase: 'IMPORT_ITEMS', run: importItems },
  { phase: 'IMPORT_USERS', run: importUsers },
  { phase: 'IMPORT', run: importInteractions },
  { phase: 'RECOMMENDER', run: awaitRecommenderModel },
  // personalize.autoTraining: gate — the service trains; the run gates its newest automatic version.
  { phase: 'TRAIN', run: (r) => (r.settings.autoTraining === 'gate' ? adoptAutoTrainedVersion(r) : train(r)) },
  { phase: 'EVALUATE', run: evaluate },
  { phase: 'AWAITING_APPROVAL', run: awaitApproval },
  { phase: 'DEPLOY', run: deploy },
  { phase: 'RECOMMEND', run: recommend },
];
