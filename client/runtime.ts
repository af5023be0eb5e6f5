/**
 * Keeps Temporal Core's own log lines (expected retries, shutdown notices) off an interactive
 * terminal. The launcher handles SIGINT/SIGTERM itself (worker first, then the server), so it asks
 * the SDK to leave the signals alone.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';

export function quietTemporalRuntime(level: 'WARN' | 'ERROR' = 'ERROR', opts: { handleSignals?: boolean } = {}): void {
  try {
    Runtime.install({
      logger: new DefaultLogger(level),
      telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
      ...(opts.handleSignals === false && { shutdownSignals: [] }),
    });
  } catch {
    // Already installed in this process.
  }
}
