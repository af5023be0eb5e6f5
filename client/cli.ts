/**
 * The command-line client: `npx personalize-optimizer <command>` (or `npm run cli -- <command>`).
 *
 * Exit codes, for scripts (client/exit-codes.ts): 0 ok · 1 the run failed or was rejected (or
 * another error) · 2 usage or config error · 3 conflict (a run of that pipeline is already going)
 * · 4 not found · 5 the run was cancelled · 6 cannot reach Temporal · 7 preflight found problems.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { ScheduleNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { loadConfig, type Config, type PipelineConfig } from '../common/config';
import type { RetrainInput, RetrainResult } from '../common/types';
import { realtimeSweepScheduleId, retrainScheduleId, RETRAIN_WORKFLOW_TYPE, statusQuery } from '../workflows/defs';
import { applyRealtimeSweepSchedule } from './realtime-schedule';
import { replayDeadLetters } from './realtime-replay';
import { assessFreshness, formatAge } from '../workflows/freshness';
import { buildRegistry } from '../worker/backends';
import { readFreshnessFacts } from '../activities/freshness';
import { readRunRecords, runsPrefix } from '../activities/run-records';
import { describeProgress, findCurrentRun, findRunningRun, findWaitingRuns, followRun, listPipelineRuns, startRun } from './run';
import { liveLine } from './live-line';
import type { RetrainWorkflow } from '../workflows';
import {
  applySchedule,
  applyStalenessSchedule,
  describeCalendar,
  ensureForcedSchedule,
  forcedScheduleId,
  overlapPolicy,
  stalenessScheduleId,
} from './schedules';
import { formatMs } from '../workflows/duration';
import { connectClient } from './temporal-client';
import { formatRunEnd, realtimeLine, type SummaryOptions } from './summary';
import { exitCodeOf, failureResult, runEndOf, type RunEnd } from './run-end';
import { EXIT, ExitError, exitFor } from './exit-codes';
import { resolveRunDate } from './dates';
import { renderRunReport, runHistory } from './run-report';
import { recommendBatch } from './recommend';
import { plural } from './text';
import { registerPreflight, runPreflight } from './preflight/command';
import { pipelineDdl } from './athena-ddl';
import { approvalStatusLines, registerDecisionCommands } from './decision-commands';
import { registerRollbackCommand } from './rollback-command';
import { registerAutoTrainCommand } from './auto-train-command';
import { pipelineOf, withPipelineClient, type CommandContext } from './command-context';

export { EXIT } from './exit-codes';

const out = (line = '') => process.stdout.write(`${line}\n`);

interface Global {
  config: string;
}

/** The address the last client connected to, for "cannot reach Temporal" errors raised later. */
let lastAddress: string | undefined;

async function withClient<T>(config: Config, fn: (client: Client) => Promise<T>): Promise<T> {
  const { client, close, address } = await connectClient(config);
  lastAddress = address;
  try {
    return await fn(client);
  } finally {
    await close();
  }
}

function runDateArg(flag: string) {
  return (v: string): string => {
    const d = resolveRunDate(v);
    if (!d) throw new ExitError(`${flag} must be a date YYYY-MM-DD, "today", "yesterday" or "N days ago"; got "${v}"`, EXIT.usage);
    return d;
  };
}

function lookbackArg(v: string): number | null {
  if (v === 'all') return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ExitError(`--lookback must be a whole number of days or "all", got "${v}"`, EXIT.usage);
  return n;
}

function countArg(flag: string, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new ExitError(`${flag} must be a whole number from 1 to ${max}, got "${v}"`, EXIT.usage);
    return n;
  };
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

/** The pipeline's object store, for its run records; undefined when the pipeline is not in this config. */
function storeOf(config: Config, pipeline: string) {
  return buildRegistry(config).ports(pipeline)?.store;
}

/**
 * For runs that ended before looking at the campaign (skipped, early failures): what it serves
 * according to the run records – the model the latest SUCCEEDED run deployed.
 */
async function servingFromRecords(config: Config, r: RetrainResult): Promise<SummaryOptions['servingNow']> {
  if (r.campaignSolutionVersionArn || r.jobs.previousSolutionVersionArn !== undefined) return undefined;
  const p = config.pipelines.find((x) => x.name === r.pipeline);
  const store = p && storeOf(config, p.name);
  if (!p || !store) return undefined;
  try {
    const facts = await readFreshnessFacts(store, p.workPrefix, p.name);
    const last = facts.lastSucceeded;
    return last ? { arn: last.solutionVersionArn ?? null, note: `deployed by run ${last.runKey}` } : undefined;
  } catch {
    return undefined; // the summary then says the run did not look
  }
}

