/**
 * A worker in its own process, for tests that kill it: `tsx worker-process.ts <config> <address>`.
 * MIN_TRAINING_MS makes local training last at least that long.
 */
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../common/config';
import { buildRegistry } from '../../worker/backends';
import { createRetrainWorker } from '../../worker/create-worker';
import { quietTemporalRuntime } from '../../client/runtime';

async function main(): Promise<void> {
  const [configPath, address] = process.argv.slice(2);
  quietTemporalRuntime();
  const config = loadConfig(configPath!);
  const connection = await NativeConnection.connect({ address: address! });
  const registry = buildRegistry(config, { local: { minTrainingMs: Number(process.env.MIN_TRAINING_MS ?? 0), deployMs: 200 } });
  const worker = await createRetrainWorker({ config, connection, registry });
  process.stdout.write('worker ready\n');
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
