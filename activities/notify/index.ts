/**
 * Notifiers: a Slack-compatible webhook, SNS, and a log line. A run's outcome reaches every
 * configured one; a failing notifier fails the notify activity, which Temporal retries.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { ApplicationFailure } from '@temporalio/common';
import type { Notifier, RunNotification } from '../ports';

const ICON: Record<string, string> = { SUCCEEDED: '✅', SKIPPED: '⏭️', REJECTED: '🛑', FAILED: '❌' };

export function notificationText(n: RunNotification): string {
  return `${ICON[n.outcome] ?? ''} personalize-optimizer ${n.pipeline} ${n.runDate}: ${n.outcome} – ${n.reason}`.trim();
}

/** Slack incoming-webhook shape (`text` + blocks); other chat tools accept `text`. */
export class WebhookNotifier implements Notifier {
  constructor(
    private readonly url: string,
    private readonly opts: { uiBaseUrl?: string; namespace?: string; timeoutMs?: number } = {}
  ) {}

  async notify(n: RunNotification): Promise<void> {
    const link = this.opts.uiBaseUrl && n.workflowId ? `${this.opts.uiBaseUrl}/namespaces/${this.opts.namespace ?? 'default'}/workflows/${encodeURIComponent(n.workflowId)}` : undefined;
    const text = notificationText(n) + (link ? ` <${link}|open the run>` : '');
    const body = {
      text,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: '```' + JSON.stringify(n.summary) + '```' }] },
      ],
      pipeline: n.pipeline,
      outcome: n.outcome,
      runDate: n.runDate,
      workflowId: n.workflowId,
    };
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw ApplicationFailure.retryable(`webhook ${new URL(this.url).host} unreachable: ${(err as Error).message}`, 'WebhookUnreachable');
    }
    if (!res.ok) {
      const retry = res.status >= 500 || res.status === 429;
      const message = `webhook ${new URL(this.url).host} answered ${res.status}`;
      throw retry ? ApplicationFailure.retryable(message, 'WebhookError') : ApplicationFailure.nonRetryable(`${message}; check notifications.webhookUrl`, 'WebhookRejected');
    }
  }
}

export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string
  ) {}

  async notify(n: RunNotification): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: `personalize-optimizer ${n.pipeline} ${n.outcome}`.slice(0, 100),
        Message: JSON.stringify({ ...n, text: notificationText(n) }),
      })
    );
  }
}

export class LogNotifier implements Notifier {
  constructor(private readonly log: (line: string, fields: Record<string, unknown>) => void) {}

  async notify(n: RunNotification): Promise<void> {
    this.log(notificationText(n), { pipeline: n.pipeline, outcome: n.outcome, runDate: n.runDate, workflowId: n.workflowId });
  }
}

export function combineNotifiers(list: Notifier[]): Notifier | undefined {
  if (list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  return { notify: async (n) => void (await Promise.all(list.map((x) => x.notify(n)))) };
}
