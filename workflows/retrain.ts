/**
 * RetrainWorkflow: one run per pipeline per day. export → query → decide → import → train →
 * evaluate → deploy → record. Each long job is started by a short idempotent activity and then
 * waited on with durable timers (waitForJob); every decision is a pure function in plan.ts.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RetrainActivities } from '../activities';
import {
  mapCampaignUpdateStatus,
  mapExportJobStatus,
  mapImportJobStatus,
  mapQueryState,
  mapSolutionVersionStatus,
  type JobState,
} from '../common/job-status';
import type {
  CampaignState,
  Outcome,
  Phase,
  RetrainInput,
  RetrainProgress,
  RetrainResult,
  Stage,
} from '../common/types';
import { RetrainPhaseKey, RetrainPipelineKey, statusQuery, TemporalScheduledStartTimeKey } from './defs';
import { currentDetails } from './details';
import { evaluateGate, logicalRunDate, runNames } from './plan';
import { decideImport, IMPORT_PLAN_PATCH, planImport, queryLookback } from './import-plan';
import { JOB_DEADLINE_EXCEEDED, waitForJob, type WaitProgress } from './wait-for-job';

/** Starts and reads: short calls, retried with backoff (throttling, 5xx); bad input fails at once. */
const act = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '30 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2 minutes' },
});

/** Reading and rewriting the interactions file can take a while on large outputs. */
const fileAct = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '1 hour',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 5 },
});

/** Status checks run as local activities: one history event per check instead of three. */
const check = proxyLocalActivities<RetrainActivities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** The phase order; a resumed run (continue-as-new) skips the phases already done. */
const ORDER: Phase[] = ['STARTING', 'EXPORT', 'QUERY', 'DECIDE', 'IMPORT', 'TRAIN', 'EVALUATE', 'DEPLOY', 'RECORD', 'DONE'];

class RunEnded extends Error {
  constructor(
    readonly outcome: Exclude<Outcome, 'FAILED'>,
    readonly reason: string
  ) {
    super(reason);
  }
}

