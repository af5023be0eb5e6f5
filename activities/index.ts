/**
 * createActivities(deps): every activity RetrainWorkflow calls. Activities are thin: they find the
 * pipeline's ports and call them; the ports (AWS or local) do the work. Payloads stay small:
 * ids, ARNs, URIs and counts, never data or secrets.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { JobObservation } from '../common/job-status';
import type {
  CampaignState,
  ImportMode,
  InteractionStats,
  Metrics,
  PipelineSettings,
  RetrainResult,
  TrainingMode,
} from '../common/types';
import type { ImportState } from '../common/import-state';
import type { InteractionsColumn } from '../common/interactions';
import { prepareInteractionsFile } from './interactions-file';
import { deliverAsActivity, type DeliveryReport } from './realtime/delivery';
import type { PersonalizeRecord } from './realtime/mapping';
import type { PipelinePorts } from './ports';

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
}

export interface LastRunRecord {
  runKey: string;
  runDate: string;
  maxTimestamp: number | null;
  solutionVersionArn?: string;
}

/** What earlier imports carried (workflows/import-plan.ts). */
function importStateUri(settings: PipelineSettings): string {
  const prefix = settings.workPrefix.endsWith('/') ? settings.workPrefix : `${settings.workPrefix}/`;
  return `${prefix}runs/import-state.json`;
}

function lastRunUri(settings: PipelineSettings): string {
  const prefix = settings.workPrefix.endsWith('/') ? settings.workPrefix : `${settings.workPrefix}/`;
  return `${prefix}runs/last-trained.json`;
}

export function createActivities({ pipelines, onRunRecorded }: ActivityDeps) {
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

  return {
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

    async prepareInteractions(req: { pipeline: string; sourceUri: string; targetUri: string }): Promise<InteractionStats> {
      const columns = settingsOf(req.pipeline).interactionsColumns as InteractionsColumn[] | undefined;
      return prepareInteractionsFile(portsOf(req.pipeline).store, req.sourceUri, req.targetUri, columns);
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

    async startSolutionVersion(req: { pipeline: string; name: string; trainingMode: TrainingMode }): Promise<{ solutionVersionArn: string }> {
      const s = settingsOf(req.pipeline);
      return portsOf(req.pipeline).recommender.startSolutionVersion({ name: req.name, solutionArn: s.solutionArn, trainingMode: req.trainingMode });
    },
    async describeSolutionVersion(req: { pipeline: string; solutionVersionArn: string }): Promise<JobObservation> {
      return portsOf(req.pipeline).recommender.describeSolutionVersion(req.solutionVersionArn);
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
    async updateCampaign(req: {
      pipeline: string;
      solutionVersionArn: string;
      minProvisionedTPS: number;
      campaignConfig?: Record<string, unknown>;
    }): Promise<void> {
      const { pipeline, ...update } = req;
      await portsOf(pipeline).recommender.updateCampaign({ campaignArn: settingsOf(pipeline).campaignArn, ...update });
    },

    /** Writes the run summary; a run that trained also moves the "last trained" watermark. */
    async recordRun(result: RetrainResult): Promise<{ uri: string }> {
      const s = settingsOf(result.pipeline);
      const { store } = portsOf(result.pipeline);
      const prefix = s.workPrefix.endsWith('/') ? s.workPrefix : `${s.workPrefix}/`;
      const uri = `${prefix}runs/${result.runKey}.json`;
      await store.putText(uri, JSON.stringify(result, null, 2));
      if ((result.outcome === 'SUCCEEDED' || result.outcome === 'REJECTED') && result.stats) {
        const last: LastRunRecord = {
          runKey: result.runKey,
          runDate: result.runDate,
          maxTimestamp: result.stats.maxTimestamp,
          solutionVersionArn: result.jobs.solutionVersionArn,
        };
        await store.putText(lastRunUri(s), JSON.stringify(last, null, 2));
      }
      onRunRecorded?.(result);
      return { uri };
    },

    /** Real-time path: sends accepted records (≤10 per call); refused ones go to the dead-letter store. */
    async deliverRealtime(req: { pipeline: string; records: PersonalizeRecord[] }): Promise<DeliveryReport> {
      const { eventSink, deadLetters } = portsOf(req.pipeline);
      if (!eventSink || !deadLetters) {
        throw ApplicationFailure.nonRetryable(`pipeline "${req.pipeline}" has no real-time sink configured`, 'ConfigError');
      }
      return deliverAsActivity(req.records, { sink: eventSink, deadLetters });
    },

    async notifyRun(req: { result: RetrainResult; workflowId: string }): Promise<void> {
      const s = settingsOf(req.result.pipeline);
      const { notifier } = portsOf(req.result.pipeline);
      if (!notifier || !s.notifyOn.includes(req.result.outcome)) return;
      const r = req.result;
      await notifier.notify({
        pipeline: r.pipeline,
        outcome: r.outcome,
        reason: r.reason,
        runDate: r.runDate,
        workflowId: req.workflowId,
        summary: {
          rows: r.stats?.rows,
          solutionVersionArn: r.jobs.solutionVersionArn,
          gate: r.gate?.reason,
          durationMs: r.durationMs,
        },
      });
    },
  };
}

export type RetrainActivities = ReturnType<typeof createActivities>;
