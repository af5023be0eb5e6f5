/**
 * Table definitions as data: columns, SerDe and its properties, partition projection and the
 * location template of each Athena table a pipeline queries. The stack builds its Glue tables from
 * them (constructs/events-table.ts); they state the same facts as `athenaTableDdl`
 * (activities/query/athena.ts), which a test checks column by column.
 *
 * The seam for more source kinds: `tablesForPipeline` returns one definition per configured
 * source, `deliveryStreamsFor` one Firehose stream per source; a new kind adds its definition here.
 */
import type { PipelineConfig } from '../../common/config';
import { eventPlaces, s3Place, type S3Place } from './permissions';

export interface GlueColumn {
  name: string;
  /** Hive type, e.g. `string`, `bigint`, `map<string,string>`, `struct<client_id:string>`. */
  type: string;
}

export interface GlueTableDefinition {
  name: string;
  description: string;
  columns: GlueColumn[];
  partitionKeys: GlueColumn[];
  serde: { library: string; parameters: Record<string, string> };
  inputFormat: string;
  outputFormat: string;
  /** s3://…/ ending in '/'. */
  location: string;
  /** Table properties: partition projection and `storage.location.template` among them. */
  parameters: Record<string, string>;
}

export const OPENX_JSON_SERDE = 'org.openx.data.jsonserde.JsonSerDe';
const TEXT_INPUT = 'org.apache.hadoop.mapred.TextInputFormat';
const TEXT_OUTPUT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';

/** The Firehose folder format the partition key follows (UTC hours). */
export const HOUR_FORMAT = 'yyyy/MM/dd/HH';
export const DEFAULT_FIRST_HOUR = '2020/01/01/00';

function slash(uri: string): string {
  return uri.replace(/\/?$/, '/');
}

/** The Pinpoint event stream as Firehose writes it: JSON lines under `YYYY/MM/DD/HH/`, projected on `dt`. */
export function pinpointEventsTable(opts: {
  name: string;
  eventsLocation: string;
  firstHour?: string;
}): GlueTableDefinition {
  const location = slash(opts.eventsLocation);
  return {
    name: opts.name,
    description: 'Pinpoint event stream delivered by Firehose (JSON lines, YYYY/MM/DD/HH/ folders)',
    columns: [
      { name: 'event_type', type: 'string' },
      { name: 'event_timestamp', type: 'bigint' },
      { name: 'arrival_timestamp', type: 'bigint' },
      { name: 'event_version', type: 'string' },
      { name: 'application', type: 'struct<app_id:string>' },
      { name: 'client', type: 'struct<client_id:string>' },
      { name: 'attributes', type: 'map<string,string>' },
      { name: 'awsaccountid', type: 'string' },
    ],
    partitionKeys: [{ name: 'dt', type: 'string' }],
    serde: { library: OPENX_JSON_SERDE, parameters: { 'ignore.malformed.json': 'true' } },
    inputFormat: TEXT_INPUT,
    outputFormat: TEXT_OUTPUT,
    location,
    parameters: {
      EXTERNAL: 'TRUE',
      classification: 'json',
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': HOUR_FORMAT,
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'HOURS',
      'projection.dt.range': `${opts.firstHour ?? DEFAULT_FIRST_HOUR},NOW`,
      'storage.location.template': `${location}\${dt}/`,
    },
  };
}

/** Pinpoint endpoint exports (gzip NDJSON); a run's export is picked by `"$path"`. */
export function endpointExportTable(opts: { name: string; location: string }): GlueTableDefinition {
  return {
    name: opts.name,
    description: 'Pinpoint endpoint exports, one folder per run',
    columns: [
      { name: 'id', type: 'string' },
      { name: 'channeltype', type: 'string' },
      { name: 'address', type: 'string' },
      { name: 'endpointstatus', type: 'string' },
      { name: 'optout', type: 'string' },
      { name: 'effectivedate', type: 'string' },
    ],
    partitionKeys: [],
    serde: { library: OPENX_JSON_SERDE, parameters: { 'ignore.malformed.json': 'true', 'case.insensitive': 'true' } },
    inputFormat: TEXT_INPUT,
    outputFormat: TEXT_OUTPUT,
    location: slash(opts.location),
    parameters: { EXTERNAL: 'TRUE', classification: 'json' },
  };
}

/** Every run's endpoint export lands under `<workPrefix>runs/<date>/endpoints/`: the table spans `runs/`. */
export function endpointExportsLocation(p: PipelineConfig): string {
  return `${slash(p.workPrefix)}runs/`;
}

/** The Glue tables an AWS pipeline queries, one per configured source (plus the endpoint export). */
export function tablesForPipeline(p: PipelineConfig): GlueTableDefinition[] {
  if (p.backend !== 'aws' || p.warehouse.kind !== 'athena') return [];
  if (p.source.kind !== 'pinpoint') {
    throw new Error(`pipeline ${p.name}: the stack has no table definition for source kind "${p.source.kind}" yet`);
  }
  const tables = [pinpointEventsTable({ name: p.warehouse.eventsTable, eventsLocation: p.source.eventsPrefix })];
  if (p.source.endpointExport.enabled) {
    tables.push(endpointExportTable({ name: p.warehouse.endpointsTable, location: endpointExportsLocation(p) }));
  }
  return tables;
}

/** One Firehose delivery stream per configured source: where it writes, and what it is called. */
export interface DeliveryStreamSpec {
  /** Delivery stream name (1–64 of [a-zA-Z0-9_.-]). */
  name: string;
  /** The source's events place: records land under `<prefix>YYYY/MM/DD/HH/`. */
  events: S3Place;
  /** Where Firehose puts records it could not deliver, kept away from the table's location. */
  errors: S3Place;
}

export function deliveryStreamsFor(p: PipelineConfig, environment: string): DeliveryStreamSpec[] {
  if (p.backend !== 'aws') return [];
  return eventPlaces(p).map((events, i) => {
    const name = `personalize-optimizer-${environment}-${p.name}${i ? `-${i + 1}` : ''}`.slice(0, 64);
    return { name, events, errors: s3Place(`s3://${events.bucket}/firehose-errors/${name}/`) };
  });
}