/** A cancelled RetrainWorkflow carries no result; the reason it recorded is in its memo. */
async function withCancelReason(end: RunEnd, handle: WorkflowHandle): Promise<RunEnd> {
  if (end.kind !== 'cancelled' || end.result || end.reason) return end;
  const reason = await handle
    .describe()
    .then((d) => (d.memo as { reason?: unknown } | undefined)?.reason)
    .catch(() => undefined);
  return typeof reason === 'string' ? { ...end, reason } : end;
}

async function printRunEnd(config: Config, end: RunEnd, workflowId: string, indent = ''): Promise<number> {
  const result = end.kind === 'result' || end.kind === 'cancelled' ? end.result : undefined;
  const servingNow = result ? await servingFromRecords(config, result) : undefined;
  formatRunEnd(end, workflowId, { servingNow }).forEach((l) => out(`${indent}${l}`));
  return exitCodeOf(end);
}

/** Follows a run with a live line, prints its summary, and returns the exit code its outcome means. */
async function followAndReport(config: Config, handle: WorkflowHandle<typeof RetrainWorkflow>): Promise<number> {
  const line = liveLine();
  let settled: { result: RetrainResult } | { error: unknown };
  try {
    settled = { result: await followRun(handle, line.change, 500, line.tick) };
  } catch (error) {
    settled = { error };
  } finally {
    line.end();
  }
  return printRunEnd(config, await withCancelReason(runEndOf(settled), handle), handle.workflowId);
}

/** `status`: the deployed model's age and the last success, from the run records. */
async function modelAgeLines(config: Config, pipeline: string): Promise<string[]> {
  const p = config.pipelines.find((x) => x.name === pipeline);
  const store = p && storeOf(config, p.name);
  if (!p || !store) return [];
  try {
    const facts = await readFreshnessFacts(store, p.workPrefix, p.name);
    const last = facts.lastSucceeded;
    if (!last) return [`  model            none deployed by a recorded run yet (records in ${runsPrefix(p.workPrefix)})`];
    const v = assessFreshness(facts, Date.now(), p.staleness.maxAgeDays);
    const age = v.modelAgeMs === null ? 'of unknown age' : `trained ${formatAge(v.modelAgeMs)} ago`;
    const lastRun = v.lastSuccessAgeMs === null ? '' : `; last successful run ${formatAge(v.lastSuccessAgeMs)} ago`;
    const flag = v.stale ? `  STALE: older than ${plural(p.staleness.maxAgeDays, 'day')}` : '';
    return [`  model            ${last.solutionVersionArn ?? '(no version recorded)'} ${age} by run ${last.runKey}${lastRun}${flag}`];
  } catch (err) {
    return [`  model            age unknown: cannot read the run records (${(err as Error).message})`];
  }
}

