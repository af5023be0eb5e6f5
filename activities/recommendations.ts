/**
 * Recommendations out, the activities' side: the users file the batch job reads (every user of the
 * run's interactions, or a configured users file), the job's start and status through the
 * BatchInference port, and the conversion of its output to the files messaging tools take: JSON
 * Lines and CSV, one row per user with the items, the scores and the recommendation id.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import type { JobObservation } from '../common/job-status';
import type { PipelineSettings } from '../common/types';
import type { Audience } from '../workflows/recommend-plan';
import { readBatchOutput, writeBatchInput, type BatchOutputCounts } from './batch-inference-files';
import { recommendationIdFor, type RecommendationRow } from './messaging/message-ids';
import type { BatchInference, ObjectStore, PipelinePorts } from './ports';

/** The CSV's header: list columns hold the items and scores joined by `|` (ids cannot hold one in most catalogues; see README). */
export const RECOMMENDATIONS_CSV_HEADER = ['USER_ID', 'RECOMMENDATION_ID', 'ITEM_IDS', 'SCORES'] as const;

function batchOf(pipeline: string, ports: PipelinePorts): BatchInference {
  if (!ports.batchInference) {
    throw ApplicationFailure.nonRetryable(`pipeline "${pipeline}" has no batch inference backend`, 'ConfigError');
  }
  return ports.batchInference;
}

/** Distinct USER_IDs of an interactions file (header first, as the run writes it). */
async function usersOfInteractions(store: ObjectStore, uri: string): Promise<string[]> {
  const users = new Set<string>();
  const rows = (await store.openRead(uri)).pipe(parse({ columns: true, skip_empty_lines: true }));
  for await (const row of rows as AsyncIterable<Record<string, string>>) {
    if (row.USER_ID) users.add(row.USER_ID);
  }
  return [...users];
}

/**
 * A users file: JSON Lines of `{"userId": …}` (the batch input format), a CSV whose header names
 * USER_ID (a Personalize users dataset file), or one id per line.
 */
async function usersOfFile(store: ObjectStore, uri: string): Promise<string[]> {
  if (!(await store.exists(uri))) {
    throw ApplicationFailure.nonRetryable(`the audience file ${uri} does not exist; check recommendations.audience in the pipeline config`, 'AudienceNotFound');
  }
  const lines = createInterface({ input: await store.openRead(uri), crlfDelay: Infinity });
  const users: string[] = [];
  let csvColumn: number | undefined;
  let first = true;
  for await (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    if (first) {
      first = false;
      const header = line.split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
      if (header.includes('USER_ID')) {
        csvColumn = header.indexOf('USER_ID');
        continue;
      }
    }
    if (line.startsWith('{')) {
      const id = (JSON.parse(line) as { userId?: unknown }).userId;
      if (typeof id !== 'string') throw ApplicationFailure.nonRetryable(`a line of ${uri} has no string userId: ${line.slice(0, 80)}`, 'AudienceUnreadable');
      users.push(id);
    } else if (csvColumn !== undefined) {
      const cells: string[][] = await new Promise((resolve, reject) => parse(line, (err, out: string[][]) => (err ? reject(err) : resolve(out))));
      const id = cells[0]?.[csvColumn];
      if (id) users.push(id);
    } else {
      users.push(line);
    }
  }
  return users;
}

export interface RecommendationsFiles {
  jsonlUri: string;
  csvUri: string;
}

/**
 * Reads the batch output once and writes both files: each user with recommendations becomes a row
 * with the recommendation id of (key, user); users the job answered with an error are counted and
 * left out (they are in the batch output with the error).
 */
