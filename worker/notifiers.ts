/** Config → notifier of a pipeline: webhook and/or SNS, plus a log line always. */
import { SNSClient } from '@aws-sdk/client-sns';
import { combineNotifiers, LogNotifier, SnsNotifier, WebhookNotifier, type LogLine } from '../activities/notify';
import type { Notifier } from '../activities/ports';
import type { PipelineConfig } from '../common/config';

/** The default log line: one JSON object on stdout, like the worker's other logs. */
const jsonLine: LogLine = (line, fields) => console.log(JSON.stringify({ msg: line, ...fields }));

export function buildNotifier(p: PipelineConfig, opts: { uiBaseUrl?: string; namespace?: string; log?: LogLine } = {}): Notifier | undefined {
  const list: Notifier[] = [new LogNotifier(opts.log ?? jsonLine)];
  if (p.notifications.webhookUrl) list.push(new WebhookNotifier(p.notifications.webhookUrl, opts));
  if (p.notifications.snsTopicArn) list.push(new SnsNotifier(new SNSClient({ region: p.personalize?.region }), p.notifications.snsTopicArn));
  return combineNotifiers(list);
}
