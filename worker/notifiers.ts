/** Config → notifier of a pipeline: webhook and/or SNS, plus a log line always. */
import { SNSClient } from '@aws-sdk/client-sns';
import { combineNotifiers, LogNotifier, SnsNotifier, WebhookNotifier } from '../activities/notify';
import type { Notifier } from '../activities/ports';
import type { PipelineConfig } from '../common/config';

export function buildNotifier(p: PipelineConfig, opts: { uiBaseUrl?: string; namespace?: string } = {}): Notifier | undefined {
  const list: Notifier[] = [new LogNotifier((line, fields) => console.log(JSON.stringify({ msg: line, ...fields })))];
  if (p.notifications.webhookUrl) list.push(new WebhookNotifier(p.notifications.webhookUrl, opts));
  if (p.notifications.snsTopicArn) list.push(new SnsNotifier(new SNSClient({ region: p.personalize?.region }), p.notifications.snsTopicArn));
  return combineNotifiers(list);
}
