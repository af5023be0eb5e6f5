/**
 * A Slack-compatible incoming webhook (`{ text, blocks }`); Teams, Mattermost, Discord's Slack
 * endpoint and most chat tools read `text`. Any non-2xx answer or network failure is retryable:
 * the notify activity's schedule-to-close timeout bounds the retries.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Notifier, RunNotification } from '../ports';
import { notificationText, runLink, truncate, type RunLinkOptions } from './message';

export interface WebhookNotifierOptions extends RunLinkOptions {
  timeoutMs?: number;
}

interface SlackText {
  type: 'mrkdwn' | 'plain_text';
  text: string;
}
type SlackBlock =
  { type: 'section'; text?: SlackText; fields?: SlackText[] } | { type: 'context'; elements: SlackText[] };

/**
 * Slack reads `text` and `blocks` and ignores other keys; the plain fields beside them serve
 * receivers that route on the outcome rather than display it.
 */
export interface SlackMessage {
  text: string;
  blocks?: SlackBlock[];
  pipeline: string;
  outcome: string;
  reason: string;
  runDate: string;
  workflowId?: string;
  link?: string;
}

/** Slack's limits: 2,000 characters per section field, 3,000 per section or context text. */
const FIELD_MAX = 2000;
const TEXT_MAX = 3000;

/** Slack mrkdwn treats &, < and > as control characters. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function field(label: string, value: string): SlackText {
  return { type: 'mrkdwn', text: truncate(`*${label}*\n${escapeMrkdwn(value)}`, FIELD_MAX) };
}

/** The message posted for a run: the text line for notifications, blocks for the channel. */
export function slackMessage(n: RunNotification, opts: RunLinkOptions = {}): SlackMessage {
  const link = runLink(n, opts);
  const blocks: SlackBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(notificationText(n)), TEXT_MAX) } },
    {
      type: 'section',
      fields: [
        field('Pipeline', n.pipeline),
        field('Outcome', n.outcome),
        field('Run date', n.runDate),
        field('Reason', n.reason),
      ],
    },
  ];
  if (link) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `<${link}|Open the run in Temporal>` } });
  if (Object.keys(n.summary).length > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncate('```' + JSON.stringify(n.summary) + '```', TEXT_MAX) }],
    });
  }
  return {
    text: notificationText(n) + (link ? ` <${link}|open the run>` : ''),
    blocks,
    pipeline: n.pipeline,
    outcome: n.outcome,
    reason: n.reason,
    runDate: n.runDate,
    ...(n.workflowId ? { workflowId: n.workflowId } : {}),
    ...(link ? { link } : {}),
  };
}

export class WebhookNotifier implements Notifier {
  constructor(
    private readonly url: string,
    private readonly opts: WebhookNotifierOptions = {}
  ) {}

  /** The host only: webhook URLs carry their secret in the path. */
  private get host(): string {
    return new URL(this.url).host;
  }

  async notify(n: RunNotification): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(slackMessage(n, this.opts)),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw ApplicationFailure.retryable(
        `webhook ${this.host} unreachable: ${(err as Error).message}`,
        'WebhookUnreachable'
      );
    }
    const answer = truncate((await res.text().catch(() => '')).trim(), 200);
    if (!res.ok) {
      throw ApplicationFailure.retryable(
        `webhook ${this.host} answered ${res.status}${answer ? `: ${answer}` : ''}; check notifications.webhookUrl if this persists`,
        'WebhookError'
      );
    }
  }
}
