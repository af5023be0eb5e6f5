/**
 * Notifiers: a Slack-compatible webhook, SNS, and a log line. A run's outcome reaches every
 * configured one; if any fails, the notify activity fails and Temporal retries it.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Notifier, RunNotification } from '../ports';

export { LogNotifier, type LogLine } from './log';
export { notificationText, runLink, type RunLinkOptions } from './message';
export { SnsNotifier, snsSubject } from './sns';
export { slackMessage, WebhookNotifier, type SlackMessage, type WebhookNotifierOptions } from './webhook';

/**
 * One notifier that calls all of `list`. Every notifier is tried even when another fails; the
 * failures are then reported together, retryable unless every one of them is not.
 */
export function combineNotifiers(list: Notifier[]): Notifier | undefined {
  if (list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  return {
    async notify(n: RunNotification): Promise<void> {
      const results = await Promise.allSettled(list.map((x) => x.notify(n)));
      const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      if (errors.length === 0) return;
      if (errors.length === 1) throw errors[0];
      const message = `${errors.length} of ${list.length} notifiers failed: ${errors.map((e) => (e as Error).message ?? String(e)).join(' | ')}`;
      const allFinal = errors.every((e) => e instanceof ApplicationFailure && e.nonRetryable);
      throw ApplicationFailure.create({ message, type: 'NotifyFailed', nonRetryable: allFinal });
    },
  };
}
