/**
 * The Temporal server a simulation runs on, started for it on free ports and torn down after: the
 * dev server (real time, as in production) or the time-skipping test server (timers skip ahead).
 */
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NativeConnection } from '@temporalio/worker';
import { resolveCli, resolveTestServer } from '../../infra/temporal/servers';
import { quietTemporalRuntime } from '../runtime';

export type ServerKind = 'dev' | 'time-skipping';

export interface SimulationServer {
  client: Client;
  connection: NativeConnection;
  teardown(): Promise<void>;
}

export async function startSimulationServer(
  kind: ServerKind,
  progress: (line: string) => void
): Promise<SimulationServer> {
  quietTemporalRuntime();
  let env: TestWorkflowEnvironment;
  if (kind === 'dev') {
    const { executable } = await resolveCli({ progress });
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable, log: { format: 'pretty', level: 'error' } },
    });
  } else {
    const { executable } = await resolveTestServer({ progress });
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
  }
  return { client: env.client, connection: env.nativeConnection, teardown: () => env.teardown() };
}
