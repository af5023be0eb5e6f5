/**
 * What the stack builds per pipeline source: its Glue table and its Firehose delivery stream. The
 * table definitions are the ones `athena ddl` prints and the Trino suite registers
 * (activities/query/glue-tables.ts): one definition per source kind, so the deployed tables, the
 * printed DDL and the SQL's tests cannot drift.
 */
import { pipelineGlueTables, type GlueTableDefinition } from '../../activities/query/glue-tables';
import { pipelineSources, type PipelineConfig, type SourceConfig } from '../../common/config';
import { s3Place, type S3Place } from './permissions';

export type { GlueColumn, GlueTableDefinition } from '../../activities/query/glue-tables';

/** The Glue tables an AWS pipeline queries, one per configured source (plus the endpoint export). */
export function tablesForPipeline(p: PipelineConfig): GlueTableDefinition[] {
  if (p.backend !== 'aws' || p.warehouse.kind !== 'athena') return [];
  return pipelineGlueTables(p);
}

/** One Firehose delivery stream per configured source: where it writes, and what it is called. */
export interface DeliveryStreamSpec {
  /** Delivery stream name (1–64 of [a-zA-Z0-9_.-]). */
  name: string;
  /** The source kind the stream carries (Pinpoint's event stream needs a role to write to it). */
  kind: SourceConfig['kind'];
  /** The source's events place: records land under `<prefix>YYYY/MM/DD/HH/`. */
  events: S3Place;
  /** Where Firehose puts records it could not deliver, kept away from the table's location. */
  errors: S3Place;
}

export function deliveryStreamsFor(p: PipelineConfig, environment: string): DeliveryStreamSpec[] {
  if (p.backend !== 'aws') return [];
  return pipelineSources(p).map((source, i) => {
    const name = `personalize-optimizer-${environment}-${p.name}${i ? `-${i + 1}` : ''}`.slice(0, 64);
    const events = s3Place(source.eventsPrefix);
    return { name, kind: source.kind, events, errors: s3Place(`s3://${events.bucket}/firehose-errors/${name}/`) };
  });
}
