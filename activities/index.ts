/**
 * createActivities(deps): every activity RetrainWorkflow calls. Activities are thin: they find the
 * pipeline's ports and call them; the ports (AWS or local) do the work. Payloads stay small:
 * ids, ARNs, URIs and counts, never data or secrets. Every activity heartbeats while it runs, so a
 * dead worker is noticed within the workflow's heartbeat timeout (seconds).
 */
import { ApplicationFailure } from '@temporalio/common';
import { normalizePersonalizeStatus, type JobObservation } from '../common/job-status';
import type {
  CampaignState,
  EarlierRun,
  ImportMode,
  InteractionStats,
  Metrics,
  PipelineSettings,
  PromotionRecord,
  RetrainResult,
  TrainingMode,
} from '../common/types';
import type { ImportState } from '../common/import-state';
import type { InteractionsColumn } from '../common/interactions';
import { datasetActivities } from './datasets';
import { atMostEvery, heartbeating, withLivenessHeartbeats } from './heartbeat';
import { holdoutActivities } from './holdout/activities';
import { prepareInteractionsFile } from './interactions-file';
import { nextLastRun, type LastRunRecord } from './last-run';
import { Context } from '@temporalio/activity';
import { appendPromotion, readPromotions } from './promotions';
import { pickAutoTrainedVersion, type AutoTrainedPick } from './auto-trained';
import { describeDecision } from '../workflows/approval-plan';
import { readRunRecords } from './run-records';
import { deliverSegments, findUndelivered, type SegmentsReport } from './realtime/segments';
import type { PipelinePorts, SegmentRef, SolutionVersionObservation } from './ports';
import { recommendationActivities } from './recommendations';

export interface PipelineRegistry {
  /** Pipeline ids known to this worker. */
  list(): string[];
  settings(pipeline: string): PipelineSettings | undefined;
  ports(pipeline: string): PipelinePorts | undefined;
}

export interface ActivityDeps {
  pipelines: PipelineRegistry;
  /** Called once a run's record is written (metrics). */
  onRunRecorded?: (result: RetrainResult) => void;
  /** Called when a notifier fails (metrics); the run's outcome stays what it was. */
  onNotifyFailed?: (pipeline: string, outcome: string, error: unknown) => void;
}

export type { LastRunRecord };

/** What earlier imports carried (workflows/import-plan.ts). */
function importStateUri(settings: PipelineSettings): string {
  const prefix = settings.workPrefix.endsWith('/') ? settings.workPrefix : `${settings.workPrefix}/`;
  return `${prefix}runs/import-state.json`;
}

function lastRunUri(settings: PipelineSettings): string {
  const prefix = settings.workPrefix.endsWith('/') ? settings.workPrefix : `${settings.workPrefix}/`;
  return `${prefix}runs/last-trained.json`;
}

function runRecordUri(settings: PipelineSettings, runKey: string): string {
  const prefix = settings.workPrefix.endsWith('/') ? settings.workPrefix : `${settings.workPrefix}/`;
  return `${prefix}runs/${runKey}.json`;
}

/**
 * A pipeline with no real-time section says nothing about real-time records, unless its backend
 * counted some (a local event log written under an earlier config): nothing to report is not news.
 */
export function withoutIdleRealtime(obs: SolutionVersionObservation, hasRealtime: boolean): SolutionVersionObservation {
  const r = obs.realtimeInTraining;
  if (hasRealtime || !r || (r.reported && r.events + (r.unusable ?? 0) + r.items + r.users > 0)) return obs;
  const { realtimeInTraining: _, ...rest } = obs;
  return rest;
}

export function createActivities(deps: ActivityDeps) {
  return withLivenessHeartbeats(activityFunctions(deps));
}

