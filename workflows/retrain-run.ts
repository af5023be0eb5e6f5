/**
 * The state one RetrainWorkflow run works on, and the small helpers every phase uses: entering a
 * phase (timings, search attribute, the Web UI's current details), waiting on a job (its poll count,
 * its resumed progress after continue-as-new), notes, and the result. Deterministic workflow code.
 */
import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { currentDetails } from './details';
import type { JobState } from '../common/job-status';
import type {
  CampaignState,
  Duration,
  Outcome,
  Phase,
  PipelineSettings,
  RetrainInput,
  RetrainProgress,
  RetrainResult,
  Stage,
  StageDeadlines,
  WaitProgress,
} from '../common/types';
import { RetrainPhaseKey } from './defs';
import { runNames, type RunNames } from './plan';
import { DEFAULT_HISTORY_LIMIT, waitForJob, type WaitOutcome } from './wait-for-job';

/** Deadlines of the stages added after runs began recording settings: older settings do not carry them. */
const LATER_STAGE_DEADLINES = { evaluate: '12h', recommend: '6h' } as const satisfies Partial<Record<Stage, Duration>>;

/** The deadline of a stage's wait: the run's settings, or for a later stage its default. */
export function stageDeadline(deadlines: StageDeadlines, stage: Stage): Duration {
  switch (stage) {
    case 'evaluate':
    case 'recommend':
      return deadlines[stage] ?? LATER_STAGE_DEADLINES[stage];
    default:
      return deadlines[stage];
  }
}

/** The phase order; a resumed run (continue-as-new) skips the phases already done. */
export const PHASE_ORDER: Phase[] = [
  'STARTING',
  'EXPORT',
  'QUERY',
  'DECIDE',
  'IMPORT_ITEMS',
  'IMPORT_USERS',
  'IMPORT',
  'RECOMMENDER',
  'TRAIN',
  'EVALUATE',
  'AWAITING_APPROVAL',
  'DEPLOY',
  'RECOMMEND',
  'RECORD',
  'DONE',
];

/**
 * A run that ends early without failing: SKIPPED at DECIDE, REJECTED by the gate or the deploy
 * guard; a recommender's run ends at RECOMMENDER (SUCCEEDED, or REGRESSED).
 */
export class RunEnded extends Error {
  override name = 'RunEnded';
  constructor(
    readonly outcome: 'SKIPPED' | 'REJECTED' | 'SUCCEEDED' | 'REGRESSED',
    readonly reason: string
  ) {
    super(reason);
  }
}

export class RetrainRun {
  names: RunNames;
  /** The campaign as last read (what the result reports it serves). */
  campaign?: CampaignState;
  private readonly resumedAt: number;
  /** The wait the previous run of the chain was in, taken up once by the same phase. */
  private resumedWait?: { phase: Phase; wait?: WaitProgress };

  constructor(
    readonly input: RetrainInput,
    readonly settings: PipelineSettings,
    readonly progress: RetrainProgress
  ) {
    this.names = runNames(input.pipeline, progress.runDate, settings.workPrefix, progress.rerun);
    this.resumedAt = input.resume ? PHASE_ORDER.indexOf(input.resume.phase) : -1;
    if (input.resume) this.resumedWait = { phase: input.resume.phase, wait: input.resume.wait };
    delete progress.wait;
  }

  get pipeline(): string {
    return this.input.pipeline;
  }

  /** Kept across continue-as-new and resets: what a forced re-run's own job names derive from. */
  get runId(): string {
    return workflowInfo().originalExecutionRunId;
  }

  /** A training of this run's name was created after this (the chain's start, less an hour of clock skew). */
  get lookupSince(): string {
    return new Date((this.progress.startedAt ?? Date.now()) - 3_600_000).toISOString();
  }

