/**
 * The IAM permissions of an AWS pipeline, as data: one list serves the CDK stack (the policies it
 * attaches) and `preflight` (the permissions it simulates), so what is deployed and what is checked
 * cannot drift. Every action is scoped to the pipeline's own ARNs; the only `*` resources are for
 * actions IAM cannot scope (the Service Authorization Reference lists no resource type for them).
 *
 * Pure: no SDK, no CDK (the client imports it, and the production image has no aws-cdk-lib).
 */
import { pipelineSources, type PipelineConfig } from '../../common/config';
import { pipelineGlueTables } from '../../activities/query/glue-tables';

export interface Grant {
  /** Statement id: letters and digits. */
  sid: string;
  actions: string[];
  resources: string[];
  conditions?: Record<string, Record<string, string | string[]>>;
  /** Why the pipeline needs it, for preflight's messages. */
  why: string;
}

/** Actions with no resource type in the Service Authorization Reference: only `*` works for them. */
export const UNSCOPABLE_ACTIONS = new Set([
  'personalize:ListDatasetImportJobs',
  'personalize:ListSolutionVersions',
  'personalize:ListBatchInferenceJobs',
  'personalize:PutEvents',
]);

export interface AwsScope {
  partition: string;
  region: string;
  account: string;
}

export interface S3Place {
  bucket: string;
  /** Key prefix ending in '/', or '' for the whole bucket. */
  prefix: string;
}

/** `s3://bucket/some/prefix/` → { bucket, prefix: 'some/prefix/' }. */
export function s3Place(uri: string): S3Place {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new TypeError(`not an s3:// URI: ${uri}`);
  const rest = m[2]!;
  return { bucket: m[1]!, prefix: rest === '' || rest.endsWith('/') ? rest : `${rest}/` };
}

export function bucketArn(scope: AwsScope, bucket: string): string {
  return `arn:${scope.partition}:s3:::${bucket}`;
}

/** The objects under a place: `arn:aws:s3:::bucket/prefix/*`. */
export function objectsArn(scope: AwsScope, place: S3Place): string {
  return `arn:${scope.partition}:s3:::${place.bucket}/${place.prefix}*`;
}

/** Partition, region and account of an AWS pipeline, read from its dataset ARN. */
export function pipelineScope(p: PipelineConfig): AwsScope {
  const arn = p.personalize?.datasetArn;
  const m = /^arn:(aws[a-z-]*):personalize:([a-z0-9-]+):(\d{12}):/.exec(arn ?? '');
  if (!m) throw new Error(`pipeline ${p.name}: needs personalize.datasetArn with a region and an account`);
  return { partition: m[1]!, region: m[2]!, account: m[3]! };
}

function workPrefixOf(p: PipelineConfig): string {
  return p.workPrefix.endsWith('/') ? p.workPrefix : `${p.workPrefix}/`;
}

/** Where a pipeline's runs write: `<workPrefix>runs/` (interactions files, query results, records). */
export function runsPlace(p: PipelineConfig): S3Place {
  return s3Place(`${workPrefixOf(p)}runs/`);
}

/** Where Athena writes the query results: warehouse.outputLocation, else the runs' own folders. */
export function queryResultsPlace(p: PipelineConfig): S3Place {
  return p.warehouse.kind === 'athena' && p.warehouse.outputLocation
    ? s3Place(p.warehouse.outputLocation)
    : runsPlace(p);
}

/** The S3 places a pipeline's events arrive in (one per source; today a pipeline has one). */
export function eventPlaces(p: PipelineConfig): S3Place[] {
  return pipelineSources(p).map((s) => s3Place(s.eventsPrefix));
}

/** Import job names start with the pipeline name (workflows/plan.ts runNames). */
export function importJobsArn(scope: AwsScope, p: PipelineConfig): string {
  return `arn:${scope.partition}:personalize:${scope.region}:${scope.account}:dataset-import-job/${p.name}-*`;
}

/** Training and deploying: a pipeline with a solution and a campaign (a recommender's has neither). */
function solutionGrants(id: string, solutionArn: string, campaignArn: string): Grant[] {
  return [
    {
      sid: `${id}Train`,
      actions: [
        'personalize:DescribeSolution',
        'personalize:CreateSolutionVersion',
        'personalize:DescribeSolutionVersion',
        'personalize:StopSolutionVersionCreation',
        'personalize:GetSolutionMetrics',
      ],
      // Solution versions are `<solutionArn>/<id>`: IAM knows them as the solution resource type.
      resources: [solutionArn, `${solutionArn}/*`],
      why: 'train solution versions, follow and stop them, read their metrics',
    },
    {
      sid: `${id}Deploy`,
      actions: ['personalize:DescribeCampaign', 'personalize:UpdateCampaign'],
      resources: [campaignArn],
      why: 'deploy the version the gate passed',
    },
  ];
}

