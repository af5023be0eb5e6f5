/**
 * RetrainWorkflow's activities, grouped by how long a call may take. Every remote activity has a
 * heartbeat timeout of ten seconds (activities heartbeat every two while they run, see activities/heartbeat.ts),
 * so a worker that dies mid-call is noticed and the call retried within seconds; the start-to-close
 * timeout only bounds a call that hangs. Retries start after a second and back off to a minute.
 */
import {
  ActivityCancellationType,
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { RetrainActivities } from '../activities';

const retry: RetryPolicy = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' };

/** One or two AWS control-plane calls (starts, reads, the campaign update, the run record). */
const CALL: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10s',
  scheduleToCloseTimeout: '30 minutes',
  retry,
};
export const calls = proxyActivities<RetrainActivities>(CALL);

/**
 * Look-ups that may list and describe several solution versions. startSolutionVersion waits for a
 * cancel to be confirmed, so the cleanup knows whether the start created a version.
 */
const LOOKUP: ActivityOptions = { ...CALL, startToCloseTimeout: '5 minutes' };
export const lookups = proxyActivities<RetrainActivities>(LOOKUP);
export const trainingStart = proxyActivities<RetrainActivities>({
  ...LOOKUP,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** Reading and rewriting the interactions file takes as long as the file is big; its heartbeats carry the rows read. */
export const files = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '10s',
  retry: { ...retry, maximumAttempts: 5 },
});

/** Status checks run as local activities: one history event per check instead of three. */
export const checks = proxyLocalActivities<RetrainActivities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Notifications are best effort: a few tries within ten minutes, then the run goes on without. */
export const notifications = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10s',
  scheduleToCloseTimeout: '10 minutes',
  retry: { ...retry, maximumAttempts: 5 },
});
