import * as http from 'node:http';
import { mockClient } from 'aws-sdk-client-mock';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ApplicationFailure } from '@temporalio/common';
import { SnsNotifier, WebhookNotifier } from '../../activities/notify';

const note = { pipeline: 'shop', outcome: 'FAILED', reason: 'TRAIN failed: training ended CREATE FAILED: OOM', runDate: '2026-11-23', workflowId: 'retrain-shop', summary: { rows: 12 } };

function receiver(status = 200): Promise<{ url: string; bodies: unknown[]; close: () => void }> {
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      bodies.push(JSON.parse(data));
      res.writeHead(status).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const port = (server.address() as { port: number }).port;
    resolve({ url: `http://127.0.0.1:${port}/hook`, bodies, close: () => server.close() });
  }));
}

test('the webhook receives Slack-compatible JSON with a link to the run', async () => {
  const r = await receiver();
  try {
    await new WebhookNotifier(r.url, { uiBaseUrl: 'http://localhost:8233' }).notify(note);
    expect(r.bodies).toHaveLength(1);
    const body = r.bodies[0] as { text: string; outcome: string; blocks: unknown[] };
    expect(body.outcome).toBe('FAILED');
    expect(body.text).toContain('shop 2026-11-23: FAILED – TRAIN failed');
    expect(body.text).toContain('http://localhost:8233/namespaces/default/workflows/retrain-shop');
    expect(body.blocks.length).toBeGreaterThan(0);
  } finally {
    r.close();
  }
});

test('a webhook answering 500 is retried, 404 is not', async () => {
  for (const [status, retryable] of [[500, true], [404, false]] as const) {
    const r = await receiver(status);
    try {
      const err = await new WebhookNotifier(r.url).notify(note).catch((e: ApplicationFailure) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).nonRetryable).toBe(!retryable);
    } finally {
      r.close();
    }
  }
});

test('SNS gets a short subject and the whole notification', async () => {
  const sns = mockClient(SNSClient);
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  await new SnsNotifier(new SNSClient({ region: 'us-east-1' }), 'arn:aws:sns:us-east-1:123456789012:retrain').notify(note);
  const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
  expect(input.TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:retrain');
  expect(input.Subject!.length).toBeLessThanOrEqual(100);
  expect(JSON.parse(input.Message!)).toMatchObject({ pipeline: 'shop', outcome: 'FAILED' });
});