/** A dataset source: the object itself, or every object under its folder. */
function datasetPlace(uri: string): S3Place {
  return uri.endsWith('/') ? s3Place(uri) : s3Place(uri.slice(0, uri.lastIndexOf('/') + 1));
}

/** What the worker needs for one AWS pipeline. */
export function workerGrants(p: PipelineConfig): Grant[] {
  if (p.backend !== 'aws' || !p.personalize || p.warehouse.kind !== 'athena') return [];
  const scope = pipelineScope(p);
  const { partition, region, account } = scope;
  const pz = p.personalize;
  const wh = p.warehouse;
  const id = sidOf(p.name);
  const work = s3Place(workPrefixOf(p));
  const results = queryResultsPlace(p);
  const events = eventPlaces(p);
  const glue = (kind: string) => `arn:${partition}:glue:${region}:${account}:${kind}`;
  const tables = pipelineGlueTables(p).map((t) => t.name);
  const datasetArns = [p.datasets?.items?.datasetArn, p.datasets?.users?.datasetArn].filter((a): a is string => !!a);
  const datasetPlaces = [p.datasets?.items?.source, p.datasets?.users?.source].filter((u): u is string => !!u).map(datasetPlace);

  const grants: Grant[] = [
    {
      sid: `${id}Import`,
      actions: ['personalize:CreateDatasetImportJob', 'personalize:DescribeDatasetImportJob'],
      resources: [pz.datasetArn, ...datasetArns, importJobsArn(scope, p)],
      why: 'import the interactions file (and the items / users files) into their datasets and follow the import jobs',
    },
  ];
  if (pz.solutionArn && pz.campaignArn) grants.push(...solutionGrants(id, pz.solutionArn, pz.campaignArn));
  if (pz.recommenderArn) {
    grants.push({
      sid: `${id}Recommender`,
      actions: ['personalize:DescribeRecommender'],
      resources: [pz.recommenderArn],
      why: "wait for the recommender's next model and read its metrics",
    });
  }
  if (datasetPlaces.length) {
    grants.push(
      {
        sid: `${id}DatasetFiles`,
        actions: ['s3:GetObject'],
        resources: datasetPlaces.map((d) => objectsArn(scope, d)),
        why: "read the items / users files' versions (HeadObject) to skip an unchanged file",
      },
      {
        sid: `${id}DatasetBuckets`,
        actions: ['s3:ListBucket'],
        resources: unique(datasetPlaces.map((d) => bucketArn(scope, d.bucket))),
        why: 'list the items / users folders',
      }
    );
  }
  grants.push(
    {
      sid: `${id}FindJobs`,
      actions: ['personalize:ListDatasetImportJobs', 'personalize:ListSolutionVersions'],
      resources: ['*'],
      why: 'adopt a job a retried start created (List actions take no resource ARN)',
    },
    {
      sid: `${id}PassImportRole`,
      actions: ['iam:PassRole'],
      resources: [pz.importRoleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'personalize.amazonaws.com' } },
      why: 'hand the import role to Personalize',
    },
    {
      sid: `${id}Query`,
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution'],
      resources: [`arn:${partition}:athena:${region}:${account}:workgroup/${wh.workGroup}`],
      why: 'run the interactions query',
    },
    {
      sid: `${id}Tables`,
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
      resources: [
        glue('catalog'),
        glue(`database/${wh.database}`),
        ...tables.map((t) => glue(`table/${wh.database}/${t}`)),
      ],
      why: 'let Athena read the table definitions',
    },
    {
      sid: `${id}ReadEvents`,
      actions: ['s3:GetObject'],
      resources: events.map((e) => objectsArn(scope, e)),
      why: 'let Athena read the event files',
    },
    {
      sid: `${id}WorkFiles`,
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resources: unique([objectsArn(scope, work), objectsArn(scope, results)]),
      why: 'write and read the query results, the interactions file and the run records',
    },
    {
      sid: `${id}Buckets`,
      // Without s3:ListBucket, S3 answers AccessDenied instead of NoSuchKey for a missing object
      // (the first run's last-trained.json); Athena also lists the table locations.
      actions: ['s3:ListBucket', 's3:GetBucketLocation'],
      resources: unique([work.bucket, results.bucket, ...events.map((e) => e.bucket)]).map((b) => bucketArn(scope, b)),
      why: 'list the work and event buckets',
    }
  );
  const exporting = pipelineSources(p).find((s) => s.kind === 'pinpoint' && s.endpointExport.enabled);
  if (exporting?.kind === 'pinpoint') {
    const app = `arn:${partition}:mobiletargeting:${region}:${account}:apps/${exporting.endpointExport.applicationId}`;
    grants.push(
      {
        sid: `${id}Export`,
        actions: ['mobiletargeting:CreateExportJob', 'mobiletargeting:GetExportJob', 'mobiletargeting:GetExportJobs'],
        resources: [app, `${app}/*`],
        why: 'export the Pinpoint endpoints',
      },
      {
        sid: `${id}PassExportRole`,
        actions: ['iam:PassRole'],
        resources: [exporting.endpointExport.roleArn!],
        conditions: { StringEquals: { 'iam:PassedToService': 'pinpoint.amazonaws.com' } },
        why: 'hand the export role to Pinpoint',
      }
    );
  }
  if (p.notifications.snsTopicArn) {
    grants.push({
      sid: `${id}Notify`,
      actions: ['sns:Publish'],
      resources: [p.notifications.snsTopicArn],
      why: 'notify run outcomes',
    });
  }
  if (p.recommendations) {
    const batchRole = pz.batchInferenceRoleArn ?? pz.importRoleArn;
    grants.push(
      {
        sid: `${id}Recommend`,
        actions: ['personalize:CreateBatchInferenceJob', 'personalize:DescribeBatchInferenceJob'],
        resources: [
          `${pz.solutionArn}/*`,
          `arn:${partition}:personalize:${region}:${account}:batch-inference-job/${p.name}-*`,
          ...(p.recommendations.filterArn ? [p.recommendations.filterArn] : []),
        ],
        why: 'write recommendations out with a batch inference job from the deployed version',
      },
      {
        sid: `${id}FindBatchJobs`,
        actions: ['personalize:ListBatchInferenceJobs'],
        resources: ['*'],
        why: 'adopt a batch inference job a retried start created (List actions take no resource ARN)',
      }
    );
    if (batchRole !== pz.importRoleArn) {
      grants.push({
        sid: `${id}PassBatchRole`,
        actions: ['iam:PassRole'],
        resources: [batchRole],
        conditions: { StringEquals: { 'iam:PassedToService': 'personalize.amazonaws.com' } },
        why: 'hand the batch inference role to Personalize',
      });
    }
  }
  if (p.realtime) {
    const datasets = [p.realtime.usersDatasetArn, p.realtime.itemsDatasetArn].filter((a): a is string => !!a);
    if (p.realtime.trackingId) {
      grants.push({
        sid: `${id}PutEvents`,
        actions: ['personalize:PutEvents'],
        resources: ['*'],
        why: 'send real-time events (PutEvents takes no resource ARN)',
      });
    }
    if (p.realtime.logPrefix) {
      const log = s3Place(p.realtime.logPrefix);
      grants.push(
        {
          sid: `${id}EventLog`,
          actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          resources: [objectsArn(scope, log)],
          why: 'write and read the real-time event log, its delivery ledger and dead letters (the gateway and the worker)',
        },
        {
          sid: `${id}ListEventLog`,
          actions: ['s3:ListBucket'],
          resources: [bucketArn(scope, log.bucket)],
          conditions: { StringLike: { 's3:prefix': [`${log.prefix}*`] } },
          why: 'list the event log segments after a point (the sweep) and the dead letters',
        }
      );
    }
    if (datasets.length) {
      grants.push({
        sid: `${id}PutRecords`,
        actions: ['personalize:PutUsers', 'personalize:PutItems'],
        resources: datasets,
        why: 'send real-time users and items',
      });
    }
  }
  return grants;
}

/** What Personalize, holding the import role, needs: read the interactions files the runs write. */
export function importRoleGrants(p: PipelineConfig): Grant[] {
  if (p.backend !== 'aws') return [];
  const scope = pipelineScope(p);
  const runs = runsPlace(p);
  return [
    {
      sid: 'ReadInteractions',
      actions: ['s3:GetObject'],
      resources: [objectsArn(scope, runs)],
      why: 'read the interactions file of each run',
    },
    {
      sid: 'ListWorkBucket',
      actions: ['s3:ListBucket'],
      resources: [bucketArn(scope, runs.bucket)],
      why: 'list the work bucket (Personalize checks the data location)',
    },
    // Batch inference with the import role (no batchInferenceRoleArn) writes its output under the runs.
    ...(p.recommendations && !p.personalize?.batchInferenceRoleArn
      ? [{ sid: 'WriteRecommendations', actions: ['s3:PutObject'], resources: [objectsArn(scope, runs)], why: 'write the batch inference output of each run' }]
      : []),
  ];
}

/** A statement id from a pipeline name: `shop-eu` → `ShopEu`. */
export function sidOf(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
