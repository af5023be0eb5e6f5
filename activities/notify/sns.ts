/** Run notifications to an SNS topic: a short subject for e-mail subscribers, the whole notification as JSON. */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { withAwsErrors } from '../aws/errors';
import type { Notifier, RunNotification } from '../ports';
import { notificationText, runLink, type RunLinkOptions } from './message';

/** SNS subjects: printable ASCII, no line breaks, at most 100 characters. */
export function snsSubject(n: RunNotification): string {
  return `personalize-optimizer ${n.pipeline} ${n.runDate} ${n.outcome}`
    .replace(/[^\x20-\x7E]/g, '?')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 100);
}

export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    private readonly opts: RunLinkOptions = {}
  ) {}

  async notify(n: RunNotification): Promise<void> {
    const link = runLink(n, this.opts);
    const message = { ...n, text: notificationText(n), ...(link ? { link } : {}) };
    await withAwsErrors('sns:Publish', this.topicArn, () =>
      this.sns.send(
        new PublishCommand({ TopicArn: this.topicArn, Subject: snsSubject(n), Message: JSON.stringify(message) })
      )
    );
  }
}
