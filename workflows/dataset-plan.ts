/**
 * Items and users datasets: pure decisions of their phases. A dataset is imported FULL (it replaces
 * the dataset's bulk records, so the file must hold the whole catalog), and only when its file
 * changed since the last import that became ACTIVE: an unchanged catalog costs no import job.
 */
import type { DatasetFileVersion, DatasetImportState, DatasetKind } from '../common/datasets';
import { personalizeName } from './plan';

/**
 * Deterministic per run and file version: a retried or resumed phase finds the job it created
 * (adoption by name), and a file changed again on a forced re-run gets a job of its own.
 */
export function datasetJobName(pipeline: string, runDate: string, kind: DatasetKind, fingerprint: string, rerun?: string): string {
  return personalizeName(pipeline, runDate.replace(/-/g, ''), rerun ?? '', kind, fingerprint.slice(0, 8));
}

export interface DatasetDecision {
  action: 'import' | 'skip' | 'fail';
  reason: string;
}

/** Import when the source holds records and differs from what the last ACTIVE import read; an empty source is a configuration error. */
export function decideDatasetImport(
  kind: DatasetKind,
  now: DatasetFileVersion,
  last: DatasetImportState | null,
  target: { datasetArn: string; source: string }
): DatasetDecision {
  if (now.objects === 0 || now.bytes === 0) {
    return { action: 'fail', reason: `the ${kind} dataset's source ${target.source} holds no file (or only empty ones): check datasets.${kind}.source` };
  }
  if (!last) return { action: 'import', reason: `first import of the ${kind} dataset` };
  if (last.datasetArn !== target.datasetArn || last.source !== target.source) {
    return { action: 'import', reason: `the ${kind} dataset or its source changed since ${last.runKey}` };
  }
  if (last.fingerprint === now.fingerprint) {
    return { action: 'skip', reason: `the ${kind} file has not changed since ${last.runKey} imported it (${last.jobName})` };
  }
  return { action: 'import', reason: `the ${kind} file changed since ${last.runKey} imported it` };
}
