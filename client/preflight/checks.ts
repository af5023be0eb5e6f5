/**
 * The read-only checks `preflight` runs against one AWS pipeline, each answering ok, a problem
 * with its fix, or "not checked" (the caller may not read that setting). They only describe, get
 * and simulate: nothing is created or changed.
 */
import {
  DescribeCampaignCommand,
  DescribeDatasetCommand,
  DescribeSchemaCommand,
  DescribeSolutionCommand,
  type PersonalizeClient,
} from '@aws-sdk/client-personalize';
import {
  GetRoleCommand,
  SimulatePrincipalPolicyCommand,
  type ContextEntry,
  type EvaluationResult,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { GetBucketPolicyCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetTableCommand, type GlueClient } from '@aws-sdk/client-glue';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { automationProblems } from '../../activities/aws/automation';
import { awsErrorKind, errorName } from '../../activities/aws/errors';
import type { PipelineConfig } from '../../common/config';
import { INTERACTIONS_COLUMNS } from '../../common/interactions';
import {
  bucketArn,
  importRoleGrants,
  objectsArn,
  pipelineScope,
  runsPlace,
  workerGrants,
  type Grant,
} from '../../infra/aws/permissions';
import { tablesForPipeline } from '../../infra/aws/tables';
import { serviceAccess, statements, type PolicyDocument } from './policy-match';

export interface PreflightClients {
  personalize: PersonalizeClient;
  iam: IAMClient;
  s3: S3Client;
  glue: GlueClient;
  sts: STSClient;
}

export type CheckStatus = 'ok' | 'problem' | 'unchecked';

export interface CheckResult {
  check: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

const ok = (check: string, detail: string): CheckResult => ({ check, status: 'ok', detail });
const problem = (check: string, detail: string, fix: string): CheckResult => ({
  check,
  status: 'problem',
  detail,
  fix,
});

/** A check that could not read what it checks: denied is "not checked" (with the permission), anything else a problem. */
function failed(check: string, err: unknown, needs: string, notFoundFix?: string): CheckResult {
  const kind = awsErrorKind(err);
  const said = `${errorName(err) ?? 'Error'}: ${(err as Error).message ?? String(err)}`;
  if (kind === 'access-denied')
    return {
      check,
      status: 'unchecked',
      detail: `not allowed to read it (${said})`,
      fix: `to check it, whoever runs preflight needs ${needs}`,
    };
  if (kind === 'not-found' && notFoundFix) return problem(check, `not found (${said})`, notFoundFix);
  return problem(check, `could not check it (${said})`, 'look at the error above; preflight only reads');
}

/** The columns the pipeline's interactions file has (the query's output, in this order). */
export function producedColumns(_p: PipelineConfig): readonly string[] {
  return INTERACTIONS_COLUMNS;
}

/** Avro types each produced column may have in the dataset schema. */
const COLUMN_TYPES: Record<string, string[]> = {
  USER_ID: ['string'],
  ITEM_ID: ['string'],
  EVENT_TYPE: ['string'],
  EVENT_VALUE: ['float', 'double', 'int', 'long'],
  TIMESTAMP: ['long', 'int'],
};

interface AvroField {
  name: string;
  type: string | (string | { type: string })[] | { type: string };
}

function avroTypes(t: AvroField['type']): string[] {
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => (typeof x === 'string' ? x : x.type));
}

/** The interactions dataset's schema has every column the file has, with fitting types, and needs no other. */
export async function checkDatasetSchema(c: PreflightClients, p: PipelineConfig): Promise<CheckResult> {
  const check = 'interactions dataset schema';
  const datasetArn = p.personalize!.datasetArn;
  let fields: AvroField[];
  let schemaArn: string;
  try {
    const dataset = await c.personalize.send(new DescribeDatasetCommand({ datasetArn }));
    schemaArn = dataset.dataset?.schemaArn ?? '';
    const schema = await c.personalize.send(new DescribeSchemaCommand({ schemaArn }));
    fields = (JSON.parse(schema.schema?.schema ?? '{}') as { fields?: AvroField[] }).fields ?? [];
  } catch (err) {
    return failed(
      check,
      err,
      'personalize:DescribeDataset and personalize:DescribeSchema',
      'check personalize.datasetArn in the config'
    );
  }
  const produced = producedColumns(p);
  const byName = new Map(fields.map((f) => [f.name, f]));
  const issues: string[] = [];
  for (const col of produced) {
    const f = byName.get(col);
    if (!f) {
      issues.push(`the file has ${col}, the schema does not`);
      continue;
    }
    const types = avroTypes(f.type).filter((t) => t !== 'null');
    if (COLUMN_TYPES[col] && !types.some((t) => COLUMN_TYPES[col]!.includes(t))) {
      issues.push(`${col} is ${types.join('|')} in the schema, the file gives ${COLUMN_TYPES[col]!.join(' or ')}`);
    }
  }
  for (const f of fields) {
    if (!produced.includes(f.name) && !avroTypes(f.type).includes('null'))
      issues.push(`the schema requires ${f.name}, which the file does not have`);
  }
  if (issues.length) {
    return problem(
      check,
      `${schemaArn}: ${issues.join('; ')} (imports would fail)`,
      `give the dataset a schema with exactly ${produced.join(', ')} (USER_ID, ITEM_ID, EVENT_TYPE string; EVENT_VALUE float; TIMESTAMP long): aws personalize create-schema, then update-dataset --schema-arn`
    );
  }
  return ok(check, `${produced.join(', ')} match ${schemaArn}`);
}

/** performAutoTraining and syncWithLatestSolutionVersion fit the pipeline's personalize.autoTraining. */
export async function checkAutomation(c: PreflightClients, p: PipelineConfig): Promise<CheckResult[]> {
  const check = 'automatic training and deployment';
  const pz = p.personalize!;
  // A recommender retrains itself on the service's schedule; the pipeline deploys nothing to it.
  if (!pz.solutionArn || !pz.campaignArn) return [ok(check, `${pz.recommenderArn} retrains itself; runs wait for its next model`)];
  try {
    const [solution, campaign] = await Promise.all([
      c.personalize.send(new DescribeSolutionCommand({ solutionArn: pz.solutionArn })),
      c.personalize.send(new DescribeCampaignCommand({ campaignArn: pz.campaignArn })),
    ]);
    const found = automationProblems({
      solutionArn: pz.solutionArn,
      campaignArn: pz.campaignArn,
      performAutoTraining: solution.solution?.performAutoTraining,
      schedulingExpression: solution.solution?.solutionConfig?.autoTrainingConfig?.schedulingExpression,
      syncWithLatestSolutionVersion: campaign.campaign?.campaignConfig?.syncWithLatestSolutionVersion,
      deployedSolutionVersionArn: campaign.campaign?.solutionVersionArn,
      mode: pz.autoTraining,
    });
    if (found.length) return found.map((f) => problem(check, f.problem, f.fix));
    const who = pz.autoTraining === 'gate' ? 'the service trains, the pipeline gates' : 'only the pipeline trains';
    return [ok(check, `${who}; the campaign serves the version it is given`)];
  } catch (err) {
    return [
      failed(
        check,
        err,
        'personalize:DescribeSolution and personalize:DescribeCampaign',
        'check personalize.solutionArn and campaignArn in the config'
      ),
    ];
  }
}

/** A concrete ARN for a pattern, to simulate against: `…/shop-*` → `…/shop-preflight`. */
function sampleOf(resource: string): string {
  return resource.replace(/\*$/, 'preflight-check').replace(/\*/g, 'x');
}

function contextFor(g: Grant): ContextEntry[] {
  const entries: ContextEntry[] = [];
  for (const values of Object.values(g.conditions ?? {})) {
    for (const [key, value] of Object.entries(values)) {
      entries.push({
        ContextKeyName: key,
        ContextKeyType: 'string',
        ContextKeyValues: Array.isArray(value) ? value : [value],
      });
    }
  }
  return entries;
}

/** Every (action, resource) the simulation did not allow. */
function denials(results: EvaluationResult[]): { action: string; resource: string; decision: string }[] {
  return results.flatMap((r) => {
    const perResource = r.ResourceSpecificResults?.length
      ? r.ResourceSpecificResults.map((x) => ({
          resource: x.EvalResourceName ?? '*',
          decision: x.EvalResourceDecision ?? 'implicitDeny',
        }))
      : [{ resource: r.EvalResourceName ?? '*', decision: r.EvalDecision ?? 'implicitDeny' }];
    return perResource.filter((x) => x.decision !== 'allowed').map((x) => ({ action: r.EvalActionName ?? '?', ...x }));
  });
}

async function simulate(
  c: PreflightClients,
  principalArn: string,
  grants: Grant[]
): Promise<{ grant: Grant; action: string; resource: string; decision: string }[]> {
  const missing: { grant: Grant; action: string; resource: string; decision: string }[] = [];
  for (const g of grants) {
    const out = await c.iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: principalArn,
        ActionNames: g.actions,
        ResourceArns: g.resources.map(sampleOf),
        ContextEntries: contextFor(g).length ? contextFor(g) : undefined,
      })
    );
    for (const d of denials(out.EvaluationResults ?? [])) missing.push({ grant: g, ...d });
  }
  return missing;
}

