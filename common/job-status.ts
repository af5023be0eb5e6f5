/**
 * Every long AWS job reports a free-text status. These pure functions map each job's statuses
 * to one of three states the polling loop understands. Unknown statuses stay pending (a new AWS
 * status must not fail a paid job), but are visible in the run's status query.
 */

export type JobState =
  | { state: 'pending'; status: string }
  | { state: 'succeeded'; status: string }
  | { state: 'failed'; status: string; reason: string };

/** What a describe activity returns: the raw status and, when AWS gives one, the failure reason. */
export interface JobObservation {
  status: string;
  reason?: string;
}

export type JobKind = 'export' | 'query' | 'import' | 'training' | 'deploy';

/** Personalize writes statuses with a space ("CREATE IN_PROGRESS"); some docs use underscores. Accept both. */
export function normalizePersonalizeStatus(status: string): string {
  return status
    .trim()
    .toUpperCase()
    .replace(/\s+/g, ' ')
    .replace(/^(CREATE|DELETE)[ _]/, '$1 ')
    .replace(/IN[ _]PROGRESS$/, 'IN_PROGRESS');
}

function failed(status: string, reason: string | undefined, fallback: string): JobState {
  return { state: 'failed', status, reason: reason && reason.trim() ? reason : fallback };
}

/** Pinpoint CreateExportJob: CREATED … COMPLETED | FAILED (FAILING is on its way to FAILED). */
export function mapExportJobStatus(obs: JobObservation): JobState {
  const s = obs.status.trim().toUpperCase();
  if (s === 'COMPLETED') return { state: 'succeeded', status: s };
  if (s === 'FAILED' || s === 'FAILING') return failed(s, obs.reason, 'the Pinpoint endpoint export failed');
  return { state: 'pending', status: s };
}

/** Athena: QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED. */
export function mapQueryState(obs: JobObservation): JobState {
  const s = obs.status.trim().toUpperCase();
  if (s === 'SUCCEEDED') return { state: 'succeeded', status: s };
  if (s === 'FAILED') return failed(s, obs.reason, 'the interactions query failed');
  if (s === 'CANCELLED') return failed(s, obs.reason, 'the interactions query was cancelled');
  return { state: 'pending', status: s };
}

/** Personalize dataset import job: CREATE PENDING, CREATE IN_PROGRESS, ACTIVE, CREATE FAILED. */
export function mapImportJobStatus(obs: JobObservation): JobState {
  const s = normalizePersonalizeStatus(obs.status);
  if (s === 'ACTIVE') return { state: 'succeeded', status: s };
  if (s === 'CREATE FAILED') return failed(s, obs.reason, 'the dataset import job failed');
  if (s.startsWith('DELETE')) return failed(s, obs.reason, 'the dataset import job is being deleted');
  return { state: 'pending', status: s };
}

/** Personalize solution version: the import statuses plus CREATE STOPPING and CREATE STOPPED. */
export function mapSolutionVersionStatus(obs: JobObservation): JobState {
  const s = normalizePersonalizeStatus(obs.status);
  if (s === 'ACTIVE') return { state: 'succeeded', status: s };
  if (s === 'CREATE FAILED') return failed(s, obs.reason, 'training failed');
  if (s === 'CREATE STOPPED') return failed(s, obs.reason, 'training was stopped');
  // CREATE STOPPING ends in CREATE STOPPED: nothing will become ACTIVE any more.
  if (s === 'CREATE STOPPING') return failed(s, obs.reason, 'training is being stopped');
  return { state: 'pending', status: s };
}

/**
 * A campaign update is done only when `latestCampaignUpdate` is ACTIVE *and* names the version we
 * deployed: `campaign.status` stays ACTIVE during an update, so it says nothing about it.
 *
 * Read right after UpdateCampaign, DescribeCampaign can still show the update before ours (the
 * previous version, ACTIVE). Given `requestedAt` (when we asked), an update naming another version
 * that was created before that is the previous one: ours is not visible yet, so this is pending,
 * not a failure. One created after our request that names another version replaced ours.
 */
export function mapCampaignUpdateStatus(
  obs: JobObservation & { solutionVersionArn?: string; createdAt?: string },
  targetSolutionVersionArn: string,
  requestedAt?: string
): JobState {
  const s = normalizePersonalizeStatus(obs.status);
  if (obs.solutionVersionArn !== undefined && obs.solutionVersionArn !== targetSolutionVersionArn) {
    const before =
      requestedAt !== undefined && (obs.createdAt === undefined || Date.parse(obs.createdAt) < Date.parse(requestedAt));
    if (!before && (s === 'ACTIVE' || s === 'CREATE FAILED')) {
      return failed(s, undefined, `the campaign now serves ${obs.solutionVersionArn}, not ${targetSolutionVersionArn}`);
    }
    // Ours has not been registered yet (or another update is still going).
    return { state: 'pending', status: before ? `${s} (previous update)` : s };
  }
  if (s === 'ACTIVE') return { state: 'succeeded', status: s };
  if (s === 'CREATE FAILED') return failed(s, obs.reason, 'the campaign update failed');
  if (s.startsWith('DELETE')) return failed(s, obs.reason, 'the campaign is being deleted');
  return { state: 'pending', status: s };
}

/** Personalize batch inference job: CREATE PENDING, CREATE IN_PROGRESS, ACTIVE, CREATE FAILED. */
export function mapBatchInferenceJobStatus(obs: JobObservation): JobState {
  const s = normalizePersonalizeStatus(obs.status);
  if (s === 'ACTIVE') return { state: 'succeeded', status: s };
  if (s === 'CREATE FAILED') return failed(s, obs.reason, 'the batch inference job failed');
  if (s === 'CREATE STOPPED' || s === 'CREATE STOPPING') return failed(s, obs.reason, 'the batch inference job was stopped');
  if (s.startsWith('DELETE')) return failed(s, obs.reason, 'the batch inference job is being deleted');
  return { state: 'pending', status: s };
}
