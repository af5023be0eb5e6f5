/**
 * `preflight`: read-only checks of each AWS pipeline before anything is scheduled, each problem
 * printed with its fix. `schedule apply` runs it first (unless --skip-preflight).
 */
import { GlueClient } from '@aws-sdk/client-glue';
import { IAMClient } from '@aws-sdk/client-iam';
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type { Config, PipelineConfig } from '../../common/config';
import { pipelineScope } from '../../infra/aws/permissions';
import {
  checkAutomation,
  checkBucketPolicy,
  checkDatasetSchema,
  checkImportRole,
  checkTables,
  checkWorkerPermissions,
  type CheckResult,
  type PreflightClients,
} from './checks';

export type { CheckResult, PreflightClients } from './checks';

export interface PipelineReport {
  pipeline: string;
  backend: 'aws' | 'local';
  results: CheckResult[];
}

export interface PreflightOptions {
  /** The worker's IAM role (or user) to simulate; default: the caller's own identity. */
  principal?: string;
  /** Clients per region (tests pass mocked ones). */
  clients?: (region: string) => PreflightClients;
}

export function awsClients(region: string): PreflightClients {
  return {
    personalize: new PersonalizeClient({ region }),
    iam: new IAMClient({ region }),
    s3: new S3Client({ region }),
    glue: new GlueClient({ region }),
    sts: new STSClient({ region }),
  };
}

export async function preflightPipeline(p: PipelineConfig, opts: PreflightOptions = {}): Promise<PipelineReport> {
  if (p.backend !== 'aws' || !p.personalize) return { pipeline: p.name, backend: 'local', results: [] };
  const c = (opts.clients ?? awsClients)(p.personalize.region ?? pipelineScope(p).region);
  const results = [
    await checkDatasetSchema(c, p),
    ...(await checkAutomation(c, p)),
    ...(await checkImportRole(c, p)),
    await checkBucketPolicy(c, p),
    ...(await checkTables(c, p)),
    await checkWorkerPermissions(c, p, opts.principal),
  ];
  return { pipeline: p.name, backend: 'aws', results };
}

export async function preflight(
  config: Config,
  pipelines: PipelineConfig[] = config.pipelines,
  opts: PreflightOptions = {}
): Promise<PipelineReport[]> {
  const reports: PipelineReport[] = [];
  for (const p of pipelines) reports.push(await preflightPipeline(p, opts));
  return reports;
}

export function problemCount(reports: PipelineReport[]): number {
  return reports.reduce((n, r) => n + r.results.filter((x) => x.status === 'problem').length, 0);
}

const LABEL = { ok: 'ok      ', problem: 'PROBLEM ', unchecked: 'skipped ' } as const;

/** The report as lines: one per check, each problem followed by its fix. */
export function formatReports(reports: PipelineReport[]): string[] {
  const lines: string[] = [];
  for (const r of reports) {
    if (r.backend === 'local') {
      lines.push(`${r.pipeline}: local backend, nothing to check`);
      continue;
    }
    lines.push(`${r.pipeline}:`);
    for (const x of r.results) {
      lines.push(`  ${LABEL[x.status]}${x.check}: ${x.detail}`);
      if (x.fix && x.status !== 'ok') lines.push(`           ${x.status === 'problem' ? 'fix' : 'note'}: ${x.fix}`);
    }
  }
  const n = problemCount(reports);
  lines.push(n === 0 ? 'preflight: no problems found' : `preflight: ${n} problem${n === 1 ? '' : 's'} found`);
  return lines;
}