async function scheduleExists(client: Client, id: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(id).describe();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

export function buildProgram(): Command {
  const program = new Command('personalize-optimizer')
    .description('Operate the Personalize retraining loop: runs, schedules, recommendations')
    .option('-c, --config <file>', 'config file (env PERSONALIZE_OPTIMIZER_CONFIG)', process.env.PERSONALIZE_OPTIMIZER_CONFIG ?? 'config/local.yaml')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 ok · 1 run failed or rejected · 2 usage or config error · 3 conflict · 4 not found · 5 run cancelled · 6 cannot reach Temporal'
    );
  const cfg = () => loadConfig((program.opts() as Global).config);
  const ctx: CommandContext = { loadConfig: cfg, withClient, out };

  program
    .command('run')
    .description('start an ad hoc run now (one run per pipeline at a time) and follow it')
    .argument('[pipeline]', 'pipeline name (optional with a single pipeline)')
    .option('--run-date <date>', 'logical date: the last day of events to include (YYYY-MM-DD, "yesterday", "3 days ago")', runDateArg('--run-date'))
    .option('--lookback <days>', 'days of events, or "all"', lookbackArg)
    .option('--force', 'train even when nothing is newer than the last trained run', false)
    .option('--dry-run', 'query and decide only; start no paid job', false)
    .option('--rerun <suffix>', 'suffix that separates this run’s job names from an earlier run of the same date')
    .option('--no-wait', 'start and return the workflow id')
    .action(async (name: string | undefined, o: { runDate?: string; lookback?: number | null; force: boolean; dryRun: boolean; rerun?: string; wait: boolean }) => {
      await withPipelineClient(ctx, name, async (p, client, config) => {
        const input: RetrainInput = { pipeline: p.name, runDate: o.runDate, force: o.force, dryRun: o.dryRun, rerun: o.rerun };
        if (o.lookback !== undefined) input.lookbackDays = o.lookback;
        const handle = await startRun(client, input, config.temporal.taskQueue);
        out(`started ${handle.workflowId}`);
        if (!o.wait) return;
        process.exitCode = await followAndReport(config, handle);
      });
    });

  const statusAction = (follow: boolean) => async (workflowId: string | undefined, o: { pipeline?: string }) => {
    const config = cfg();
    await withClient(config, async (client) => {
      const handle = await runHandle(client, config, workflowId, o.pipeline);
      const d = await handle.describe();
      const pipeline = (d.memo as { pipeline?: string } | undefined)?.pipeline ?? (config.pipelines.length === 1 ? config.pipelines[0]!.name : undefined);
      if (d.status.name === 'RUNNING') {
        if (follow) {
          out(`${handle.workflowId}:`);
          process.exitCode = await followAndReport(config, handle);
          return;
        }
        const s = await handle.query(statusQuery);
        out(`${handle.workflowId}: ${describeProgress(s)}`);
        out(`  run date ${s.runDate}, run key ${s.runKey}`);
        for (const [k, v] of Object.entries(s.jobs)) if (v) out(`  ${k.padEnd(27)} ${String(v)}`);
        const realtime = realtimeLine(s);
        if (realtime) out(`  real-time                   ${realtime}`);
        approvalStatusLines(s, handle.workflowId).forEach((l) => out(l));
        if (!workflowId) {
          for (const w of await findWaitingRuns(client, s.pipeline))
            out(`${w.workflowId}: ${describeProgress(w.progress)} (scheduled run for ${w.progress.runDate}, waits for the pipeline's lock)`);
        }
      } else {
        out(`${handle.workflowId}: ${d.status.name}`);
        const settled = await handle.result().then(
          (result: RetrainResult) => ({ result }),
          (error: unknown) => ({ error })
        );
        process.exitCode = await printRunEnd(config, await withCancelReason(runEndOf(settled), handle), handle.workflowId, '  ');
      }
      if (!follow && pipeline) (await modelAgeLines(config, pipeline)).forEach((l) => out(l));
    });
  };
  const pipelineOption = () => new Option('-p, --pipeline <name>', 'pipeline whose current (or latest) run is meant, when no workflow id is given');
  program
    .command('status')
    .description("phase, job ids and last status of a run (default: the pipeline's current or latest run), and the deployed model's age")
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
    .description('recent runs and their results, newest first; --json / --report: the whole run history from the run records')
    .addOption(new Option('-p, --pipeline <name>', 'only this pipeline (with --json/--report: which pipeline)'))
    .option('-n, --limit <n>', 'how many', countArg('--limit', 10_000), 10)
    .option('--json', "print the pipeline's run history (every run record, oldest first) as JSON", false)
    .option('--report [file]', "write the pipeline's run history as an HTML page (default: runs-<pipeline>.html)")
    .action(async (o: { pipeline?: string; limit: number; json: boolean; report?: string | boolean }) => {
      const config = cfg();
      if (o.json || o.report) {
        const p = pipelineOf(config, o.pipeline);
        const rows = runHistory(await readRunRecords(storeOf(config, p.name)!, p.workPrefix, p.name));
        if (o.json) out(JSON.stringify(rows, null, 2));
        if (o.report) {
          const file = path.resolve(typeof o.report === 'string' ? o.report : `runs-${p.name}.html`);
          fs.writeFileSync(file, renderRunReport(rows, { pipeline: p.name, generatedAt: new Date(), source: runsPrefix(p.workPrefix) }));
          (o.json ? (l: string) => process.stderr.write(`${l}\n`) : out)(`wrote ${file}: ${plural(rows.length, 'run')} of pipeline ${p.name}`);
        }
        return;
      }
      if (o.pipeline) pipelineOf(config, o.pipeline);
      await withClient(config, async (client) => {
        const list = o.pipeline ? listPipelineRuns(client, o.pipeline) : client.workflow.list({ query: `WorkflowType = '${RETRAIN_WORKFLOW_TYPE}'` });
        let n = 0;
        for await (const wf of list) {
          if (n++ >= o.limit) break;
          const memo = (wf.memo ?? {}) as { pipeline?: string; runDate?: string };
          let summary = memo.runDate ? `run date ${memo.runDate}` : '';
          if (wf.status.name !== 'RUNNING') {
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
    .description("recommendations out now (a batch job from the model the campaign serves, written as JSON Lines and CSV), or with --user one user's recommendations from a local campaign")
    .argument('[pipeline]', 'pipeline name (optional with a single pipeline)')
    .option('--users <uri>', 'users file (JSON Lines of {"userId"}, CSV with USER_ID, or one id per line), or "window": the users of the last trained run (default: the pipeline\'s recommendations.audience)')
    .option('-u, --user <id>', "one user: ask the local campaign directly (no batch job)")
    .option('-p, --pipeline <name>', 'pipeline')
    .option('-n, --num <n>', 'how many items per user', countArg('--num', 500))
    .option('--no-wait', 'start the batch request and return its workflow id')
    .action(async (name: string | undefined, o: { user?: string; users?: string; pipeline?: string; num?: number; wait: boolean }) => {
      const config = cfg();
      const p = pipelineOf(config, name ?? o.pipeline);
      if (o.user === undefined) {
        await withClient(config, async (client) => {
          process.exitCode = await recommendBatch(client, config, p.name, { users: o.users, numResults: o.num, wait: o.wait });
        });
        return;
      }
      const registry = buildRegistry(config);
      const recommender = registry.localRecommender(p.name);
      if (!recommender) throw new ExitError(`pipeline ${p.name} runs on AWS: ask its Personalize campaign (GetRecommendations) instead`, EXIT.usage);
      const campaignArn = registry.settings(p.name)!.campaignArn;
      const r = await recommender.recommend(campaignArn, o.user, o.num ?? 10).catch((err: Error) => {
        throw new ExitError(err.message, /no deployed solution version/.test(err.message) ? EXIT.notFound : EXIT.runFailed);
      });
      const known = await recommender.knowsUser(campaignArn, o.user);
      out(`${o.user} (served by ${r.solutionVersionArn}):`);
      if (!known) out(`  ${o.user} is not in the data this model was trained on: these are the most popular items (the popularity fallback), not personal picks.`);
      r.itemList.forEach((i, k) => out(`  ${String(k + 1).padStart(2)}. ${i.itemId}  ${i.score.toFixed(4)}${known && i.score === 0 ? '  (popular item, filling up the list)' : ''}`));
    });

  registerPreflight(program, ctx);
  registerDecisionCommands(program, ctx);
  registerRollbackCommand(program, ctx);
  registerAutoTrainCommand(program, ctx);
  program
    .command('athena')
    .description("the Athena side of a pipeline's sources")
    .command('ddl')
    .description('print the Glue DDL (partition projection over the Firehose hour folders) of each source table')
    .argument('[pipeline]')
    .option('--database <name>', 'Glue database (default: the pipeline warehouse.database)')
    .option('--first-hour <yyyy/MM/dd/HH>', 'first hour of the projection range', '2020/01/01/00')
    .action((name: string | undefined, o: { database?: string; firstHour: string }) => {
      const p = pipelineOf(cfg(), name);
      try {
        out(pipelineDdl(p, o).join('\n\n'));
      } catch (err) {
        throw new ExitError(`pipeline ${p.name}: ${(err as Error).message}`, EXIT.usage);
      }
    });

  program
    .command('realtime')
    .description('the real-time event path')
    .command('replay')
    .description("send a pipeline's dead letters again, after the cause is fixed (each file once; they keep their messageIds)")
    .argument('[pipeline]')
    .action(async (name: string | undefined) => {
      const config = cfg();
      const p = pipelineOf(config, name);
      if (!p.realtime) throw new ExitError(`pipeline ${p.name} has no realtime section`, EXIT.usage);
      await withClient(config, async (client) => {
        const r = await replayDeadLetters({ client, config, pipeline: p, onFile: (uri, n) => out(`${uri}: ${plural(n, 'record')} sent again`) });
        out(r.files === 0 ? `no dead letters for ${p.name}` : `${plural(r.records, 'record')} from ${plural(r.files, 'file')} appended to the log for delivery`);
      });
    });

  const schedule = program.command('schedule').description("each pipeline's daily schedule (and its staleness check)");
  schedule
    .command('apply')
    .description('create the schedules (daily retrain, staleness check), or update them in place to match the config (AWS pipelines pass preflight first)')
    .option('--skip-preflight', 'apply without running preflight on the AWS pipelines first', false)
    .action(async (o: { skipPreflight: boolean }) => {
      const config = cfg();
      if (!o.skipPreflight && config.pipelines.some((p) => p.backend === 'aws')) {
        const problems = await runPreflight(config, out);
        if (problems > 0) throw new ExitError('no schedule was changed: fix the problems above, or apply with --skip-preflight', EXIT.preflight);
      }
      await withClient(config, async (client) => {
        for (const p of config.pipelines) {
          out(`${retrainScheduleId(p.name)}: ${await applySchedule(client, p, config.temporal.taskQueue)}`);
          const st = await applyStalenessSchedule(client, p, config.temporal.taskQueue);
          if (st !== 'off') out(`${stalenessScheduleId(p.name)}: ${st}${st === 'deleted' ? ' (staleness.enabled is false)' : ` (alerts when no fresh model for ${plural(p.staleness.maxAgeDays, 'day')})`}`);
          const sweep = await applyRealtimeSweepSchedule(client, p, config.temporal.taskQueue);
          if (sweep !== 'off') out(`${realtimeSweepScheduleId(p.name)}: ${sweep}${sweep === 'deleted' ? ' (no realtime section)' : ` (every ${p.realtime!.sweepInterval})`}`);
        }
      });
    });
  schedule
    .command('describe')
    .description("a schedule's calendar, state, next and recent runs, and its staleness check")
    .argument('[pipeline]')
    .action(async (name: string | undefined) => {
      await withPipelineClient(ctx, name, async (p, client) => {
        const d = await client.schedule.getHandle(retrainScheduleId(p.name)).describe();
        out(`${d.scheduleId}: ${d.state.paused ? `PAUSED (${d.state.note ?? ''})` : 'active'}`);
        const when = [...(d.spec.calendars ?? []).map(describeCalendar), ...(d.spec.intervals ?? []).map((i) => `every ${formatMs(i.every)}`)];
        out(`  calendar   ${when.join('; ') || 'none'} ${d.spec.timezone ?? 'UTC'}${d.spec.jitter ? `, jitter ${formatMs(d.spec.jitter)}` : ''}`);
        out(`  overlap    ${d.policies.overlap}   catch-up window ${formatMs(d.policies.catchupWindow)}`);
        out(`  next runs  ${d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()).join(', ') || 'none'}`);
        out(`  recent     ${d.info.recentActions.map((a) => `${a.scheduledAt.toISOString()}→${a.action.workflow.workflowId}`).join(', ') || 'none'}`);
        out(`  skipped    ${d.info.numActionsSkippedOverlap} (overlap), missed ${d.info.numActionsMissedCatchupWindow} (catch-up window)`);
        try {
          const s = await client.schedule.getHandle(stalenessScheduleId(p.name)).describe();
          out(`  staleness  ${(s.spec.calendars ?? []).map(describeCalendar).join('; ')} ${s.spec.timezone ?? 'UTC'}: alerts when no run SUCCEEDED for ${plural(p.staleness.maxAgeDays, 'day')} (${s.scheduleId})`);
        } catch (err) {
          if (!(err instanceof ScheduleNotFoundError)) throw err;
          out(`  staleness  no check scheduled${p.staleness.enabled ? ' ("schedule apply" creates it)' : ' (staleness.enabled is false)'}`);
        }
      });
    });
  for (const verb of ['pause', 'unpause'] as const) {
    schedule
      .command(verb)
      .description(verb === 'pause' ? 'stop new scheduled runs (a run going goes on)' : 'let scheduled runs start again')
      .argument('[pipeline]')
      .option('--note <text>', 'why', `${verb}d from the command line`)
      .action(async (name: string | undefined, o: { note: string }) => {
        await withPipelineClient(ctx, name, async (p, client) => {
          const h = client.schedule.getHandle(retrainScheduleId(p.name));
          await (verb === 'pause' ? h.pause(o.note) : h.unpause(o.note));
          out(`${retrainScheduleId(p.name)} ${verb}d`);
        });
      });
  }

  /** With --force, the forced companion schedule (kept in step with the daily one) starts the runs. */
  async function scheduleFor(client: Client, config: Config, p: PipelineConfig, force: boolean): Promise<string> {
    const daily = retrainScheduleId(p.name);
    if (!force) return daily;
    // Refuse like the daily schedule would: it must exist, so the forced one is not an unmanaged extra.
    await client.schedule.getHandle(daily).describe();
    return ensureForcedSchedule(client, p, config.temporal.taskQueue);
  }

  schedule
    .command('trigger')
    .description('start the scheduled action now')
    .argument('[pipeline]')
    .addOption(new Option('--overlap <policy>', 'what to do if a run is going').choices(['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL']).default('SKIP'))
    .option('--force', 'train even when nothing is newer than the last trained run', false)
    .action(async (name: string | undefined, o: { overlap: string; force: boolean }) => {
      await withPipelineClient(ctx, name, async (p, client, config) => {
        const id = await scheduleFor(client, config, p, o.force);
        if (o.force && o.overlap === 'SKIP') {
          // The forced schedule's overlap policy sees only its own runs: check the pipeline's.
          const running = await findRunningRun(client, p.name);
          if (running) throw new ExitError(`pipeline "${p.name}" already has a run going: ${running}; nothing was triggered (overlap SKIP)`, EXIT.conflict);
        }
        // Always explicit: the SDK's bare trigger() means ALLOW_ALL.
        await client.schedule.getHandle(id).trigger(overlapPolicy(o.overlap));
        out(`${id} triggered (overlap ${o.overlap}${o.force ? ', forced: trains even with nothing new' : ''})`);
      });
    });
  schedule
    .command('backfill')
    .description('run the schedule for past dates, each run with its own logical date')
    .argument('[pipeline]')
    .requiredOption('--from <date>', 'first run date: YYYY-MM-DD, "yesterday" or "N days ago"', runDateArg('--from'))
    .requiredOption('--to <date>', 'last run date: YYYY-MM-DD, "yesterday" or "N days ago"', runDateArg('--to'))
    .addOption(new Option('--overlap <policy>').choices(['BUFFER_ALL', 'BUFFER_ONE', 'SKIP', 'ALLOW_ALL']).default('BUFFER_ALL'))
    .option('--force', 'train even when nothing is newer than the last trained run (backfilled dates usually are older)', false)
    .action(async (name: string | undefined, o: { from: string; to: string; overlap: string; force: boolean }) => {
      const config = cfg();
      const p = pipelineOf(config, name);
      if (o.from > o.to) throw new ExitError(`--from (${o.from}) must not be after --to (${o.to})`, EXIT.usage);
      // A run's date is the day before its scheduled time: cover the scheduled times of [from+1, to+1].
      const at = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000);
      const start = at(o.from);
      const end = new Date(at(o.to).getTime() + 86_400_000 - 1);
      await withClient(config, async (client) => {
        const id = await scheduleFor(client, config, p, o.force);
        await client.schedule.getHandle(id).backfill({ start, end, overlap: overlapPolicy(o.overlap) });
        out(`${id}: backfill of run dates ${o.from} … ${o.to} requested (overlap ${o.overlap}${o.force ? ', forced' : ''})`);
        if (!o.force) out('  runs of dates already trained on end SKIPPED ("nothing newer"); --force trains them anyway');
      });
    });
  schedule
    .command('delete')
    .description("remove a pipeline's schedules (daily, forced, staleness check); runs going go on")
    .argument('[pipeline]')
    .action(async (name: string | undefined) => {
      await withPipelineClient(ctx, name, async (p, client) => {
        const daily = retrainScheduleId(p.name);
        const dailyExisted = await scheduleExists(client, daily);
        if (dailyExisted) await client.schedule.getHandle(daily).delete();
        const also: string[] = [];
        for (const id of [forcedScheduleId(p.name), stalenessScheduleId(p.name)]) {
          if (await scheduleExists(client, id)) {
            await client.schedule.getHandle(id).delete();
            also.push(id);
          }
        }
        if (!dailyExisted && also.length === 0) throw new ScheduleNotFoundError('not found', daily);
        out(dailyExisted ? `${daily} deleted${also.length ? `, and ${also.join(', ')}` : ''}` : `${daily} did not exist; deleted ${also.join(', ')}`);
      });
    });
  return program;
}

export async function main(argv = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    const { code, message } = exitFor(err, lastAddress);
    if (message) console.error(message);
    return code;
  }
}

/** `… --help | head`: a reader that stops early is not an error. */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

if (require.main === module) {
  exitQuietlyOnClosedStdout();
  void main().then((code) => process.exit(code));
}