/** The IAM role ARN behind the caller: an assumed-role session becomes its role. */
export function principalOf(callerArn: string): string | undefined {
  const assumed = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  if (assumed) return `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`;
  if (/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/.test(callerArn)) return callerArn;
  return undefined;
}

/** The import role trusts Personalize and can read the runs' interactions files. */
export async function checkImportRole(c: PreflightClients, p: PipelineConfig): Promise<CheckResult[]> {
  const roleArn = p.personalize!.importRoleArn;
  const name = roleArn.split('/').pop()!;
  const trust = 'import role trusts Personalize';
  const results: CheckResult[] = [];
  try {
    const role = await c.iam.send(new GetRoleCommand({ RoleName: name }));
    const doc = JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '%7B%7D')) as PolicyDocument;
    const { allowedBy } = serviceAccess(doc, 'personalize.amazonaws.com', 'sts:AssumeRole');
    const account = pipelineScope(p).account;
    const foreign = Object.values(allowedBy?.Condition ?? {}).some(
      (v) => v['aws:SourceAccount'] !== undefined && ![v['aws:SourceAccount']].flat().includes(account)
    );
    if (!allowedBy) {
      results.push(
        problem(
          trust,
          `${roleArn} does not let personalize.amazonaws.com assume it (its trust policy has ${statements(doc).length} statement(s), none for Personalize)`,
          `add to its trust policy: {"Effect":"Allow","Principal":{"Service":"personalize.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"${account}"}}} (or deploy the stack: npm run cdk -- deploy)`
        )
      );
    } else if (foreign) {
      results.push(
        problem(
          trust,
          `${roleArn} trusts Personalize only for another account (aws:SourceAccount)`,
          `set aws:SourceAccount to ${account} in its trust policy`
        )
      );
    } else {
      results.push(ok(trust, roleArn));
    }
  } catch (err) {
    results.push(
      failed(
        trust,
        err,
        `iam:GetRole on ${roleArn}`,
        `create the role named in personalize.importRoleArn (npm run cdk -- deploy creates it)`
      )
    );
  }
  const read = 'import role can read the work prefix';
  try {
    const missing = await simulate(c, roleArn, importRoleGrants(p));
    results.push(
      missing.length
        ? problem(
            read,
            `${roleArn} may not ${missing.map((m) => `${m.action} on ${m.resource}`).join(', ')}`,
            `grant it s3:GetObject on ${objectsArn(pipelineScope(p), runsPlace(p))} and s3:ListBucket on ${bucketArn(pipelineScope(p), runsPlace(p).bucket)}`
          )
        : ok(read, `s3:GetObject under ${p.workPrefix}runs/, s3:ListBucket`)
    );
  } catch (err) {
    results.push(failed(read, err, `iam:SimulatePrincipalPolicy on ${roleArn}`));
  }
  return results;
}

