/** Keeps Temporal Core's own log lines (expected retries, shutdown notices) off an interactive terminal. */
import { DefaultLogger, Runtime } from '@temporalio/worker';

export function quietTemporalRuntime(level: 'WARN' | 'ERROR' = 'ERROR'): void {
  try {
    Runtime.install({
      logger: new DefaultLogger(level),
      telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
    });
  } catch {
    // Already installed in this process.
  }
}