  /** The job names take this suffix from now on (a forced re-run's own names). */
  useRerun(rerun: string | undefined): void {
    this.progress.rerun = rerun;
    this.names = runNames(this.input.pipeline, this.progress.runDate, this.settings.workPrefix, rerun);
    this.progress.runKey = this.names.runKey;
  }

  /** True for the phases a resumed run already went through; its own phase resumes where it was. */
  done(phase: Phase): boolean {
    return PHASE_ORDER.indexOf(phase) < this.resumedAt;
  }

  /** Enters a phase; entering the phase the run is already in (a resumed run) changes nothing. */
  enter(phase: Phase): void {
    if (this.progress.phase === phase) return;
    const now = new Date().toISOString();
    const open = this.progress.timings.at(-1);
    if (open && !open.endedAt) open.endedAt = now;
    this.progress.phase = phase;
    this.progress.lastStatus = undefined;
    if (phase !== 'DONE') this.progress.timings.push({ phase, startedAt: now });
    if (this.settings.phaseSearchAttribute) upsertSearchAttributes([{ key: RetrainPhaseKey, value: phase }]);
    this.showDetails();
  }

  note(text: string): void {
    (this.progress.notes ??= []).push(text);
    this.showDetails();
  }

  /** The run's page in the Web UI shows this (no history event: it is read like a query). */
  showDetails(): void {
    setCurrentDetails(currentDetails(this.pipeline, this.progress.runDate, this.progress));
  }

  /**
   * Polls one job of the current phase: records the status and the poll count, resumes the wait a
   * previous run of the chain was in, and throws HistoryLimitReached when the history grows long.
   */
  wait(
    stage: Stage,
    name: string,
    check: () => Promise<JobState>,
    opts: { waitFirst?: boolean; deadline?: Duration } = {}
  ): Promise<WaitOutcome> {
    const phase = this.progress.phase;
    const timing = this.progress.timings.at(-1);
    const resumed = this.resumedWait?.phase === phase ? this.resumedWait.wait : undefined;
    this.resumedWait = undefined;
    return waitForJob({
      name,
      check,
      deadline: opts.deadline ?? stageDeadline(this.settings.deadlines, stage),
      poll: this.settings.poll,
      stage,
      progress: resumed,
      waitFirst: opts.waitFirst,
      historyLimit: this.settings.historyLimit ?? DEFAULT_HISTORY_LIMIT,
      onCheck: (state, p) => {
        const changed = this.progress.lastStatus !== state.status;
        this.progress.lastStatus = state.status;
        if (timing) timing.polls = p.polls;
        if (changed) this.showDetails();
      },
    });
  }

  result(outcome: Outcome, reason: string): RetrainResult {
    const p = this.progress;
    return {
      outcome,
      reason,
      pipeline: this.pipeline,
      runDate: p.runDate,
      runKey: p.runKey,
      stats: p.stats,
      malformed: p.malformed,
      jobs: p.jobs,
      metrics: p.metrics,
      ...(p.holdout && { holdout: p.holdout }),
      ...(p.holdoutScores && { holdoutScores: p.holdoutScores }),
      gate: p.gate,
      ...(p.approval && { approval: { ...p.approval } }),
      ...(p.autoTrained && { autoTrained: p.autoTrained }),
      ...(p.realtimeInTraining && { realtimeInTraining: p.realtimeInTraining }),
      ...(p.recommendations && { recommendations: p.recommendations }),
      ...(p.datasets && { datasets: p.datasets }),
      ...(p.recommender && { recommender: p.recommender }),
      campaignSolutionVersionArn: this.campaign?.solutionVersionArn ?? p.jobs.previousSolutionVersionArn ?? null,
      ...(p.training === 'stopped' &&
        p.jobs.solutionVersionArn && { stoppedSolutionVersionArn: p.jobs.solutionVersionArn }),
      ...(p.notes?.length && { notes: [...p.notes] }),
      timings: p.timings,
      durationMs: Date.now() - (p.startedAt ?? Date.now()),
    };
  }
}
