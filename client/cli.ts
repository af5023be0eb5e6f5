/**
 * The command-line client: `npm run cli -- <command>` (or `tsx client/cli.ts`).
 *
 * Exit codes, for scripts: 0 ok · 1 the run failed or was rejected · 2 usage or config error ·
 * 3 conflict (a run of that pipeline is already going) · 4 not found · 5 the run was cancelled.
 */
import { Command, CommanderError, Option } from 'commander';
import { ScheduleNotFoundError, WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { ConfigError, loadConfig, type Config, type PipelineConfig } from '../common/config';
import type { RetrainInput, RetrainResult } from '../common/types';
import { retrainScheduleId, RETRAIN_WORKFLOW_TYPE, statusQuery } from '../workflows/defs';
import { isValidRunDate } from '../workflows/plan';
import { buildRegistry } from '../worker/backends';
import { describeProgress, findCurrentRun, findRunningRun, findWaitingRuns, followRun, listPipelineRuns, RunConflictError, startRun } from './run';
import { liveLine } from './live-line';
import type { RetrainWorkflow } from '../workflows';
import { applySchedule, describeCalendar, overlapPolicy } from './schedules';
import { formatMs } from '../workflows/duration';
import { connectClient } from './temporal-client';
import { formatSummary } from './summary';

export const EXIT = { ok: 0, runFailed: 1, usage: 2, conflict: 3, notFound: 4, cancelled: 5 } as const;

class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number
  ) {
    super(message);
  }
}

const out = (line = '') => process.stdout.write(`${line}\n`);

interface Global {
  config: string;
}

function pipelineOf(config: Config, name: string | undefined): PipelineConfig {
  if (!name && config.pipelines.length === 1) return config.pipelines[0]!;
  const p = config.pipelines.find((x) => x.name === name);
  if (!p) throw new ExitError(`unknown pipeline "${name ?? ''}"; the config has: ${config.pipelines.map((x) => x.name).join(', ')}`, EXIT.usage);
  return p;
}

async function withClient<T>(config: Config, fn: (client: Client) => Promise<T>): Promise<T> {
  const { client, close } = await connectClient(config);
  try {
    return await fn(client);
  } finally {
    await close();
  }
}

function runDateArg(v: string): string {
  if (!isValidRunDate(v)) throw new ExitError(`--run-date must be YYYY-MM-DD, got "${v}"`, EXIT.usage);
  return v;
}

function lookbackArg(v: string): number | null {
  if (v === 'all') return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ExitError(`--lookback must be a whole number of days or "all", got "${v}"`, EXIT.usage);
  return n;
}

function resultCode(r: RetrainResult): number {
  if (r.outcome === 'CANCELLED') return EXIT.cancelled;
  return r.outcome === 'FAILED' || r.outcome === 'REJECTED' ? EXIT.runFailed : EXIT.ok;
}

/** A run that ended Cancelled carries no result; its record (and memo) say CANCELLED. */
function wasCancelled(err: unknown): boolean {
  return err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure;
}

function failureResult(err: unknown): RetrainResult | undefined {
  if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
    return err.cause.details?.[0] as RetrainResult | undefined;
  }
  return undefined;
}

/** The run a command is about: the given id, else the pipeline's current (or latest) run. */
async function runHandle(
  client: Client,
  config: Config,
  workflowId: string | undefined,
  pipeline: string | undefined,
  opts: { runningOnly?: boolean } = {}
): Promise<WorkflowHandle<typeof RetrainWorkflow>> {
  if (workflowId) return client.workflow.getHandle(workflowId);
  const name = pipelineOf(config, pipeline).name;
  const run = opts.runningOnly ? await findRunningRun(client, name).then((id) => id && { workflowId: id }) : await findCurrentRun(client, name);
  if (!run) throw new ExitError(`pipeline "${name}" has ${opts.runningOnly ? 'no run going' : 'no runs yet'}`, EXIT.notFound);
  return client.workflow.getHandle(run.workflowId);
}