export async function RetrainWorkflow(input: RetrainInput): Promise<RetrainResult> {
  const info = workflowInfo();
  const startedAt = Date.now();
  const scheduledStart = info.typedSearchAttributes.get(TemporalScheduledStartTimeKey);
  const runDate = input.resume?.runDate ?? logicalRunDate({ runDate: input.runDate, scheduledStart, startedAt: new Date(info.startTime) });

  const progress: RetrainProgress = input.resume ?? {
    pipeline: input.pipeline,
    runDate,
    runKey: runNames(input.pipeline, runDate, '', input.rerun).runKey,
    phase: 'STARTING',
    jobs: {},
    timings: [],
  };
  // Registered before the first await, so a status query never finds the run without an answer.
  setHandler(statusQuery, () => progress);

  const settings = await act.loadPipeline(input.pipeline);
  const names = runNames(input.pipeline, runDate, settings.workPrefix, input.rerun);
  upsertMemo({ pipeline: input.pipeline, runDate, runKey: names.runKey });
  if (settings.phaseSearchAttribute) upsertSearchAttributes([{ key: RetrainPipelineKey, value: input.pipeline }]);

  const resumedAt = input.resume ? ORDER.indexOf(input.resume.phase) : -1;
  const done = (phase: Phase) => ORDER.indexOf(phase) < resumedAt;

  function enter(phase: Phase): void {
    const now = new Date().toISOString();
    const open = progress.timings.at(-1);
    if (open && !open.endedAt) open.endedAt = now;
    progress.phase = phase;
    progress.lastStatus = undefined;
    if (phase !== 'DONE') progress.timings.push({ phase, startedAt: now });
    if (settings.phaseSearchAttribute) upsertSearchAttributes([{ key: RetrainPhaseKey, value: phase }]);
    showDetails();
  }

  /** The run's page in the Web UI shows this (no history event: it is read like a query). */
  function showDetails(): void {
    setCurrentDetails(currentDetails(input.pipeline, runDate, progress));
  }

  /** Polls one job; records the status and poll count; continues as new if the history grows long. */
  async function wait(phase: Phase, stage: Stage, name: string, checkOnce: () => Promise<JobState>) {
    const timing = progress.timings.at(-1);
    const resumeWait = input.resume?.phase === phase ? input.resume.wait : undefined;
    return waitForJob({
      name,
      check: checkOnce,
      deadline: settings.deadlines[stage],
      poll: settings.poll,
      stage,
      progress: resumeWait,
      onCheck: (state, p) => {
        const changed = progress.lastStatus !== state.status;
        progress.lastStatus = state.status;
        if (timing) timing.polls = p.polls;
        if (changed) showDetails();
      },
      continueAsNew: (p: WaitProgress) =>
        continueAsNew<typeof RetrainWorkflow>({ ...input, runDate, resume: { ...progress, wait: p } }),
    });
  }

  let deployedVersion: string | null | undefined = progress.jobs.previousSolutionVersionArn;
  let campaign: CampaignState | undefined;

  const result = (outcome: Outcome, reason: string): RetrainResult => ({
    outcome,
    reason,
    pipeline: input.pipeline,
    runDate,
    runKey: names.runKey,
    stats: progress.stats,
    malformed: progress.malformed,
    jobs: progress.jobs,
    metrics: progress.metrics,
    gate: progress.gate,
    campaignSolutionVersionArn: campaign?.solutionVersionArn ?? deployedVersion ?? null,
    timings: progress.timings,
    durationMs: Date.now() - startedAt,
  });

  try {
    await runPhases();
    return await finish(result('SUCCEEDED', `deployed ${progress.jobs.solutionVersionArn}`));
  } catch (err) {
    if (err instanceof RunEnded) return await finish(result(err.outcome, err.reason));
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => finish(result('FAILED', `cancelled during ${progress.phase}`)));
      throw err;
    }
    const failedPhase = progress.phase;
    const failure = result('FAILED', `${failedPhase} failed: ${errorMessage(err)}`);
    await finish(failure);
    throw ApplicationFailure.create({
      message: failure.reason,
      type: 'RetrainFailed',
      nonRetryable: true,
      details: [failure],
      cause: err instanceof Error ? err : undefined,
    });
  }

  async function finish(r: RetrainResult): Promise<RetrainResult> {
    enter('RECORD');
    await act.recordRun(r);
    await act.notifyRun({ result: r, workflowId: info.workflowId });
    enter('DONE');
    log.info('retrain run finished', { outcome: r.outcome, reason: r.reason, runKey: r.runKey });
    return { ...r, timings: progress.timings, durationMs: Date.now() - startedAt };
  }

  async function runPhases(): Promise<void> {
    if (!done('EXPORT') && settings.exportEndpoints) {
      enter('EXPORT');
      const { jobId } = await act.startEndpointExport({ pipeline: input.pipeline, prefix: names.exportPrefix });
      progress.jobs.exportJobId = jobId;
      await wait('EXPORT', 'export', 'endpoint export', async () =>
        mapExportJobStatus(await check.describeEndpointExport({ pipeline: input.pipeline, jobId }))
      );
    }

    if (!done('QUERY')) {
      enter('QUERY');
      const lookbackDays = input.lookbackDays !== undefined ? input.lookbackDays : settings.lookbackDays;
      // Runs recorded before import planning replay without it.
      const plan = patched(IMPORT_PLAN_PATCH)
        ? planImport({ mode: settings.importMode, runDate, lookbackDays, state: await act.readImportState(input.pipeline), allowHistoryShrink: settings.allowHistoryShrink ?? false, runKey: names.runKey })
        : undefined;
      progress.importPlan = plan;
      if (plan?.note) log.info('import window', { note: plan.note });
      const { queryId } = await act.startInteractionsQuery({
        pipeline: input.pipeline,
        token: names.queryToken,
        runDate,
        lookbackDays: plan ? queryLookback(plan, lookbackDays) : lookbackDays,
        ...(plan?.startMs !== undefined ? { startMs: plan.startMs } : {}),
        endpointExportPrefix: settings.exportEndpoints ? names.exportPrefix : undefined,
        outputPrefix: names.queryOutputPrefix,
      });
      progress.jobs.queryId = queryId;
      let outputUri: string | undefined;
      await wait('QUERY', 'query', 'interactions query', async () => {
        const obs = await check.describeInteractionsQuery({ pipeline: input.pipeline, queryId });
        outputUri = obs.outputUri;
        if (obs.malformed) progress.malformed = obs.malformed;
        return mapQueryState(obs);
      });
      if (!outputUri) throw ApplicationFailure.nonRetryable(`query ${queryId} succeeded without an output location`, 'QueryWithoutOutput');
      progress.stats = await fileAct.prepareInteractions({ pipeline: input.pipeline, sourceUri: outputUri, targetUri: names.interactionsUri });
      progress.jobs.interactionsUri = names.interactionsUri;
    }

    if (!done('DECIDE')) {
      enter('DECIDE');
      const last = await act.readLastRun(input.pipeline);
      const decision = decideImport(progress.stats!, last, progress.importPlan, { force: input.force, dryRun: input.dryRun });
      if (!decision.train) throw new RunEnded('SKIPPED', decision.reason);
    }

    if (!done('IMPORT')) {
      enter('IMPORT');
      const { jobArn } = await act.startDatasetImport({
        pipeline: input.pipeline,
        jobName: names.importJobName,
        dataLocation: names.interactionsUri,
        importMode: progress.importPlan?.importMode ?? settings.importMode,
      });
      progress.jobs.importJobArn = jobArn;
      await wait('IMPORT', 'import', 'dataset import', async () =>
        mapImportJobStatus(await check.describeDatasetImport({ pipeline: input.pipeline, jobArn }))
      );
      if (progress.importPlan) await act.recordImport({ pipeline: input.pipeline, state: progress.importPlan.after });
    }

    if (!done('TRAIN')) {
      enter('TRAIN');
      const { solutionVersionArn } = await act.startSolutionVersion({
        pipeline: input.pipeline,
        name: names.solutionVersionName,
        trainingMode: settings.trainingMode,
      });
      progress.jobs.solutionVersionArn = solutionVersionArn;
      await trainUntilDone(solutionVersionArn);
    }

    const candidateArn = progress.jobs.solutionVersionArn!;
    if (!done('EVALUATE')) {
      enter('EVALUATE');
      campaign = await act.describeCampaign(input.pipeline);
      deployedVersion = campaign.solutionVersionArn;
      progress.jobs.previousSolutionVersionArn = deployedVersion;
      const candidate = await act.getSolutionMetrics({ pipeline: input.pipeline, solutionVersionArn: candidateArn });
      const deployed =
        deployedVersion && deployedVersion !== candidateArn
          ? await act.getSolutionMetrics({ pipeline: input.pipeline, solutionVersionArn: deployedVersion })
          : null;
      progress.metrics = { candidate, deployed: deployed ?? undefined };
      progress.gate = evaluateGate(candidate, deployed, settings.gate);
      if (!progress.gate.promote) throw new RunEnded('REJECTED', progress.gate.reason);
    }

    if (!done('DEPLOY')) {
      enter('DEPLOY');
      campaign = await act.describeCampaign(input.pipeline);
      const alreadyServing = campaign.solutionVersionArn === candidateArn && (campaign.latestUpdate?.status ?? 'ACTIVE') === 'ACTIVE';
      if (!alreadyServing) {
        await act.updateCampaign({
          pipeline: input.pipeline,
          solutionVersionArn: candidateArn,
          // Keep the campaign's own capacity and config (the original forced minProvisionedTPS=1).
          minProvisionedTPS: campaign.minProvisionedTPS,
          campaignConfig: campaign.campaignConfig,
        });
      }
      await wait('DEPLOY', 'deploy', 'campaign update', async () => {
        campaign = await check.describeCampaign(input.pipeline);
        const update = campaign.latestUpdate ?? { status: campaign.status, solutionVersionArn: campaign.solutionVersionArn ?? undefined };
        return mapCampaignUpdateStatus({ status: update.status, reason: campaign.latestUpdate?.failureReason, solutionVersionArn: update.solutionVersionArn }, candidateArn);
      });
    }
  }

  /** Waits for training; on its deadline or a cancellation, stops the paid job before failing. */
  async function trainUntilDone(solutionVersionArn: string): Promise<void> {
    try {
      await wait('TRAIN', 'training', 'training', async () =>
        mapSolutionVersionStatus(await check.describeSolutionVersion({ pipeline: input.pipeline, solutionVersionArn }))
      );
    } catch (err) {
      const pastDeadline = err instanceof ApplicationFailure && err.type === JOB_DEADLINE_EXCEEDED;
      if (pastDeadline || isCancellation(err)) {
        await CancellationScope.nonCancellable(() => act.stopSolutionVersion({ pipeline: input.pipeline, solutionVersionArn }));
        log.warn('training stopped', { solutionVersionArn, why: pastDeadline ? 'deadline' : 'cancelled' });
      }
      throw err;
    }
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    // ActivityFailure wraps the real reason in its cause.
    if (err instanceof ActivityFailure && cause instanceof Error) return cause.message;
    return err.message;
  }
  return String(err);
}
