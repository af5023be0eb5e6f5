/**
 * Personalize can train and deploy on its own: a solution's `performAutoTraining` (on by default
 * for new solutions, every 7 days) trains new versions behind the pipeline's back, and a campaign's
 * `syncWithLatestSolutionVersion` deploys every new ACTIVE version at once, before any quality
 * gate. These rules say which settings a pipeline can live with; the Personalize adapter refuses to
 * train under the others, and `preflight` reports them with the fix.
 */

/** Who trains: the pipeline itself (`off`), or the service, with the pipeline gating its versions (`gate`). */
export type AutoTrainingMode = 'off' | 'gate';

export interface AutomationFacts {
  solutionArn: string;
  campaignArn?: string;
  /** DescribeSolution: solution.performAutoTraining (absent on solutions older than the feature: false). */
  performAutoTraining?: boolean;
  /** DescribeSolution: solution.solutionConfig.autoTrainingConfig.schedulingExpression. */
  schedulingExpression?: string;
  /** DescribeCampaign: campaign.campaignConfig.syncWithLatestSolutionVersion. */
  syncWithLatestSolutionVersion?: boolean;
  /** The version the campaign serves now, for the fix's command line. */
  deployedSolutionVersionArn?: string | null;
  mode: AutoTrainingMode;
}

export interface AutomationProblem {
  code: 'CampaignSyncsLatestVersion' | 'SolutionTrainsItself' | 'SolutionNeverTrainsItself';
  problem: string;
  fix: string;
}

/** The `<solutionArn>/$LATEST` pseudo-version a syncing campaign names instead of a real version. */
export function isLatestPseudoVersion(arn: string | null | undefined): boolean {
  return !!arn && arn.endsWith('/$LATEST');
}

export function automationProblems(f: AutomationFacts): AutomationProblem[] {
  const problems: AutomationProblem[] = [];
  if (f.syncWithLatestSolutionVersion) {
    const version =
      f.deployedSolutionVersionArn && !isLatestPseudoVersion(f.deployedSolutionVersionArn)
        ? f.deployedSolutionVersionArn
        : '<the version it should serve>';
    problems.push({
      code: 'CampaignSyncsLatestVersion',
      problem: `campaign ${f.campaignArn ?? ''} has syncWithLatestSolutionVersion on: it deploys every new solution version as soon as it is ACTIVE, before the quality gate has judged it`,
      fix: `pin the campaign to one version: aws personalize update-campaign --campaign-arn ${f.campaignArn ?? '<campaignArn>'} --solution-version-arn ${version} --campaign-config syncWithLatestSolutionVersion=false`,
    });
  }
  const autoTrains = f.performAutoTraining === true;
  if (f.mode === 'off' && autoTrains) {
    problems.push({
      code: 'SolutionTrainsItself',
      problem: `solution ${f.solutionArn} trains itself (performAutoTraining, ${f.schedulingExpression ?? 'rate(7 days)'}) while this pipeline trains it too: every automatic training is paid for twice`,
      fix: `turn it off: aws personalize update-solution --solution-arn ${f.solutionArn} --no-perform-auto-training; or let the service train and gate its versions: personalize.autoTraining: gate`,
    });
  }
  if (f.mode === 'gate' && !autoTrains) {
    problems.push({
      code: 'SolutionNeverTrainsItself',
      problem: `personalize.autoTraining is gate, but solution ${f.solutionArn} does not train itself (performAutoTraining is off): no new version would ever reach the gate`,
      fix: `turn it on: aws personalize update-solution --solution-arn ${f.solutionArn} --perform-auto-training; or let the pipeline train: personalize.autoTraining: off`,
    });
  }
  return problems;
}
