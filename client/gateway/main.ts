/** `npm run gateway -- --config config.yaml [--port 8088]`: the event-ingestion HTTP gateway. */
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../../common/config';
import { connectClient } from '../temporal-client';
import { createGateway, writeKeysOf } from './server';

async function main(): Promise<void> {
  const o = new Command('gateway')
    .description('Accept RudderStack/Segment-style track and identify calls into the durable event log, and hand them to delivery')
    .option('-c, --config <file>', 'config file', process.env.PERSONALIZE_OPTIMIZER_CONFIG ?? 'config/local.yaml')
    .option('-p, --port <port>', 'port', process.env.GATEWAY_PORT ?? '8088')
    .option('--host <host>', 'address to listen on', process.env.GATEWAY_HOST ?? '127.0.0.1')
    .parse()
    .opts<{ config: string; port: string; host: string }>();
  const config = loadConfig(o.config);
  if (writeKeysOf(config).size === 0) throw new ConfigError(o.config, [{ path: 'pipelines[].realtime', message: 'no pipeline has a realtime section with writeKeys' }]);
  const { client, close } = await connectClient(config);
  const gateway = createGateway({
    client,
    config,
    onNotifyError: (pipeline, err) => console.error(`${pipeline}: delivery not told of new segments (the sweep will hand them over): ${(err as Error).message}`),
  });
  await gateway.seed();
  gateway.server.listen(Number(o.port), o.host, () => console.log(`gateway listening on http://${o.host}:${o.port} (POST /v1/track, /v1/identify, /v1/batch)`));
  const stop = () => gateway.server.close(() => void gateway.drain().then(close).then(() => process.exit(0)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