function activityFunctions({ pipelines, onRunRecorded, onNotifyFailed }: ActivityDeps) {
  function settingsOf(pipeline: string): PipelineSettings {
    const s = pipelines.settings(pipeline);
    if (!s) {
      throw ApplicationFailure.nonRetryable(
        `unknown pipeline "${pipeline}"; this worker knows: ${pipelines.list().join(', ') || 'none'}. Check the config file the worker was started with.`,
        'UnknownPipeline'
      );
    }
    return s;
  }
  function portsOf(pipeline: string): PipelinePorts {
    settingsOf(pipeline);
    return pipelines.ports(pipeline)!;
  }
  function realtimePortsOf(pipeline: string) {
    const { eventSink: sink, eventLog: log, ledger, realtimeDestination: destination } = portsOf(pipeline);
    if (!sink || !log || !ledger || !destination) {
      throw ApplicationFailure.nonRetryable(`pipeline "${pipeline}" has no realtime section in the worker's config`, 'ConfigError');
    }
    return { sink, log, ledger, destination };
  }
  // PutUsers/PutItems pacing per dataset, across deliveries of this worker.
  const pacing = new Map<string, number>();

  /** What a run recorded, and the last trained run: where the ad hoc `window` audience is found. */
  const readText = async (pipeline: string, uri: (s: PipelineSettings) => string) => portsOf(pipeline).store.getText(uri(settingsOf(pipeline)));
  const recommendations = recommendationActivities({
    settingsOf,
    portsOf,
    readRecord: async (pipeline, runKey) => {
      const text = await readText(pipeline, (s) => runRecordUri(s, runKey));
      return text ? { interactionsUri: (JSON.parse(text) as Partial<RetrainResult>).jobs?.interactionsUri } : null;
    },
    readLastRunKey: async (pipeline) => {
      const text = await readText(pipeline, lastRunUri);
      return text ? (JSON.parse(text) as LastRunRecord).runKey : null;
    },
  });

  return {
    ...holdoutActivities({ settingsOf, portsOf }),

    ...recommendations,
    ...datasetActivities(settingsOf, portsOf),

    async loadPipeline(pipeline: string): Promise<PipelineSettings> {
      return settingsOf(pipeline);
    },

    async startEndpointExport(req: { pipeline: string; prefix: string }): Promise<{ jobId: string }> {
      const { exporter } = portsOf(req.pipeline);
      if (!exporter) {
        throw ApplicationFailure.nonRetryable(`pipeline "${req.pipeline}" exports endpoints but has no exporter configured`, 'ConfigError');
      }
      return exporter.startExport({ prefix: req.prefix });
    },
    async describeEndpointExport(req: { pipeline: string; jobId: string }): Promise<JobObservation> {
      return portsOf(req.pipeline).exporter!.describeExport(req.jobId);
    },

    async startInteractionsQuery(req: {
      pipeline: string;
      token: string;
      runDate: string;
      lookbackDays: number | null;
      endpointExportPrefix?: string;
      outputPrefix: string;
      startMs?: number;
    }): Promise<{ queryId: string }> {
      const { pipeline, ...query } = req;
      return portsOf(pipeline).warehouse.startInteractionsQuery(query);
    },
    async describeInteractionsQuery(req: {
      pipeline: string;
      queryId: string;
    }): Promise<JobObservation & { outputUri?: string; malformed?: Record<string, number> }> {
      return portsOf(req.pipeline).warehouse.describeQuery(req.queryId);
    },

    /** Heartbeats the rows read so far (the liveness wrapper's beats carry them too). */
    async prepareInteractions(req: { pipeline: string; sourceUri: string; targetUri: string }): Promise<InteractionStats> {
      const columns = settingsOf(req.pipeline).interactionsColumns as InteractionsColumn[] | undefined;
      let rowsRead = 0;
      return heartbeating(
        () =>
          prepareInteractionsFile(portsOf(req.pipeline).store, req.sourceUri, req.targetUri, {
            columns,
            onProgress: (n) => (rowsRead = n),
          }),
        () => ({ rowsRead })
      );
    },

    async readImportState(pipeline: string): Promise<ImportState | null> {
      const text = await portsOf(pipeline).store.getText(importStateUri(settingsOf(pipeline)));
      return text ? (JSON.parse(text) as ImportState) : null;
    },
    /** Called once an import job is ACTIVE: the data is in Personalize, whatever the rest of the run does. */
    async recordImport(req: { pipeline: string; state: ImportState }): Promise<void> {
      await portsOf(req.pipeline).store.putText(importStateUri(settingsOf(req.pipeline)), JSON.stringify(req.state, null, 2));
    },

    async readLastRun(pipeline: string): Promise<LastRunRecord | null> {
      const text = await portsOf(pipeline).store.getText(lastRunUri(settingsOf(pipeline)));
      return text ? (JSON.parse(text) as LastRunRecord) : null;
    },

    async startDatasetImport(req: { pipeline: string; jobName: string; dataLocation: string; importMode: ImportMode }): Promise<{ jobArn: string }> {
      const s = settingsOf(req.pipeline);
      return portsOf(req.pipeline).recommender.startImport({
        jobName: req.jobName,
        datasetArn: s.datasetArn,
        dataLocation: req.dataLocation,
        importMode: req.importMode,
      });
    },
    async describeDatasetImport(req: { pipeline: string; jobArn: string }): Promise<JobObservation> {
      return portsOf(req.pipeline).recommender.describeImport(req.jobArn);
    },

    /** `createdAfter`: the run's start; the name is looked up among versions created since then before one is created. */
    async startSolutionVersion(req: { pipeline: string; name: string; trainingMode: TrainingMode; createdAfter?: string }): Promise<{ solutionVersionArn: string }> {
      const s = settingsOf(req.pipeline);
      return portsOf(req.pipeline).recommender.startSolutionVersion({
        name: req.name,
        solutionArn: s.solutionArn,
        trainingMode: req.trainingMode,
        ...(req.createdAfter && { createdAfter: req.createdAfter }),
      });
    },
    /** The training of that name, if there is one (a start that was in flight when the run was cancelled). */
    async findSolutionVersion(req: { pipeline: string; name: string; createdAfter?: string }): Promise<{ solutionVersionArn: string; status: string } | null> {
      const s = settingsOf(req.pipeline);
      return portsOf(req.pipeline).recommender.findSolutionVersion({ solutionArn: s.solutionArn, name: req.name, ...(req.createdAfter && { createdAfter: req.createdAfter }) });
    },
    async describeSolutionVersion(req: { pipeline: string; solutionVersionArn: string }): Promise<SolutionVersionObservation> {
      const ports = portsOf(req.pipeline);
      return withoutIdleRealtime(await ports.recommender.describeSolutionVersion(req.solutionVersionArn), !!ports.eventSink);
    },
    async stopSolutionVersion(req: { pipeline: string; solutionVersionArn: string }): Promise<void> {
      await portsOf(req.pipeline).recommender.stopSolutionVersion(req.solutionVersionArn);
    },
    async getSolutionMetrics(req: { pipeline: string; solutionVersionArn: string }): Promise<Metrics> {
      return portsOf(req.pipeline).recommender.getSolutionMetrics(req.solutionVersionArn);
    },

    async describeCampaign(pipeline: string): Promise<CampaignState> {
      return portsOf(pipeline).recommender.describeCampaign(settingsOf(pipeline).campaignArn);
    },
    /**
     * Idempotent: when the campaign's latest update already names this version (and did not fail),
     * that update is the one a previous attempt made, and nothing is requested again.
     */
    async updateCampaign(req: {
      pipeline: string;
      solutionVersionArn: string;
      minProvisionedTPS: number;
      campaignConfig?: Record<string, unknown>;
    }): Promise<{ requested: boolean }> {
      const { pipeline, ...update } = req;
      const { recommender } = portsOf(pipeline);
      const campaignArn = settingsOf(pipeline).campaignArn;
      const latest = (await recommender.describeCampaign(campaignArn)).latestUpdate;
      if (latest?.solutionVersionArn === req.solutionVersionArn && normalizePersonalizeStatus(latest.status) !== 'CREATE FAILED') return { requested: false };
      await recommender.updateCampaign({ campaignArn, ...update });
      return { requested: true };
    },

    /**
     * personalize.autoTraining: gate — the newest ACTIVE AUTOMATIC version no earlier run evaluated
     * (the run records name every candidate a run evaluated) and the campaign does not serve.
     */
    async findAutoTrainedVersion(pipeline: string): Promise<AutoTrainedPick> {
      const s = settingsOf(pipeline);
      const { recommender, store } = portsOf(pipeline);
      if (!recommender.listSolutionVersions) {
        throw ApplicationFailure.nonRetryable(`pipeline "${pipeline}": this backend cannot list solution versions, so it cannot gate automatic ones`, 'ConfigError');
      }
      const versions = await recommender.listSolutionVersions(s.solutionArn);
      const evaluated = new Set<string>();
      for (const r of await readRunRecords(store, s.workPrefix, pipeline)) {
        if (r.jobs.solutionVersionArn && (r.gate || r.metrics)) evaluated.add(r.jobs.solutionVersionArn);
      }
      for (const p of await readPromotions(store, s.workPrefix, pipeline)) evaluated.add(p.solutionVersionArn);
      const campaign = await recommender.describeCampaign(s.campaignArn);
      return pickAutoTrainedVersion(versions, { evaluated, serving: campaign.solutionVersionArn });
    },

    /** Which versions the campaign was put on, when, and by what (oldest first). */
    async readPromotions(pipeline: string): Promise<PromotionRecord[]> {
      return readPromotions(portsOf(pipeline).store, settingsOf(pipeline).workPrefix, pipeline);
    },
    /** Called once a campaign update to the version is ACTIVE (a run's DEPLOY, or a rollback). */
    async recordPromotion(req: { pipeline: string; promotion: PromotionRecord }): Promise<void> {
      await appendPromotion(portsOf(req.pipeline).store, settingsOf(req.pipeline).workPrefix, req.pipeline, req.promotion);
    },

    /** An earlier run that used this run key: its record, or a training of this run's name. */
    async findEarlierRun(req: { pipeline: string; runKey: string; solutionVersionName: string }): Promise<EarlierRun | null> {
      const s = settingsOf(req.pipeline);
      const { store, recommender } = portsOf(req.pipeline);
      const text = await store.getText(runRecordUri(s, req.runKey));
      if (text) {
        const r = JSON.parse(text) as Partial<RetrainResult>;
        return { runKey: req.runKey, ...(r.outcome && { outcome: r.outcome }), ...(r.jobs?.solutionVersionArn && { solutionVersionArn: r.jobs.solutionVersionArn }) };
      }
      // A recommender's pipeline trains nothing of its own.
      if (s.recommenderArn) return null;
      const version = await recommender.findSolutionVersion({ solutionArn: s.solutionArn, name: req.solutionVersionName });
      return version ? { runKey: req.runKey, solutionVersionArn: version.solutionVersionArn } : null;
    },

    /** Writes the run summary; a run that trained on newer data also moves the "last trained" watermark. */
    async recordRun(result: RetrainResult): Promise<{ uri: string }> {
      const s = settingsOf(result.pipeline);
      const { store } = portsOf(result.pipeline);
      const uri = runRecordUri(s, result.runKey);
      await store.putText(uri, JSON.stringify(result, null, 2));
      const previousText = await store.getText(lastRunUri(s));
      const next = nextLastRun(previousText ? (JSON.parse(previousText) as LastRunRecord) : null, result);
      if (next) await store.putText(lastRunUri(s), JSON.stringify(next, null, 2));
      onRunRecorded?.(result);
      return { uri };
    },

    /**
     * Real-time path: delivers event-log segments (read by reference) through the pipeline's sink,
     * ≤10 records per call; the ledger makes a retried or repeated delivery send nothing twice.
     */
    async deliverSegments(req: { pipeline: string; segments: SegmentRef[] }): Promise<SegmentsReport> {
      const ports = realtimePortsOf(req.pipeline);
      const ctx = Context.current();
      const progress = atMostEvery(1_000, (p: { segment: string; callsDone: number }) => ctx.heartbeat(p));
      return deliverSegments(req.segments, { ...ports, lastCall: pacing, sleep: (ms) => ctx.sleep(ms), onProgress: progress });
    },
    /** Segments of a shard no delivery has finished (their reference was lost, or dropped while the workflow was full). */
    async findUndelivered(req: { pipeline: string; shard: number; limit: number; olderThanMs?: number }): Promise<{ segments: SegmentRef[]; more: boolean }> {
      return findUndelivered(req, realtimePortsOf(req.pipeline));
    },

    /** A run waits for an operator's decision: tells whoever the notifier reaches what awaits and how to decide. */
    async notifyApprovalNeeded(req: { pipeline: string; runDate: string; workflowId: string; reason: string }): Promise<void> {
      const { notifier } = portsOf(req.pipeline);
      if (!notifier) return;
      await notifier.notify({ ...req, outcome: 'AWAITING_APPROVAL', summary: {} }).catch((err: unknown) => {
        onNotifyFailed?.(req.pipeline, 'AWAITING_APPROVAL', err);
        throw err;
      });
    },

    /** A failure is counted (onNotifyFailed) and rethrown for Temporal to retry; the run never fails of it. */
    async notifyRun(req: { result: RetrainResult; workflowId: string }): Promise<void> {
      const s = settingsOf(req.result.pipeline);
      const { notifier } = portsOf(req.result.pipeline);
      // Recommendations that failed after a deploy are notified like a failed run: the messaging tools got nothing.
      const recsFailed = req.result.recommendations?.failed !== undefined && s.notifyOn.includes('FAILED');
      if (!notifier || !(s.notifyOn.includes(req.result.outcome) || recsFailed)) return;
      const r = req.result;
      const sending = notifier.notify({
        pipeline: r.pipeline,
        outcome: r.outcome,
        reason: r.reason,
        runDate: r.runDate,
        workflowId: req.workflowId,
        summary: {
          rows: r.stats?.rows,
          solutionVersionArn: r.jobs.solutionVersionArn,
          gate: r.gate?.reason,
          ...(r.approval && { approval: describeDecision(r.approval) }),
          durationMs: r.durationMs,
          ...(r.recommendations && { recommendations: r.recommendations }),
        },
      });
      await sending.catch((err: unknown) => {
        onNotifyFailed?.(r.pipeline, r.outcome, err);
        throw err;
      });
    },
  };
}

export type RetrainActivities = ReturnType<typeof createActivities>;
