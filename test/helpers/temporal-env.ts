/**
 * Real Temporal servers for tests, obtained by infra/temporal/servers.ts. When a binary cannot be
 * obtained the suite fails with the fix, never skips.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { defineSearchAttributeKey } from '@temporalio/common';
import { resolveCli, resolveTestServer } from '../../infra/temporal/servers';

let runtimeInstalled = false;

/** Keep Core's own WARN lines (e.g. expected activity failures) out of the test output. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // Already installed by another suite in this process.
  }
}

const progress = (line: string) => process.stderr.write(`[temporal] ${line}\n`);

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const { executable } = await resolveTestServer({ progress });
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
}

export const RETRAIN_PHASE_KEY = defineSearchAttributeKey('RetrainPhase', 'KEYWORD');
export const RETRAIN_PIPELINE_KEY = defineSearchAttributeKey('RetrainPipeline', 'KEYWORD');

export async function createDevServerEnv(opts: { dbFilename?: string } = {}): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const { executable } = await resolveCli({ progress });
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable,
      dbFilename: opts.dbFilename,
      searchAttributes: [RETRAIN_PHASE_KEY, RETRAIN_PIPELINE_KEY],
      log: { format: 'pretty', level: 'error' },
    },
  });
}
