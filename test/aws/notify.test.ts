import * as http from 'node:http';
import { mockClient } from 'aws-sdk-client-mock';
import { AuthorizationErrorException, PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { ApplicationFailure } from '@temporalio/common';
import {
  combineNotifiers,
  LogNotifier,
  SnsNotifier,
  WebhookNotifier,
  snsSubject,
  type SlackMessage,
} from '../../activities/notify';
import type { Notifier, RunNotification } from '../../activities/ports';
import { failure } from '../helpers/failures';

const note: RunNotification = {
  pipeline: 'shop',
  outcome: 'FAILED',
  reason: 'TRAIN failed: training ended CREATE FAILED: <OOM> & more',
  runDate: '2026-11-23',
  workflowId: 'retrain-shop/2026-11-23',
  summary: { rows: 12 },
};
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:retrain';

interface Received {
  method: string;
  contentType: string | undefined;
  body: unknown;
}

/** A webhook receiver on loopback answering every POST with `status`. */
async function receiver(status = 200): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method!, contentType: req.headers['content-type'], body: JSON.parse(data) });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'invalid_token');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/services/T/B/secret`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}


describe('WebhookNotifier', () => {
  test('POSTs Slack-compatible JSON: text, and blocks with pipeline, outcome, reason, run date and link', async () => {
    const r = await receiver();
    try {
      await new WebhookNotifier(r.url, { uiBaseUrl: 'http://localhost:8233/', namespace: 'prod' }).notify(note);
      expect(r.received).toHaveLength(1);
      const { method, contentType, body } = r.received[0]!;
      expect(method).toBe('POST');
      expect(contentType).toBe('application/json');
      const msg = body as SlackMessage;
      const link = 'http://localhost:8233/namespaces/prod/workflows/retrain-shop%2F2026-11-23';
      expect(msg).toMatchObject({
        pipeline: 'shop',
        outcome: 'FAILED',
        reason: note.reason,
        runDate: '2026-11-23',
        workflowId: note.workflowId,
        link,
      });
      expect(msg.text).toContain('shop 2026-11-23: FAILED – TRAIN failed');
      expect(msg.text).toContain(`<${link}|open the run>`);
      const blocks = JSON.stringify(msg.blocks);
      expect(blocks).toContain('*Pipeline*\\nshop');
      expect(blocks).toContain('*Outcome*\\nFAILED');
      expect(blocks).toContain('*Run date*\\n2026-11-23');
      // Slack control characters in the reason are escaped.
      expect(blocks).toContain('*Reason*\\nTRAIN failed: training ended CREATE FAILED: &lt;OOM&gt; &amp; more');
      expect(blocks).toContain(`<${link}|Open the run in Temporal>`);
      expect(blocks).toContain('{\\"rows\\":12}');
    } finally {
      await r.close();
    }
  });

  test('without a UI base URL there is no link', async () => {
    const r = await receiver();
    try {
      await new WebhookNotifier(r.url).notify(note);
      expect(JSON.stringify(r.received[0]!.body)).not.toContain('/workflows/');
    } finally {
      await r.close();
    }
  });

  test.each([500, 429, 404, 403])(
    'an answer %s is a retryable failure naming the host, never the secret path',
    async (status) => {
      const r = await receiver(status);
      try {
        const f = await failure(new WebhookNotifier(r.url).notify(note));
        expect(f.nonRetryable).toBe(false);
        expect(f.message).toContain(`answered ${status}: invalid_token`);
        expect(f.message).toContain(new URL(r.url).host);
        expect(f.message).not.toContain('secret');
      } finally {
        await r.close();
      }
    }
  );

  test('an unreachable webhook is retryable', async () => {
    const r = await receiver();
    await r.close();
    const f = await failure(new WebhookNotifier(r.url, { timeoutMs: 2000 }).notify(note));
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe('WebhookUnreachable');
  });
});

describe('SnsNotifier', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());

  test('publishes a short subject and the whole notification as JSON', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await new SnsNotifier(new SNSClient({ region: 'us-east-1' }), TOPIC, { uiBaseUrl: 'http://localhost:8233' }).notify(
      note
    );
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(Object.keys(input).sort()).toEqual(['Message', 'Subject', 'TopicArn']);
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Subject).toBe('personalize-optimizer shop 2026-11-23 FAILED');
    expect(JSON.parse(input.Message!)).toEqual({
      ...note,
      text: expect.stringContaining('FAILED – TRAIN failed'),
      link: 'http://localhost:8233/namespaces/default/workflows/retrain-shop%2F2026-11-23',
    });
  });

  test('subjects stay printable ASCII within 100 characters', () => {
    const s = snsSubject({ ...note, pipeline: 'ünïcode\npipeline-' + 'x'.repeat(200) });
    expect(s.length).toBeLessThanOrEqual(100);
    expect(s).toMatch(/^[\x20-\x7E]+$/);
  });

  test('throttling is retryable; a denied publish is not and names sns:Publish on the topic', async () => {
    sns
      .on(PublishCommand)
      .rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }));
    const t = await failure(new SnsNotifier(new SNSClient({ region: 'us-east-1' }), TOPIC).notify(note));
    expect(t.nonRetryable).toBe(false);
    sns
      .on(PublishCommand)
      .rejects(new AuthorizationErrorException({ message: 'not authorized', $metadata: { httpStatusCode: 403 } }));
    const d = await failure(new SnsNotifier(new SNSClient({ region: 'us-east-1' }), TOPIC).notify(note));
    expect(d.nonRetryable).toBe(true);
    expect(d.message).toContain(`the worker's role needs sns:Publish on ${TOPIC}`);
  });
});