/** The work bucket's policy admits Personalize to the interactions files. */
export async function checkBucketPolicy(c: PreflightClients, p: PipelineConfig): Promise<CheckResult> {
  const check = 'bucket policy admits Personalize';
  const scope = pipelineScope(p);
  const runs = runsPlace(p);
  const object = `arn:${scope.partition}:s3:::${runs.bucket}/${runs.prefix}2026-01-01/interactions.csv`;
  const statement = `{"Effect":"Allow","Principal":{"Service":"personalize.amazonaws.com"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["${bucketArn(scope, runs.bucket)}","${objectsArn(scope, runs)}"]}`;
  let doc: PolicyDocument;
  try {
    const out = await c.s3.send(new GetBucketPolicyCommand({ Bucket: runs.bucket }));
    doc = JSON.parse(out.Policy ?? '{}') as PolicyDocument;
  } catch (err) {
    if (errorName(err) === 'NoSuchBucketPolicy') {
      return problem(
        check,
        `bucket ${runs.bucket} has no bucket policy, and Personalize needs one to read the interactions files`,
        `add this statement to its policy: ${statement}`
      );
    }
    return failed(
      check,
      err,
      `s3:GetBucketPolicy on ${bucketArn(scope, runs.bucket)}`,
      `create the bucket named in workPrefix (npm run cdk -- deploy creates it)`
    );
  }
  const get = serviceAccess(doc, 'personalize.amazonaws.com', 's3:GetObject', object);
  const list = serviceAccess(doc, 'personalize.amazonaws.com', 's3:ListBucket', bucketArn(scope, runs.bucket));
  const denied = get.deniedBy ?? list.deniedBy;
  if (denied)
    return problem(
      check,
      `bucket ${runs.bucket} denies Personalize (statement ${denied.Sid ?? 'without Sid'})`,
      `remove that Deny for personalize.amazonaws.com, or scope it away from ${runs.prefix}`
    );
  if (!get.allowedBy || !list.allowedBy) {
    const lacking = [!get.allowedBy && `s3:GetObject on ${runs.prefix}*`, !list.allowedBy && 's3:ListBucket']
      .filter(Boolean)
      .join(' and ');
    return problem(
      check,
      `bucket ${runs.bucket}'s policy does not give personalize.amazonaws.com ${lacking}`,
      `add this statement to its policy: ${statement}`
    );
  }
  return ok(check, `${runs.bucket}: s3:GetObject under ${runs.prefix}, s3:ListBucket`);
}