/** Follows a run with a live line, prints its summary, and returns the exit code its outcome means. */
async function followAndReport(handle: WorkflowHandle<typeof RetrainWorkflow>): Promise<number> {
  const line = liveLine();
  let result: RetrainResult | undefined;
  let error: unknown;
  try {
    result = await followRun(handle, line.change, 500, line.tick);
  } catch (err) {
    error = err;
    result = failureResult(err);
  } finally {
    line.end();
  }
  if (result) {
    formatSummary(result).forEach((l) => out(l));
    return resultCode(result);
  }
  if (wasCancelled(error)) {
    out(`run cancelled (${(await handle.describe().then((d) => (d.memo as { reason?: string } | undefined)?.reason).catch(() => undefined)) ?? 'no reason recorded'})`);
    return EXIT.cancelled;
  }
  out(`run ended without a result: ${(error as Error).message}`);
  return EXIT.runFailed;
}

export function buildProgram(): Command {
  const program = new Command('personalize-optimizer')
    .description('Operate the Personalize retraining loop: runs, schedules, recommendations')
    .option('-c, --config <file>', 'config file (env PERSONALIZE_OPTIMIZER_CONFIG)', process.env.PERSONALIZE_OPTIMIZER_CONFIG ?? 'config/local.yaml')
    .showHelpAfterError()
    .exitOverride();
  const cfg = () => loadConfig((program.opts() as Global).config);

  program
    .command('run')
    .description('start an ad hoc run now (one run per pipeline at a time) and follow it')
    .argument('[pipeline]', 'pipeline name (optional with a single pipeline)')
    .option('--run-date <date>', 'logical date YYYY-MM-DD: the last day of events to include', runDateArg)
    .option('--lookback <days>', 'days of events, or "all"', lookbackArg)
    .option('--force', 'train even when nothing is newer than the last trained run', false)
    .option('--dry-run', 'query and decide only; start no paid job', false)
    .option('--rerun <suffix>', 'suffix that separates this run’s job names from an earlier run of the same date')
    .option('--no-wait', 'start and return the workflow id')
    .action(async (name: string | undefined, o: { runDate?: string; lookback?: number | null; force: boolean; dryRun: boolean; rerun?: string; wait: boolean }) => {
      const config = cfg();
      const p = pipelineOf(config, name);
      const input: RetrainInput = { pipeline: p.name, runDate: o.runDate, force: o.force, dryRun: o.dryRun, rerun: o.rerun };
      if (o.lookback !== undefined) input.lookbackDays = o.lookback;
      await withClient(config, async (client) => {
        const handle = await startRun(client, input, config.temporal.taskQueue);
        out(`started ${handle.workflowId}`);
        if (!o.wait) return;
        process.exitCode = await followAndReport(handle);
      });
    });

  const statusAction = (follow: boolean) => async (workflowId: string | undefined, o: { pipeline?: string }) => {
    const config = cfg();
    await withClient(config, async (client) => {
      const handle = await runHandle(client, config, workflowId, o.pipeline);
      const d = await handle.describe();
      if (d.status.name === 'RUNNING') {
        if (follow) {
          out(`${handle.workflowId}:`);
          process.exitCode = await followAndReport(handle);
          return;
        }
        const s = await handle.query(statusQuery);
        out(`${handle.workflowId}: ${describeProgress(s)}`);
        out(`  run date ${s.runDate}, run key ${s.runKey}`);
        for (const [k, v] of Object.entries(s.jobs)) if (v) out(`  ${k.padEnd(27)} ${String(v)}`);
        if (!workflowId) {
          for (const w of await findWaitingRuns(client, s.pipeline)) out(`${w.workflowId}: ${describeProgress(w.progress)} (scheduled run for ${w.progress.runDate}, waits for the pipeline's lock)`);
        }
        return;
      }
      out(`${handle.workflowId}: ${d.status.name}`);
      if (d.status.name === 'CANCELLED') {
        out(`  ${(d.memo as { reason?: string } | undefined)?.reason ?? 'cancelled'}`);
        process.exitCode = EXIT.cancelled;
        return;
      }
      const r = await handle.result().catch((err: unknown) => failureResult(err));
      if (r) {
        formatSummary(r).forEach((l) => out(`  ${l}`));
        process.exitCode = resultCode(r);
      }
    });
  };
  const pipelineOption = () => new Option('-p, --pipeline <name>', 'pipeline whose current (or latest) run is meant, when no workflow id is given');
  program
    .command('status')
    .description('phase, job ids and last status of a run (default: the current or latest run of the pipeline)')
    .argument('[workflowId]')
    .addOption(pipelineOption())
    .action(statusAction(false));
  program
    .command('watch')
    .description('follow a run live until it ends (default: the current or latest run of the pipeline)')
    .argument('[workflowId]')
    .addOption(pipelineOption())
    .action(statusAction(true));

  program
    .command('runs')
    .description('recent runs and their results, newest first')
    .addOption(new Option('-p, --pipeline <name>', 'only this pipeline'))
    .option('-n, --limit <n>', 'how many', (v) => Number(v), 10)
    .action(async (o: { pipeline?: string; limit: number }) => {
      const config = cfg();
      if (o.pipeline) pipelineOf(config, o.pipeline);
      await withClient(config, async (client) => {
        const list = o.pipeline ? listPipelineRuns(client, o.pipeline) : client.workflow.list({ query: `WorkflowType = '${RETRAIN_WORKFLOW_TYPE}'` });
        let n = 0;
        for await (const wf of list) {
          if (n++ >= o.limit) break;
          const memo = (wf.memo ?? {}) as { pipeline?: string; runDate?: string };
          let summary = memo.runDate ? `run date ${memo.runDate}` : '';
          if (wf.status.name === 'COMPLETED' || wf.status.name === 'FAILED') {
            const r = await client.workflow
              .getHandle(wf.workflowId, wf.runId)
              .result()
              .then((x) => x as RetrainResult, failureResult);
            if (r) summary = `${r.outcome} ${r.runDate} – ${r.reason}`;
          }
          out(`${wf.startTime.toISOString()}  ${wf.status.name.padEnd(10)} ${wf.workflowId}  ${summary}`);
        }
        if (n === 0) out('no runs yet');
      });
    });

  program
    .command('cancel')
    .description('cancel a run (a training in progress is stopped, the campaign left alone)')
    .argument('[workflowId]')
    .addOption(pipelineOption())
    .action(async (workflowId: string | undefined, o: { pipeline?: string }) => {
      const config = cfg();
      await withClient(config, async (client) => {
        const handle = await runHandle(client, config, workflowId, o.pipeline, { runningOnly: true });
        await handle.cancel();
        out(`cancellation requested for ${handle.workflowId}`);
      });
    });

  program
    .command('recommend')
    .description("ask a local pipeline's campaign for a user's recommendations")
    .requiredOption('-u, --user <id>', 'user id')
    .option('-p, --pipeline <name>', 'pipeline')
    .option('-n, --num <n>', 'how many items', (v) => Number(v), 10)
    .action(async (o: { user: string; pipeline?: string; num: number }) => {
      const config = cfg();
      const p = pipelineOf(config, o.pipeline);
      const registry = buildRegistry(config);
      const recommender = registry.localRecommender(p.name);
      if (!recommender) throw new ExitError(`pipeline ${p.name} runs on AWS: ask its Personalize campaign (GetRecommendations) instead`, EXIT.usage);
      const r = await recommender.recommend(registry.settings(p.name)!.campaignArn, o.user, o.num);
      out(`${o.user} (served by ${r.solutionVersionArn}):`);
      r.itemList.forEach((i, k) => out(`  ${String(k + 1).padStart(2)}. ${i.itemId}  ${i.score.toFixed(4)}`));
    });

  const schedule = program.command('schedule').description('the daily schedule of each pipeline');
  schedule
    .command('apply')
    .description('create the schedules, or update them in place to match the config')
    .action(async () => {
      const config = cfg();
      await withClient(config, async (client) => {
        for (const p of config.pipelines) out(`${retrainScheduleId(p.name)}: ${await applySchedule(client, p, config.temporal.taskQueue)}`);
      });
    });
  schedule
    .command('describe')
    .argument('[pipeline]')
    .action(async (name: string | undefined) => {
      const config = cfg();
      const p = pipelineOf(config, name);
      await withClient(config, async (client) => {
        const d = await client.schedule.getHandle(retrainScheduleId(p.name)).describe();
        out(`${d.scheduleId}: ${d.state.paused ? `PAUSED (${d.state.note ?? ''})` : 'active'}`);
        const when = [...(d.spec.calendars ?? []).map(describeCalendar), ...(d.spec.intervals ?? []).map((i) => `every ${formatMs(i.every)}`)];
        out(`  calendar   ${when.join('; ') || 'none'} ${d.spec.timezone ?? 'UTC'}${d.spec.jitter ? `, jitter ${formatMs(d.spec.jitter)}` : ''}`);
        out(`  overlap    ${d.policies.overlap}   catch-up window ${formatMs(d.policies.catchupWindow)}`);
        out(`  next runs  ${d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()).join(', ')}`);
        out(`  recent     ${d.info.recentActions.map((a) => `${a.scheduledAt.toISOString()}→${a.action.workflow.workflowId}`).join(', ') || 'none'}`);
        out(`  skipped    ${d.info.numActionsSkippedOverlap} (overlap), missed ${d.info.numActionsMissedCatchupWindow} (catch-up window)`);
      });
    });
  for (const verb of ['pause', 'unpause'] as const) {
    schedule
      .command(verb)
      .argument('[pipeline]')
      .option('--note <text>', 'why', `${verb}d from the command line`)
      .action(async (name: string | undefined, o: { note: string }) => {
        const config = cfg();
        const p = pipelineOf(config, name);
        await withClient(config, async (client) => {
          const h = client.schedule.getHandle(retrainScheduleId(p.name));
          await (verb === 'pause' ? h.pause(o.note) : h.unpause(o.note));
          out(`${retrainScheduleId(p.name)} ${verb}d`);
        });
      });
  }
  schedule
    .command('trigger')
    .description('start the scheduled action now')
    .argument('[pipeline]')
    .addOption(new Option('--overlap <policy>', 'what to do if a run is going').choices(['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL']).default('SKIP'))
    .action(async (name: string | undefined, o: { overlap: string }) => {
      const config = cfg();
      const p = pipelineOf(config, name);
      await withClient(config, async (client) => {
        // Always explicit: the SDK's bare trigger() means ALLOW_ALL.
        await client.schedule.getHandle(retrainScheduleId(p.name)).trigger(overlapPolicy(o.overlap));
        out(`${retrainScheduleId(p.name)} triggered (overlap ${o.overlap})`);
      });
    });
  schedule
    .command('backfill')
    .description('run the schedule for past dates, each run with its own logical date')
    .argument('[pipeline]')
    .requiredOption('--from <date>', 'first run date YYYY-MM-DD', runDateArg)
    .requiredOption('--to <date>', 'last run date YYYY-MM-DD', runDateArg)
    .addOption(new Option('--overlap <policy>').choices(['BUFFER_ALL', 'BUFFER_ONE', 'SKIP', 'ALLOW_ALL']).default('BUFFER_ALL'))
    .action(async (name: string | undefined, o: { from: string; to: string; overlap: string }) => {
      const config = cfg();
      const p = pipelineOf(config, name);
      if (o.from > o.to) throw new ExitError('--from must not be after --to', EXIT.usage);
      // A run's date is the day before its scheduled time: cover the scheduled times of [from+1, to+1].
      const at = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000);
      const start = at(o.from);
      const end = new Date(at(o.to).getTime() + 86_400_000 - 1);
      await withClient(config, async (client) => {
        await client.schedule.getHandle(retrainScheduleId(p.name)).backfill({ start, end, overlap: overlapPolicy(o.overlap) });
        out(`${retrainScheduleId(p.name)}: backfill of run dates ${o.from} … ${o.to} requested (overlap ${o.overlap})`);
      });
    });
  schedule
    .command('delete')
    .argument('[pipeline]')
    .action(async (name: string | undefined) => {
      const config = cfg();
      const p = pipelineOf(config, name);
      await withClient(config, async (client) => {
        await client.schedule.getHandle(retrainScheduleId(p.name)).delete();
        out(`${retrainScheduleId(p.name)} deleted`);
      });
    });
  return program;
}

export async function main(argv = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof ConfigError) {
      console.error(err.message);
      return EXIT.usage;
    }
    if (err instanceof ExitError) {
      console.error(err.message);
      return err.code;
    }
    if (err instanceof RunConflictError) {
      console.error(err.message);
      return EXIT.conflict;
    }
    if (err instanceof WorkflowNotFoundError || err instanceof ScheduleNotFoundError) {
      console.error(err.message);
      return EXIT.notFound;
    }
    console.error((err as Error).message ?? err);
    return EXIT.runFailed;
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
