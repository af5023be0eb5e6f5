/**
 * Personalize adapter. Starts are idempotent by name: a solution version of that name is looked up
 * before one is created, and on ResourceAlreadyExistsException the job of that name is looked up and
 * adopted, so a retried start never pays for a second job. Every call goes through withAwsErrors, so
 * failures reach Temporal already classified.
 */
import {
  CreateDatasetImportJobCommand,
  CreateSolutionVersionCommand,
  DescribeCampaignCommand,
  DescribeDatasetImportJobCommand,
  DescribeRecommenderCommand,
  DescribeSolutionCommand,
  DescribeSolutionVersionCommand,
  GetSolutionMetricsCommand,
  StopSolutionVersionCreationCommand,
  UpdateCampaignCommand,
  paginateListDatasetImportJobs,
  paginateListSolutionVersions,
  type CampaignConfig,
  type PersonalizeClient,
  type SolutionVersionSummary,
} from '@aws-sdk/client-personalize';
import { ApplicationFailure } from '@temporalio/common';
import { normalizePersonalizeStatus, type JobObservation } from '../../common/job-status';
import type { CampaignState, ImportMode, Metrics, TrainingMode } from '../../common/types';
import type { RecommenderObservation } from '../../common/datasets';
import type { Recommender, SolutionVersionListing, SolutionVersionObservation } from '../ports';
import { automationProblems, isLatestPseudoVersion, type AutoTrainingMode } from './automation';
import { awsFailure, errorName, withAwsErrors } from './errors';

export interface PersonalizeRecommenderOptions {
  /** Role Personalize assumes to read the interactions file (CreateDatasetImportJob roleArn). */
  importRoleArn: string;
  /** The pipeline's campaign: training is refused while it deploys new versions on its own. */
  campaignArn?: string;
  /** personalize.autoTraining (default `off`: the solution must not train itself). */
  autoTraining?: AutoTrainingMode;
}

/** Statuses in which a solution version can no longer be stopped (nothing to do). */
const FINISHED_VERSION = new Set(['ACTIVE', 'CREATE FAILED', 'CREATE STOPPED', 'CREATE STOPPING']);

function isAlreadyExists(err: unknown): boolean {
  return errorName(err) === 'ResourceAlreadyExistsException';
}

/** Newest first; the list order is not documented. */
function newestFirst(versions: SolutionVersionSummary[]): SolutionVersionSummary[] {
  return [...versions].sort((a, b) => (b.creationDateTime?.getTime() ?? 0) - (a.creationDateTime?.getTime() ?? 0));
}

export class PersonalizeRecommender implements Recommender {
  constructor(
    private readonly client: PersonalizeClient,
    private readonly opts: PersonalizeRecommenderOptions
  ) {}

  async startImport(req: {
    jobName: string;
    datasetArn: string;
    dataLocation: string;
    importMode: ImportMode;
  }): Promise<{ jobArn: string }> {
    try {
      const out = await this.client.send(
        new CreateDatasetImportJobCommand({
          jobName: req.jobName,
          datasetArn: req.datasetArn,
          dataSource: { dataLocation: req.dataLocation },
          roleArn: this.opts.importRoleArn,
          importMode: req.importMode,
        })
      );
      return { jobArn: out.datasetImportJobArn! };
    } catch (err) {
      if (!isAlreadyExists(err)) {
        throw awsFailure(err, {
          operation: 'personalize:CreateDatasetImportJob',
          resource: req.datasetArn,
          hint: `The file was ${req.dataLocation}, to be read with the role ${this.opts.importRoleArn}`,
        });
      }
      return { jobArn: await this.findImportJob(req.datasetArn, req.jobName) };
    }
  }

  /** The job a previous attempt created under this name, on this dataset. */
  private async findImportJob(datasetArn: string, jobName: string): Promise<string> {
    const found = await withAwsErrors('personalize:ListDatasetImportJobs', datasetArn, async () => {
      for await (const page of paginateListDatasetImportJobs({ client: this.client, pageSize: 100 }, { datasetArn })) {
        const job = page.datasetImportJobs?.find((j) => j.jobName === jobName);
        if (job?.datasetImportJobArn) return job.datasetImportJobArn;
      }
      return undefined;
    });
    if (found) return found;
    throw ApplicationFailure.nonRetryable(
      `an import job named "${jobName}" already exists but not on ${datasetArn}; import job names are unique per account and region and no API frees one, so another dataset holds this name for good: start the run with --rerun <suffix> (new job names) or rename the pipeline`,
      'ImportJobNameTaken'
    );
  }

