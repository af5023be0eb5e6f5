/**
 * Activities of the items / users dataset phases and of the recommender path. The state they keep
 * lives under the pipeline's work prefix, beside import-state.json: `runs/dataset-<kind>.json`
 * (the fingerprint of the file the last ACTIVE import read) and `runs/recommender-model.json`
 * (the recommender's model the last run recorded).
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type {
  DatasetFileVersion,
  DatasetImportState,
  DatasetKind,
  RecommenderModelRecord,
  RecommenderObservation,
} from '../common/datasets';
import type { PipelineSettings } from '../common/types';
import type { ObjectVersion, PipelinePorts } from './ports';

function runsUri(settings: PipelineSettings, file: string): string {
  const prefix = settings.workPrefix.endsWith('/') ? settings.workPrefix : `${settings.workPrefix}/`;
  return `${prefix}runs/${file}`;
}

/** One digest over every object's identity: any added, removed or rewritten file changes it. */
export function fingerprintOf(versions: ObjectVersion[]): DatasetFileVersion {
  const sorted = [...versions].sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
  const hash = createHash('sha256');
  for (const v of sorted) hash.update(`${v.uri}\u0000${v.size}\u0000${v.etag}\u0000${v.lastModified ?? ''}\n`);
  return { fingerprint: hash.digest('hex'), objects: sorted.length, bytes: sorted.reduce((n, v) => n + v.size, 0) };
}

export function datasetActivities(settingsOf: (pipeline: string) => PipelineSettings, portsOf: (pipeline: string) => PipelinePorts) {
  function datasetOf(pipeline: string, kind: DatasetKind) {
    const d = settingsOf(pipeline).datasets?.[kind];
    if (!d) throw ApplicationFailure.nonRetryable(`pipeline "${pipeline}" has no ${kind} dataset configured (datasets.${kind})`, 'ConfigError');
    return d;
  }

  return {
    /** The source's version now, and what the last ACTIVE import of this dataset read. */
    async readDatasetSource(req: { pipeline: string; kind: DatasetKind }): Promise<{ version: DatasetFileVersion; last: DatasetImportState | null }> {
      const dataset = datasetOf(req.pipeline, req.kind);
      const { store } = portsOf(req.pipeline);
      if (!store.objectVersions) throw ApplicationFailure.nonRetryable(`the object store of "${req.pipeline}" cannot tell file versions apart`, 'ConfigError');
      const version = fingerprintOf(await store.objectVersions(dataset.source));
      const text = await store.getText(runsUri(settingsOf(req.pipeline), `dataset-${req.kind}.json`));
      return { version, last: text ? (JSON.parse(text) as DatasetImportState) : null };
    },

    /** FULL import of the dataset's source; a job of this name (a retried start) is adopted, looked up before anything is created. */
    async startDatasetFileImport(req: { pipeline: string; kind: DatasetKind; jobName: string }): Promise<{ jobArn: string }> {
      const dataset = datasetOf(req.pipeline, req.kind);
      const { recommender } = portsOf(req.pipeline);
      const found = await recommender.findImport?.({ datasetArn: dataset.datasetArn, jobName: req.jobName });
      if (found) return { jobArn: found.jobArn };
      return recommender.startImport({ jobName: req.jobName, datasetArn: dataset.datasetArn, dataLocation: dataset.source, importMode: 'FULL' });
    },

    /** Called once the import is ACTIVE: the next run skips this file until it changes. */
    async recordDatasetImport(req: { pipeline: string; kind: DatasetKind; state: DatasetImportState }): Promise<void> {
      await portsOf(req.pipeline).store.putText(runsUri(settingsOf(req.pipeline), `dataset-${req.kind}.json`), JSON.stringify(req.state, null, 2));
    },

    async describeRecommender(pipeline: string): Promise<RecommenderObservation> {
      const s = settingsOf(pipeline);
      const { recommender } = portsOf(pipeline);
      if (!s.recommenderArn || !recommender.describeRecommender) {
        throw ApplicationFailure.nonRetryable(`pipeline "${pipeline}" targets no recommender (personalize.recommenderArn)`, 'ConfigError');
      }
      return recommender.describeRecommender(s.recommenderArn);
    },

    async readRecommenderModel(pipeline: string): Promise<RecommenderModelRecord | null> {
      const text = await portsOf(pipeline).store.getText(runsUri(settingsOf(pipeline), 'recommender-model.json'));
      const record = text ? (JSON.parse(text) as RecommenderModelRecord) : null;
      // A record of another recommender (the config changed) says nothing about this one.
      return record && record.recommenderArn === settingsOf(pipeline).recommenderArn ? record : null;
    },

    async recordRecommenderModel(req: { pipeline: string; record: RecommenderModelRecord }): Promise<void> {
      await portsOf(req.pipeline).store.putText(runsUri(settingsOf(req.pipeline), 'recommender-model.json'), JSON.stringify(req.record, null, 2));
    },
  };
}
