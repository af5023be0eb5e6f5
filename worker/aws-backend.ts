/** Config → AWS ports of a pipeline (SDK v3 clients; credentials and region from the usual chain). */
import { AthenaClient } from '@aws-sdk/client-athena';
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { S3Client } from '@aws-sdk/client-s3';
import { AthenaWarehouse } from '../activities/aws/athena';
import { PinpointEndpointExporter } from '../activities/aws/pinpoint';
import { PersonalizeRecommender } from '../activities/aws/personalize';
import { S3ObjectStore } from '../activities/aws/s3';
import type { PipelinePorts } from '../activities/ports';
import { buildAthenaInteractionsQuery } from '../activities/query/athena';
import { interactionsSource, type PipelineConfig } from '../common/config';

export function buildAwsPorts(p: PipelineConfig): PipelinePorts {
  if (!p.personalize || p.warehouse.kind !== 'athena') throw new Error(`pipeline ${p.name}: the aws backend needs personalize ARNs and an athena warehouse`);
  const region = p.personalize.region;
  const spec = interactionsSource(p);
  if (spec.kind !== 'pinpoint') {
    throw new Error(`pipeline ${p.name}: on AWS the events source needs its own Athena table; use source.kind 'pinpoint' or the local backend`);
  }
  const athena = p.warehouse;
  const ports: PipelinePorts = {
    warehouse: new AthenaWarehouse(new AthenaClient({ region }), {
      database: athena.database,
      workGroup: athena.workGroup,
      outputLocation: athena.outputLocation,
      buildSql: (req) => buildAthenaInteractionsQuery(spec, req, { events: athena.eventsTable, endpoints: athena.endpointsTable }),
    }),
    recommender: new PersonalizeRecommender(new PersonalizeClient({ region }), {
      importRoleArn: p.personalize.importRoleArn,
      campaignArn: p.personalize.campaignArn,
      autoTraining: p.personalize.autoTraining,
    }),
    store: new S3ObjectStore(new S3Client({ region })),
  };
  if (p.source.kind === 'pinpoint' && p.source.endpointExport.enabled) {
    ports.exporter = new PinpointEndpointExporter(new PinpointClient({ region }), {
      applicationId: p.source.endpointExport.applicationId!,
      roleArn: p.source.endpointExport.roleArn!,
    });
  }
  return ports;
}
