/**
 * Recovery after a crash, per phase, on the real dev server with the embedded backends: the worker
 * is SIGKILLed while an activity of that phase is in flight (or while the training runs, or the dev
 * server is killed during it), a new worker starts at once, and the figure is the time from the kill
 * to the run entering its next phase. Lower is better. RECOVERY_POINTS=EXPORT,DECIDE picks some.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startKillableDevServer } from '../helpers/dev-server-process';
import { KILL_POINTS, prebuiltBundle, runWithFault, scratchDir } from '../e2e/fault-harness';

export async function benchRecovery(report: (name: string, value: number) => void): Promise<void> {
  const dir = scratchDir('recovery');
  const server = await startKillableDevServer(path.join(dir, 'temporal'));
  const wanted = process.env.RECOVERY_POINTS?.split(',');
  try {
    const bundlePath = await prebuiltBundle(dir);
    for (const point of KILL_POINTS.filter((p) => !wanted || wanted.includes(p.name))) {
      const out = await runWithFault({
        server,
        bundlePath,
        point,
        timeoutMs: Number(process.env.RECOVERY_TIMEOUT_MS ?? 600_000),
        log: (l) => process.stderr.write(`# ${l}\n`),
      });
      const name = point.name.toLowerCase().replace(/[^a-z0-9]+/g, '_');
      report(`retrain_recovery_after_kill_s_${name}`, out.recoveryMs / 1000);
      process.stderr.write(`# ${point.name}: ${out.result.outcome}, ${JSON.stringify(out.counts)}\n`);
    }
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