export async function convertBatchOutput(
  store: ObjectStore,
  req: { key: string; batchOutputUri: string } & RecommendationsFiles
): Promise<BatchOutputCounts> {
  const rows: RecommendationRow[] = [];
  const counts = await readBatchOutput(store, req.batchOutputUri, (r) => {
    if (r.error === undefined) rows.push({ userId: r.userId, recommendationId: recommendationIdFor(req.key, r.userId), itemIds: r.itemIds, scores: r.scores });
  });
  await store.write(req.jsonlUri, Readable.from(rows.map((r) => `${JSON.stringify(r)}\n`)));
  const csv = stringify({ header: true, columns: [...RECOMMENDATIONS_CSV_HEADER] });
  const writing = store.write(req.csvUri, csv);
  for (const r of rows) {
    if (!csv.write([r.userId, r.recommendationId, r.itemIds.join('|'), r.scores.join('|')])) await new Promise((ok) => csv.once('drain', ok));
  }
  csv.end();
  await writing;
  return counts;
}

/** The activities RetrainWorkflow and RecommendWorkflow call (spread into createActivities). */
export function recommendationActivities(deps: {
  settingsOf: (pipeline: string) => PipelineSettings;
  portsOf: (pipeline: string) => PipelinePorts;
  readRecord: (pipeline: string, runKey: string) => Promise<{ interactionsUri?: string } | null>;
  readLastRunKey: (pipeline: string) => Promise<string | null>;
}) {
  const { settingsOf, portsOf } = deps;
  return {
    /** Writes the users file of the audience; `window` reads the run's interactions (or, ad hoc, the last trained run's). */
    async prepareRecommendationAudience(req: { pipeline: string; audience: Audience | { kind: 'last-run' }; inputUri: string }): Promise<{ users: number }> {
      const { store } = portsOf(req.pipeline);
      let audience = req.audience;
      if (audience.kind === 'last-run') {
        const runKey = await deps.readLastRunKey(req.pipeline);
        const interactionsUri = runKey ? (await deps.readRecord(req.pipeline, runKey))?.interactionsUri : undefined;
        if (!interactionsUri) {
          throw ApplicationFailure.nonRetryable(`pipeline "${req.pipeline}" has no trained run whose users to take: pass --users <uri>, or run a retrain first`, 'NoWindowYet');
        }
        audience = { kind: 'window', interactionsUri };
      }
      const users = audience.kind === 'window' ? await usersOfInteractions(store, audience.interactionsUri) : await usersOfFile(store, audience.uri);
      if (users.length === 0) throw ApplicationFailure.nonRetryable(`the audience has no users (${audience.kind === 'window' ? audience.interactionsUri : audience.uri})`, 'EmptyAudience');
      try {
        return await writeBatchInput(store, req.inputUri, users);
      } catch (err) {
        if (err instanceof RangeError) throw ApplicationFailure.nonRetryable(`the audience has a user id Personalize refuses: ${err.message}`, 'InvalidUserId');
        throw err;
      }
    },

    async startRecommendations(req: { pipeline: string; jobName: string; solutionVersionArn: string; inputUri: string; outputPrefix: string; numResults?: number }): Promise<{ jobArn: string }> {
      const rec = settingsOf(req.pipeline).recommendations;
      return batchOf(req.pipeline, portsOf(req.pipeline)).startBatchInference({
        jobName: req.jobName,
        solutionVersionArn: req.solutionVersionArn,
        inputUri: req.inputUri,
        outputPrefix: req.outputPrefix,
        numResults: req.numResults ?? rec?.numResults ?? 25,
        ...(rec?.filterArn && { filterArn: rec.filterArn }),
      });
    },

    async describeRecommendations(req: { pipeline: string; jobArn: string }): Promise<JobObservation & { outputUri?: string }> {
      return batchOf(req.pipeline, portsOf(req.pipeline)).describeBatchInference(req.jobArn);
    },

    async convertRecommendations(req: { pipeline: string; key: string; batchOutputUri: string } & RecommendationsFiles): Promise<BatchOutputCounts> {
      return convertBatchOutput(portsOf(req.pipeline).store, req);
    },
  };
}
