/**
 * The production worker: `npm run worker -- --config config.yaml` (or PERSONALIZE_OPTIMIZER_CONFIG).
 *
 *  - connection and namespace from @temporalio/envconfig (API key or mTLS), overridable in the config;
 *  - a prebuilt workflow bundle when NODE_ENV=production (see worker/build-bundle.ts);
 *  - structured JSON logs (pino) for the worker, the SDK and Core;
 *  - the SDK's own metrics on a Prometheus endpoint (METRICS_PORT, default 9464) and, on the health
 *    port (HEALTH_PORT, default 9465: not 8080, where the Temporal UI usually is), `/healthz` plus
 *    the run-outcome counters at `/metrics`;
 *  - graceful shutdown on SIGTERM/SIGINT: polling stops, running activities get `shutdownGraceTime`
 *    to finish (nothing is marked failed by a deploy), workflows continue on the next worker.
 */
import { Command } from 'commander';
import pino from 'pino';
import { NativeConnection, Runtime, makeTelemetryFilterString, type LogLevel, type LogMetadata } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../common/config';
import { probeTcp, temporalTarget, TemporalUnreachableError } from '../client/temporal-client';
import { buildRegistry } from './backends';
import { createRetrainWorker } from './create-worker';
import { startHealthServer } from './health';
import { RunMetrics } from './telemetry';
import { toMs } from '../workflows/duration';

async function main(): Promise<void> {
  const opts = new Command('worker')
    .description('Run the personalize-optimizer Temporal worker')
    .option('-c, --config <file>', 'config file', process.env.PERSONALIZE_OPTIMIZER_CONFIG ?? 'config/local.yaml')
    .option('--metrics-port <port>', 'Prometheus port for the SDK metrics (0 = off)', process.env.METRICS_PORT ?? '9464')
    .option('--health-port <port>', 'port of /healthz and the run counters (0 = off)', process.env.HEALTH_PORT ?? '9465')
    .option('--shutdown-grace <duration>', 'time running activities get to finish on shutdown', process.env.SHUTDOWN_GRACE ?? '60s')
    .parse()
    .opts<{ config: string; metricsPort: string; healthPort: string; shutdownGrace: string }>();

  const log = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'personalize-optimizer-worker' } });
  const config = loadConfig(opts.config);
  const target = temporalTarget(config);
  const metricsPort = Number(opts.metricsPort);

  Runtime.install({
    logger: {
      log: (level: LogLevel, message: string, meta?: LogMetadata) => log[level === 'TRACE' ? 'trace' : (level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error')]({ ...meta }, message),
      trace: (m: string, meta?: LogMetadata) => log.trace({ ...meta }, m),
      debug: (m: string, meta?: LogMetadata) => log.debug({ ...meta }, m),
      info: (m: string, meta?: LogMetadata) => log.info({ ...meta }, m),
      warn: (m: string, meta?: LogMetadata) => log.warn({ ...meta }, m),
      error: (m: string, meta?: LogMetadata) => log.error({ ...meta }, m),
    },
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(metricsPort > 0 ? { metrics: { prometheus: { bindAddress: `0.0.0.0:${metricsPort}` } } } : {}),
    },
  });

  const runMetrics = new RunMetrics();
  const registry = buildRegistry(config, { phaseSearchAttribute: process.env.PHASE_SEARCH_ATTRIBUTE === '1' });
  // Fails at once, with the address, when nothing listens there (Core would retry for a while first).
  await probeTcp(target.connectionOptions.address ?? 'localhost:7233');
  const connection = await NativeConnection.connect(target.connectionOptions);
  const worker = await createRetrainWorker({
    config,
    connection,
    namespace: target.namespace,
    registry,
    onRunRecorded: (result) => runMetrics.record(result),
    onNotifyFailed: (pipeline, outcome, err) => {
      runMetrics.notifyFailed(pipeline, outcome);
      log.warn({ pipeline, outcome, err: (err as Error).message ?? String(err) }, 'run notification failed');
    },
    worker: { shutdownGraceTime: toMs(opts.shutdownGrace) },
  });
  const health = Number(opts.healthPort) > 0 ? await startHealthServer(Number(opts.healthPort), () => worker.getState(), runMetrics) : undefined;
  log.info({ address: target.connectionOptions.address, namespace: target.namespace, taskQueue: config.temporal.taskQueue, pipelines: registry.list() }, 'worker started');
  try {
    await worker.run(); // returns after SIGTERM/SIGINT once in-flight work drained
  } finally {
    await health?.close();
    await registry.close();
    await connection.close();
    log.info('worker stopped');
  }
}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError || err instanceof TemporalUnreachableError;
  console.error(known ? (err as Error).message : err);
  process.exit(err instanceof ConfigError ? 2 : err instanceof TemporalUnreachableError ? 6 : 1);
});
