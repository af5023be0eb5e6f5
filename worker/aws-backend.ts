/** Config → AWS ports of a pipeline (SDK v3 clients; credentials and region from the usual chain). */
import { AthenaClient } from '@aws-sdk/client-athena';
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { S3Client } from '@aws-sdk/client-s3';
import { AthenaWarehouse } from '../activities/aws/athena';
import { PinpointEndpointExporter } from '../activities/aws/pinpoint';
import { PersonalizeBatchInference } from '../activities/aws/batch-inference';
import { PersonalizeRecommender } from '../activities/aws/personalize';
import { S3ObjectStore } from '../activities/aws/s3';
import type { PipelinePorts } from '../activities/ports';
import { buildAthenaInteractionsQuery } from '../activities/query/athena';
import { interactionsSpec, pipelineSources, type PipelineConfig } from '../common/config';

export function buildAwsPorts(p: PipelineConfig): PipelinePorts {
  if (!p.personalize || p.warehouse.kind !== 'athena')
    throw new Error(`pipeline ${p.name}: the aws backend needs personalize ARNs and an athena warehouse`);
  const region = p.personalize.region;
  // Every source kind reads its own Glue table (`athena ddl` prints them).
  const spec = interactionsSpec(p);
  const athena = p.warehouse;
  const ports: PipelinePorts = {
    warehouse: new AthenaWarehouse(new AthenaClient({ region }), {
      database: athena.database,
      workGroup: athena.workGroup,
      outputLocation: athena.outputLocation,
      buildSql: (req) => buildAthenaInteractionsQuery(spec, req, { endpoints: athena.endpointsTable }),
    }),
    recommender: new PersonalizeRecommender(new PersonalizeClient({ region }), {
      importRoleArn: p.personalize.importRoleArn,
      campaignArn: p.personalize.campaignArn,
      autoTraining: p.personalize.autoTraining,
    }),
    batchInference: new PersonalizeBatchInference(new PersonalizeClient({ region }), {
      roleArn: p.personalize.batchInferenceRoleArn ?? p.personalize.importRoleArn,
    }),
    store: new S3ObjectStore(new S3Client({ region })),
  };
  const exporting = pipelineSources(p).find((s) => s.kind === 'pinpoint' && s.endpointExport.enabled);
  if (exporting?.kind === 'pinpoint') {
    ports.exporter = new PinpointEndpointExporter(new PinpointClient({ region }), {
      applicationId: exporting.endpointExport.applicationId!,
      roleArn: exporting.endpointExport.roleArn!,
    });
  }
  return ports;
}