/** The Athena tables exist, at the configured locations, with partition projection as the query expects. */
export async function checkTables(c: PreflightClients, p: PipelineConfig): Promise<CheckResult[]> {
  if (p.warehouse.kind !== 'athena') return [];
  const database = p.warehouse.database;
  const results: CheckResult[] = [];
  for (const def of tablesForPipeline(p)) {
    const check = `Athena table ${database}.${def.name}`;
    try {
      const out = await c.glue.send(new GetTableCommand({ DatabaseName: database, Name: def.name }));
      const table = out.Table;
      const params = table?.Parameters ?? {};
      const issues: string[] = [];
      const location = table?.StorageDescriptor?.Location?.replace(/\/?$/, '/');
      if (location !== def.location)
        issues.push(`its location is ${location ?? 'unset'}, the config's ${def.location}`);
      for (const [key, want] of Object.entries(def.parameters)) {
        if (!key.startsWith('projection.') && key !== 'storage.location.template') continue;
        // The projection range's first hour is the operator's to choose.
        if (key.endsWith('.range')) {
          if (!params[key]) issues.push(`${key} is missing`);
          continue;
        }
        if (params[key] !== want)
          issues.push(`${key} is ${params[key] === undefined ? 'missing' : `'${params[key]}'`}, expected '${want}'`);
      }
      const partitions = (table?.PartitionKeys ?? []).map((k) => k.Name);
      for (const k of def.partitionKeys)
        if (!partitions.includes(k.name)) issues.push(`partition key ${k.name} is missing`);
      const serde = table?.StorageDescriptor?.SerdeInfo?.SerializationLibrary;
      if (serde !== def.serde.library) issues.push(`its SerDe is ${serde ?? 'unset'}, expected ${def.serde.library}`);
      results.push(
        issues.length
          ? problem(
              check,
              issues.join('; '),
              'recreate it from the definitions: npm run cdk -- deploy (or the DDL that `athena ddl` prints)'
            )
          : ok(
              check,
              def.partitionKeys.length
                ? `projected on ${def.partitionKeys.map((k) => k.name).join(', ')} over ${def.location}`
                : def.location
            )
      );
    } catch (err) {
      results.push(
        failed(
          check,
          err,
          `glue:GetTable on ${database}.${def.name}`,
          'create it: npm run cdk -- deploy (or the DDL that `athena ddl` prints)'
        )
      );
    }
  }
  return results;
}

/** The worker's own permissions, simulated with IAM's policy simulator against the pipeline's ARNs. */
export async function checkWorkerPermissions(
  c: PreflightClients,
  p: PipelineConfig,
  principal?: string
): Promise<CheckResult> {
  const check = "worker's permissions";
  let arn = principal;
  if (!arn) {
    try {
      const me = await c.sts.send(new GetCallerIdentityCommand({}));
      arn = principalOf(me.Arn ?? '');
      if (!arn)
        return {
          check,
          status: 'unchecked',
          detail: `cannot simulate ${me.Arn}`,
          fix: 'name the worker role: preflight --principal <WorkerRoleArn output of the stack>',
        };
    } catch (err) {
      return failed(check, err, 'sts:GetCallerIdentity');
    }
  }
  try {
    const missing = await simulate(c, arn, workerGrants(p));
    if (missing.length === 0)
      return ok(
        check,
        `${arn} may do all ${workerGrants(p).reduce((n, g) => n + g.actions.length, 0)} actions the pipeline uses`
      );
    return problem(
      check,
      `${arn} may not: ${missing.map((m) => `${m.action} on ${m.resource} (to ${m.grant.why})`).join('; ')}`,
      'deploy the stack and run the worker with its role (npm run cdk -- deploy; output WorkerRoleArn), or grant those actions'
    );
  } catch (err) {
    return failed(check, err, `iam:SimulatePrincipalPolicy on ${arn}`, `check --principal ${arn}`);
  }
}