  /** ListDatasetImportJobs of the dataset (its order is not documented: every page is read until the name turns up). */
  async findImport(req: { datasetArn: string; jobName: string }): Promise<{ jobArn: string; status: string } | null> {
    return withAwsErrors('personalize:ListDatasetImportJobs', req.datasetArn, async () => {
      for await (const page of paginateListDatasetImportJobs({ client: this.client, pageSize: 100 }, { datasetArn: req.datasetArn })) {
        const job = page.datasetImportJobs?.find((j) => j.jobName === req.jobName);
        if (job?.datasetImportJobArn) return { jobArn: job.datasetImportJobArn, status: job.status ?? 'UNKNOWN' };
      }
      return null;
    });
  }

  /**
   * A recommender's model has no id: its time is the later of the recommender's lastUpdatedDateTime
   * and, once ACTIVE, its latest update's; modelMetrics are the model's offline metrics.
   */
  async describeRecommender(recommenderArn: string): Promise<RecommenderObservation> {
    const out = await withAwsErrors('personalize:DescribeRecommender', recommenderArn, () =>
      this.client.send(new DescribeRecommenderCommand({ recommenderArn }))
    );
    const r = out.recommender ?? {};
    const u = r.latestRecommenderUpdate;
    const times = [r.lastUpdatedDateTime, u && normalizePersonalizeStatus(u.status ?? '') === 'ACTIVE' ? u.lastUpdatedDateTime : undefined]
      .filter((d): d is Date => d instanceof Date)
      .map((d) => d.getTime());
    return {
      recommenderArn,
      status: r.status ?? 'UNKNOWN',
      ...(r.failureReason && { failureReason: r.failureReason }),
      modelUpdatedAt: times.length ? new Date(Math.max(...times)).toISOString() : null,
      metrics: { ...(r.modelMetrics ?? {}) },
      ...(u && { update: { status: u.status ?? 'UNKNOWN', ...(u.failureReason && { failureReason: u.failureReason }) } }),
    };
  }

