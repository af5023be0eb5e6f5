/**
 * A worker in its own process, for tests that kill it: `node --import tsx worker-process.ts <config> <address>`.
 * MIN_TRAINING_MS makes local training last at least that long. SLOW_ACTIVITY=<name> with
 * SLOW_ACTIVITY_MS holds that activity before it runs, so a test can kill the worker while it is in flight.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { NativeConnection, type ActivityInboundCallsInterceptor } from '@temporalio/worker';
import type { Context } from '@temporalio/activity';
import { loadConfig } from '../../common/config';
import { buildRegistry } from '../../worker/backends';
import { createRetrainWorker } from '../../worker/create-worker';
import { quietTemporalRuntime } from '../../client/runtime';

function slowActivity(ctx: Context): { inbound: ActivityInboundCallsInterceptor } {
  return {
    inbound: {
      async execute(input, next) {
        if (ctx.info.activityType === process.env.SLOW_ACTIVITY)
          await sleep(Number(process.env.SLOW_ACTIVITY_MS ?? 30_000));
        return next(input);
      },
    },
  };
}

async function main(): Promise<void> {
  const [configPath, address] = process.argv.slice(2);
  quietTemporalRuntime();
  const config = loadConfig(configPath!);
  const connection = await NativeConnection.connect({ address: address! });
  const registry = buildRegistry(config, {
    local: { minTrainingMs: Number(process.env.MIN_TRAINING_MS ?? 0), deployMs: 200 },
  });
  const worker = await createRetrainWorker({
    config,
    connection,
    registry,
    worker: { interceptors: { activity: [slowActivity] } },
  });
  process.stdout.write('worker ready\n');
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