test('LogNotifier writes one line with structured fields', async () => {
  const lines: Array<[string, Record<string, unknown>]> = [];
  await new LogNotifier((line, fields) => lines.push([line, fields])).notify(note);
  expect(lines).toEqual([
    [
      expect.stringContaining('shop 2026-11-23: FAILED – TRAIN failed'),
      {
        pipeline: 'shop',
        outcome: 'FAILED',
        reason: note.reason,
        runDate: '2026-11-23',
        workflowId: 'retrain-shop/2026-11-23',
      },
    ],
  ]);
});

describe('combineNotifiers', () => {
  const ok = (seen: string[], name: string): Notifier => ({
    notify: async (n) => void seen.push(`${name}:${n.pipeline}`),
  });
  const failing = (f: ApplicationFailure): Notifier => ({ notify: async () => Promise.reject(f) });

  test('none → undefined; one → itself; several → all of them', async () => {
    expect(combineNotifiers([])).toBeUndefined();
    const seen: string[] = [];
    const single = ok(seen, 'a');
    expect(combineNotifiers([single])).toBe(single);
    await combineNotifiers([ok(seen, 'b'), ok(seen, 'c')])!.notify(note);
    expect(seen.sort()).toEqual(['b:shop', 'c:shop']);
  });

  test('one failing notifier does not stop the others; its failure is rethrown', async () => {
    const seen: string[] = [];
    const boom = ApplicationFailure.retryable('webhook down', 'WebhookError');
    await expect(combineNotifiers([failing(boom), ok(seen, 'log')])!.notify(note)).rejects.toBe(boom);
    expect(seen).toEqual(['log:shop']);
  });

  test('several failures are reported together, retryable unless all are final', async () => {
    const final = ApplicationFailure.nonRetryable('denied', 'AccessDenied');
    const transient = ApplicationFailure.retryable('down', 'WebhookError');
    const mixed = await failure(combineNotifiers([failing(final), failing(transient)])!.notify(note));
    expect(mixed.message).toBe('2 of 2 notifiers failed: denied | down');
    expect(mixed.nonRetryable).toBe(false);
    const allFinal = await failure(combineNotifiers([failing(final), failing(final)])!.notify(note));
    expect(allFinal.nonRetryable).toBe(true);
  });
});