  async describeImport(jobArn: string): Promise<JobObservation> {
    const out = await withAwsErrors('personalize:DescribeDatasetImportJob', jobArn, () =>
      this.client.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn: jobArn }))
    );
    return { status: out.datasetImportJob?.status ?? 'UNKNOWN', reason: out.datasetImportJob?.failureReason };
  }

  /**
   * Looks for a version of that name first and adopts it: that Personalize refuses a second version
   * with the same name is documented nowhere, so it is not relied on. ResourceAlreadyExists on the
   * create (a version older than `createdAfter`) still adopts, after a look-up over every version.
   */
  async startSolutionVersion(req: {
    name: string;
    solutionArn: string;
    trainingMode: TrainingMode;
    createdAfter?: string;
  }): Promise<{ solutionVersionArn: string }> {
    await this.assertPipelineControlsDeployment(req.solutionArn);
    const existing = await this.findSolutionVersion({
      solutionArn: req.solutionArn,
      name: req.name,
      createdAfter: req.createdAfter,
    });
    if (existing) return { solutionVersionArn: existing.solutionVersionArn };
    try {
      const out = await this.client.send(
        new CreateSolutionVersionCommand({
          solutionArn: req.solutionArn,
          name: req.name,
          trainingMode: req.trainingMode,
        })
      );
      return { solutionVersionArn: out.solutionVersionArn! };
    } catch (err) {
      if (!isAlreadyExists(err))
        throw awsFailure(err, { operation: 'personalize:CreateSolutionVersion', resource: req.solutionArn });
      const found = await this.findSolutionVersion({ solutionArn: req.solutionArn, name: req.name });
      if (found) return { solutionVersionArn: found.solutionVersionArn };
      throw ApplicationFailure.nonRetryable(
        `a solution version named "${req.name}" already exists but is not a version of ${req.solutionArn}; check solutionArn in the pipeline config`,
        'SolutionVersionNameTaken'
      );
    }
  }

  /**
   * List summaries carry no name (SolutionVersionSummary has none): list the solution's versions,
   * keep those created since `createdAfter`, and describe them newest first until one carries the name.
   */
  async findSolutionVersion(req: {
    solutionArn: string;
    name: string;
    createdAfter?: string;
  }): Promise<{ solutionVersionArn: string; status: string } | null> {
    const since = req.createdAfter ? Date.parse(req.createdAfter) : -Infinity;
    const candidates = await withAwsErrors('personalize:ListSolutionVersions', req.solutionArn, async () => {
      const all: SolutionVersionSummary[] = [];
      for await (const page of paginateListSolutionVersions(
        { client: this.client, pageSize: 100 },
        { solutionArn: req.solutionArn }
      )) {
        all.push(...(page.solutionVersions ?? []));
      }
      // Without a creation time a version cannot be ruled out: it is described too.
      return newestFirst(
        all.filter(
          (v) => v.solutionVersionArn && (v.creationDateTime === undefined || v.creationDateTime.getTime() >= since)
        )
      );
    });
    for (const summary of candidates) {
      const arn = summary.solutionVersionArn!;
      const d = await withAwsErrors('personalize:DescribeSolutionVersion', arn, () =>
        this.client.send(new DescribeSolutionVersionCommand({ solutionVersionArn: arn }))
      );
      if (d.solutionVersion?.name === req.name)
        return { solutionVersionArn: arn, status: d.solutionVersion.status ?? summary.status ?? 'UNKNOWN' };
    }
    return null;
  }

  /**
   * Refuses to train while Personalize would deploy the new version before the gate (the campaign
   * syncs with $LATEST) or trains the solution itself behind the pipeline's back (performAutoTraining
   * with personalize.autoTraining off). Checked before every training, so a setting changed in the
   * console after `preflight` still stops the run, with the fix.
   */
  async assertPipelineControlsDeployment(solutionArn: string): Promise<void> {
    const solution = await withAwsErrors('personalize:DescribeSolution', solutionArn, () =>
      this.client.send(new DescribeSolutionCommand({ solutionArn }))
    );
    const campaignArn = this.opts.campaignArn;
    const campaign = campaignArn
      ? await withAwsErrors('personalize:DescribeCampaign', campaignArn, () =>
          this.client.send(new DescribeCampaignCommand({ campaignArn }))
        )
      : undefined;
    const problems = automationProblems({
      solutionArn,
      campaignArn,
      performAutoTraining: solution?.solution?.performAutoTraining,
      schedulingExpression: solution?.solution?.solutionConfig?.autoTrainingConfig?.schedulingExpression,
      syncWithLatestSolutionVersion: campaign?.campaign?.campaignConfig?.syncWithLatestSolutionVersion,
      deployedSolutionVersionArn: campaign?.campaign?.solutionVersionArn,
      mode: this.opts.autoTraining ?? 'off',
    }).filter((p) => p.code !== 'SolutionNeverTrainsItself');
    if (problems.length) {
      throw ApplicationFailure.create({
        message: problems.map((p) => `${p.problem}. Fix: ${p.fix}.`).join(' '),
        type: problems[0]!.code,
        nonRetryable: true,
      });
    }
  }

  /** Personalize does not say how many PutEvents records a training used: `reported: false`, never a guess. */
  async describeSolutionVersion(solutionVersionArn: string): Promise<SolutionVersionObservation> {
    const out = await withAwsErrors('personalize:DescribeSolutionVersion', solutionVersionArn, () =>
      this.client.send(new DescribeSolutionVersionCommand({ solutionVersionArn }))
    );
    const v = out.solutionVersion;
    return {
      status: v?.status ?? 'UNKNOWN',
      reason: v?.failureReason,
      ...(v?.creationDateTime && { createdAt: v.creationDateTime.toISOString() }),
      realtimeInTraining: { reported: false },
    };
  }

  async stopSolutionVersion(solutionVersionArn: string): Promise<void> {
    try {
      await this.client.send(new StopSolutionVersionCreationCommand({ solutionVersionArn }));
    } catch (err) {
      const name = errorName(err);
      // Personalize refuses to stop a version that already finished: nothing left to stop.
      if (name === 'ResourceInUseException' || name === 'InvalidInputException') {
        const { status } = await this.describeSolutionVersion(solutionVersionArn);
        if (FINISHED_VERSION.has(normalizePersonalizeStatus(status))) return;
      }
      throw awsFailure(err, { operation: 'personalize:StopSolutionVersionCreation', resource: solutionVersionArn });
    }
  }

  /** ResourceInUseException here means the metrics are not ready yet: retryable, like every "busy". */
  async getSolutionMetrics(solutionVersionArn: string): Promise<Metrics> {
    const out = await withAwsErrors('personalize:GetSolutionMetrics', solutionVersionArn, () =>
      this.client.send(new GetSolutionMetricsCommand({ solutionVersionArn }))
    );
    return { ...(out.metrics ?? {}) };
  }

  /**
   * ListSolutionVersions carries trainingType in each summary; a summary without it (an older
   * service response) is described (DescribeSolutionVersion has it too) when the version is ACTIVE.
   */
  async listSolutionVersions(solutionArn: string): Promise<SolutionVersionListing[]> {
    const summaries = await withAwsErrors('personalize:ListSolutionVersions', solutionArn, async () => {
      const all: SolutionVersionSummary[] = [];
      for await (const page of paginateListSolutionVersions({ client: this.client, pageSize: 100 }, { solutionArn })) {
        all.push(...(page.solutionVersions ?? []));
      }
      return newestFirst(all.filter((v) => v.solutionVersionArn));
    });
    const out: SolutionVersionListing[] = [];
    for (const v of summaries) {
      const arn = v.solutionVersionArn!;
      const status = v.status ?? 'UNKNOWN';
      let trainingType = v.trainingType;
      if (!trainingType && normalizePersonalizeStatus(status) === 'ACTIVE') {
        const d = await withAwsErrors('personalize:DescribeSolutionVersion', arn, () =>
          this.client.send(new DescribeSolutionVersionCommand({ solutionVersionArn: arn }))
        );
        trainingType = d.solutionVersion?.trainingType;
      }
      out.push({
        solutionVersionArn: arn,
        status,
        ...(trainingType && { trainingType }),
        ...(v.creationDateTime && { createdAt: v.creationDateTime.toISOString() }),
      });
    }
    return out;
  }

  async describeCampaign(campaignArn: string): Promise<CampaignState> {
    const out = await withAwsErrors('personalize:DescribeCampaign', campaignArn, () =>
      this.client.send(new DescribeCampaignCommand({ campaignArn }))
    );
    const c = out.campaign ?? {};
    const u = c.latestCampaignUpdate;
    return {
      campaignArn,
      status: c.status ?? 'UNKNOWN',
      solutionVersionArn: await this.concreteVersion(c.solutionVersionArn ?? null),
      // Personalize always reports it; 1 is its documented minimum.
      minProvisionedTPS: c.minProvisionedTPS ?? 1,
      campaignConfig: c.campaignConfig as Record<string, unknown> | undefined,
      latestUpdate: u && {
        solutionVersionArn: u.solutionVersionArn,
        status: u.status ?? 'UNKNOWN',
        failureReason: u.failureReason,
        ...(u.creationDateTime && { createdAt: u.creationDateTime.toISOString() }),
      },
    };
  }

  /**
   * A campaign that syncs with the latest version names `<solutionArn>/$LATEST`; the version it
   * serves is the solution's newest ACTIVE one. Resolved here, so the gate compares real versions.
   */
  private async concreteVersion(arn: string | null): Promise<string | null> {
    if (!arn || !isLatestPseudoVersion(arn)) return arn;
    const solutionArn = arn.slice(0, -'/$LATEST'.length);
    const active: SolutionVersionSummary[] = [];
    await withAwsErrors('personalize:ListSolutionVersions', solutionArn, async () => {
      for await (const page of paginateListSolutionVersions({ client: this.client, pageSize: 100 }, { solutionArn })) {
        active.push(
          ...(page.solutionVersions ?? []).filter((v) => normalizePersonalizeStatus(v.status ?? '') === 'ACTIVE')
        );
      }
    });
    return newestFirst(active)[0]?.solutionVersionArn ?? null;
  }

  /**
   * Deploys exactly the gated version: never `$LATEST`, and always with syncWithLatestSolutionVersion
   * off (Personalize refuses a concrete version while it is on, and with it on every later version
   * would deploy itself). Otherwise sends the caller's TPS and config as given: the campaign keeps
   * its capacity and exploration settings.
   */
  async updateCampaign(req: {
    campaignArn: string;
    solutionVersionArn: string;
    minProvisionedTPS: number;
    campaignConfig?: Record<string, unknown>;
  }): Promise<void> {
    if (isLatestPseudoVersion(req.solutionVersionArn)) {
      throw ApplicationFailure.nonRetryable(
        `refusing to deploy ${req.solutionVersionArn}: the campaign must serve the version the quality gate passed, not whatever is latest`,
        'LatestVersionNotDeployable'
      );
    }
    const campaignConfig = { ...(req.campaignConfig ?? {}), syncWithLatestSolutionVersion: false } as CampaignConfig;
    await withAwsErrors(
      'personalize:UpdateCampaign',
      req.campaignArn,
      () =>
        this.client.send(
          new UpdateCampaignCommand({
            campaignArn: req.campaignArn,
            solutionVersionArn: req.solutionVersionArn,
            minProvisionedTPS: req.minProvisionedTPS,
            campaignConfig,
          })
        ),
      `The version deployed was ${req.solutionVersionArn}: it must exist and be ACTIVE`
    );
  }
}
