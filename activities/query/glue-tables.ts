/**
 * The Glue table of every source kind, defined once: columns, SerDe and its properties, partition
 * projection over the Firehose hour layout, location template. `athena ddl` prints DDL derived
 * from these definitions, the Trino test suite registers the same definitions in its metastore, and
 * the CDK app creates its Glue tables (and points Firehose streams) at them.
 *
 * Layout: the records as JSON lines (OpenX JSON SerDe; `ignore.malformed.json` turns an unreadable
 * line into a row of NULLs instead of failing the query), plain or gzipped, under
 * `<prefix>YYYY/MM/dd/HH/` by arrival hour (UTC), and ONE partition column `dt`, a projected string
 * in that folder format. Projection rather than registered partitions: nothing to crawl or repair,
 * new hours are queryable at once, and a range predicate on `dt` prunes a window to its hours.
 * Column names are lower case (Glue stores them so; the SerDe matches JSON keys case-insensitively).
 */
import type {
  EventsSourceSpec,
  InteractionsSource,
  PinpointSourceSpec,
  SesSourceSpec,
  SmsSourceSpec,
} from '../../common/interactions';
import { interactionsSpec, type PipelineConfig } from '../../common/config';

export const OPENX_JSON_SERDE = 'org.openx.data.jsonserde.JsonSerDe';
export const TEXT_INPUT_FORMAT = 'org.apache.hadoop.mapred.TextInputFormat';
export const TEXT_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';
/** The projected partition column every source table has. */
export const PARTITION_COLUMN = 'dt';
export const DEFAULT_FIRST_HOUR = '2020/01/01/00';

export interface GlueColumn {
  name: string;
  /** Hive type, as Glue stores it: string, bigint, struct<a:string>, map<string,array<string>> … */
  type: string;
}

/**
 * One Glue table, in the terms of Glue's TableInput (and the CDK's CfnTable): an EXTERNAL_TABLE
 * whose StorageDescriptor has these columns, SerDe, formats and location, and these Parameters.
 */
export interface GlueTableDefinition {
  name: string;
  description: string;
  columns: GlueColumn[];
  partitionKeys: GlueColumn[];
  serde: { library: string; parameters: Record<string, string> };
  inputFormat: string;
  outputFormat: string;
  /** The prefix holding the hour folders, ending in '/'. */
  location: string;
  /** Partition projection and the location template (`${dt}` stands for the partition value). */
  parameters: Record<string, string>;
}

export interface GlueTableOptions {
  /** First hour of the projection range, 'yyyy/MM/dd/HH'. */
  firstHour?: string;
}

const withSlash = (p: string) => (p.endsWith('/') ? p : `${p}/`);

function projected(location: string, opts: GlueTableOptions): Record<string, string> {
  const first = opts.firstHour ?? DEFAULT_FIRST_HOUR;
  if (!/^\d{4}\/\d{2}\/\d{2}\/\d{2}$/.test(first))
    throw new RangeError(`firstHour must be yyyy/MM/dd/HH, got "${first}"`);
  return {
    EXTERNAL: 'TRUE',
    classification: 'json',
    'projection.enabled': 'true',
    [`projection.${PARTITION_COLUMN}.type`]: 'date',
    [`projection.${PARTITION_COLUMN}.format`]: 'yyyy/MM/dd/HH',
    [`projection.${PARTITION_COLUMN}.interval`]: '1',
    [`projection.${PARTITION_COLUMN}.interval.unit`]: 'HOURS',
    [`projection.${PARTITION_COLUMN}.range`]: `${first},NOW`,
    'storage.location.template': `${location}\${${PARTITION_COLUMN}}/`,
  };
}

function table(
  name: string,
  description: string,
  columns: GlueColumn[],
  prefix: string,
  opts: GlueTableOptions
): GlueTableDefinition {
  if (!/^[a-z_][a-z0-9_]{0,254}$/.test(name))
    throw new RangeError(`Glue table name "${name}": lower-case letters, digits and _ only`);
  const location = withSlash(prefix);
  return {
    name,
    description,
    columns,
    partitionKeys: [{ name: PARTITION_COLUMN, type: 'string' }],
    serde: { library: OPENX_JSON_SERDE, parameters: { 'ignore.malformed.json': 'true' } },
    inputFormat: TEXT_INPUT_FORMAT,
    outputFormat: TEXT_OUTPUT_FORMAT,
    location,
    parameters: projected(location, opts),
  };
}

/** The Pinpoint event stream (the envelope of aws-apis.md §4.6, the fields the query reads). */
export const PINPOINT_COLUMNS: GlueColumn[] = [
  { name: 'event_type', type: 'string' },
  { name: 'event_timestamp', type: 'bigint' },
  { name: 'arrival_timestamp', type: 'bigint' },
  { name: 'event_version', type: 'string' },
  { name: 'application', type: 'struct<app_id:string>' },
  { name: 'client', type: 'struct<client_id:string>' },
  { name: 'attributes', type: 'map<string,string>' },
  { name: 'awsaccountid', type: 'string' },
];

/** SES event publishing records: each event type keeps its own time in its own object. */
export const SES_COLUMNS: GlueColumn[] = [
  { name: 'eventtype', type: 'string' },
  {
    name: 'mail',
    type: 'struct<timestamp:string,messageid:string,source:string,destination:array<string>,tags:map<string,array<string>>>',
  },
  { name: 'open', type: 'struct<timestamp:string,useragent:string,ipaddress:string>' },
  { name: 'click', type: 'struct<timestamp:string,link:string,useragent:string,ipaddress:string>' },
  { name: 'delivery', type: 'struct<timestamp:string>' },
  { name: 'bounce', type: 'struct<timestamp:string,bouncetype:string>' },
  { name: 'complaint', type: 'struct<timestamp:string>' },
  { name: 'deliverydelay', type: 'struct<timestamp:string>' },
  { name: 'subscription', type: 'struct<timestamp:string>' },
];

/** End User Messaging SMS event records (flat JSON; eventTimestamp in milliseconds). */
export const SMS_COLUMNS: GlueColumn[] = [
  { name: 'eventtype', type: 'string' },
  { name: 'eventversion', type: 'string' },
  { name: 'eventtimestamp', type: 'bigint' },
  { name: 'isfinal', type: 'boolean' },
  { name: 'messageid', type: 'string' },
  { name: 'messagestatus', type: 'string' },
  { name: 'destinationphonenumber', type: 'string' },
  { name: 'context', type: 'map<string,string>' },
];

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The dotted paths a generic-events source reads: the mapping's, plus `type` and `messageId`. */
export function eventsSourcePaths(
  spec: Pick<EventsSourceSpec, 'mapping'>
): { path: string; type: 'string' | 'array<string>' }[] {
  const m = spec.mapping;
  const paths: { path: string; type: 'string' | 'array<string>' }[] = [
    { path: 'type', type: 'string' },
    { path: 'messageId', type: 'string' },
    ...[m.USER_ID, m.ITEM_ID, m.EVENT_TYPE, m.TIMESTAMP, m.EVENT_VALUE, m.RECOMMENDATION_ID]
      .filter((p): p is string => !!p)
      .map((p) => ({ path: p, type: 'string' as const })),
    ...(m.IMPRESSION ? [{ path: m.IMPRESSION, type: 'array<string>' as const }] : []),
  ];
  const seen = new Map<string, string>();
  const out: typeof paths = [];
  for (const p of paths) {
    const prior = seen.get(p.path.toLowerCase());
    if (prior !== undefined) {
      if (prior !== p.type) throw new RangeError(`field path "${p.path}" is read both as ${prior} and as ${p.type}`);
      continue;
    }
    seen.set(p.path.toLowerCase(), p.type);
    out.push(p);
  }
  for (const p of out) {
    for (const seg of p.path.split('.')) {
      if (!SEGMENT.test(seg))
        throw new RangeError(
          `field path "${p.path}": each part must be letters, digits and _ (not starting with a digit) to be a Glue column`
        );
    }
    const parent = out.find((q) => q.path.toLowerCase().startsWith(`${p.path.toLowerCase()}.`));
    if (parent) throw new RangeError(`field path "${p.path}" is a value, but "${parent.path}" reads it as an object`);
  }
  return out;
}

/** Hive columns for a set of dotted paths: nested paths become structs. */
export function columnsForPaths(paths: { path: string; type: string }[]): GlueColumn[] {
  interface Node {
    type?: string;
    children: Map<string, Node>;
  }
  const root: Node = { children: new Map() };
  for (const { path, type } of paths) {
    let node = root;
    for (const k of path.toLowerCase().split('.')) {
      if (!node.children.has(k)) node.children.set(k, { children: new Map() });
      node = node.children.get(k)!;
    }
    node.type = type;
  }
  const typeOf = (n: Node): string =>
    n.children.size === 0
      ? n.type!
      : `struct<${[...n.children.entries()].map(([k, c]) => `${k}:${typeOf(c)}`).join(',')}>`;
  return [...root.children.entries()].map(([name, n]) => ({ name, type: typeOf(n) }));
}

export function pinpointTable(
  spec: Pick<PinpointSourceSpec, 'table' | 'eventsPrefix'>,
  opts: GlueTableOptions = {}
): GlueTableDefinition {
  return table(
    spec.table,
    'Amazon Pinpoint event stream (Firehose, JSON lines)',
    PINPOINT_COLUMNS,
    spec.eventsPrefix,
    opts
  );
}

export function sesTable(
  spec: Pick<SesSourceSpec, 'table' | 'eventsPrefix'>,
  opts: GlueTableOptions = {}
): GlueTableDefinition {
  return table(
    spec.table,
    'Amazon SES event publishing (configuration set → Firehose, JSON lines)',
    SES_COLUMNS,
    spec.eventsPrefix,
    opts
  );
}

export function smsTable(
  spec: Pick<SmsSourceSpec, 'table' | 'eventsPrefix'>,
  opts: GlueTableOptions = {}
): GlueTableDefinition {
  return table(
    spec.table,
    'AWS End User Messaging SMS events (configuration set → Firehose, JSON lines)',
    SMS_COLUMNS,
    spec.eventsPrefix,
    opts
  );
}

export function eventsTable(
  spec: Pick<EventsSourceSpec, 'table' | 'eventsPrefix' | 'mapping'>,
  opts: GlueTableOptions = {}
): GlueTableDefinition {
  return table(
    spec.table,
    'RudderStack/Segment-style JSON events (real-time event log or a warehouse destination), JSON lines',
    columnsForPaths(eventsSourcePaths(spec)),
    spec.eventsPrefix,
    opts
  );
}

/** The Glue table a source reads. */
export function glueTableFor(source: InteractionsSource, opts: GlueTableOptions = {}): GlueTableDefinition {
  switch (source.kind) {
    case 'pinpoint':
      return pinpointTable(source, opts);
    case 'ses':
      return sesTable(source, opts);
    case 'sms':
      return smsTable(source, opts);
    case 'events':
      return eventsTable(source, opts);
  }
}

/** The Pinpoint endpoint-export table (gzip NDJSON); a run's export is selected by "$path". */
export function endpointExportTable(name: string, location: string): GlueTableDefinition {
  return {
    name,
    description: 'Amazon Pinpoint endpoint exports (gzip NDJSON), one folder per run',
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
    inputFormat: TEXT_INPUT_FORMAT,
    outputFormat: TEXT_OUTPUT_FORMAT,
    location: withSlash(location),
    parameters: { EXTERNAL: 'TRUE', classification: 'json' },
  };
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const props = (p: Record<string, string>) =>
  Object.entries(p)
    .map(([k, v]) => `  ${quote(k)} = ${quote(v)}`)
    .join(',\n');

/** Athena (Hive) DDL text for a table definition. */
export function athenaDdl(def: GlueTableDefinition, database: string): string {
  const cols = (list: GlueColumn[]) => list.map((c) => `  \`${c.name}\` ${c.type}`).join(',\n');
  const tblProps = Object.fromEntries(Object.entries(def.parameters).filter(([k]) => k !== 'EXTERNAL'));
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS \`${database}\`.\`${def.name}\` (\n${cols(def.columns)}\n)`,
    `COMMENT ${quote(def.description)}`,
    ...(def.partitionKeys.length ? [`PARTITIONED BY (\n${cols(def.partitionKeys)}\n)`] : []),
    `ROW FORMAT SERDE ${quote(def.serde.library)}`,
    `WITH SERDEPROPERTIES (\n${props(def.serde.parameters)}\n)`,
    `STORED AS INPUTFORMAT ${quote(def.inputFormat)}`,
    `OUTPUTFORMAT ${quote(def.outputFormat)}`,
    `LOCATION ${quote(def.location)}`,
    ...(Object.keys(tblProps).length ? [`TBLPROPERTIES (\n${props(tblProps)}\n)`] : []),
  ].join('\n');
}

/**
 * The Glue tables one pipeline's Athena query reads: one per source, and the endpoint exports when a
 * Pinpoint source filters by them. `athena ddl` prints them, the CDK app creates them, preflight
 * checks them.
 */
export function pipelineGlueTables(p: PipelineConfig, opts: GlueTableOptions = {}): GlueTableDefinition[] {
  const spec = interactionsSpec(p);
  const tables = spec.sources.map((s) => glueTableFor(s, opts));
  if (spec.sources.some((s) => s.kind === 'pinpoint' && s.useEndpointExport)) {
    const name = p.warehouse.kind === 'athena' ? p.warehouse.endpointsTable : 'endpoint_export';
    // Every run's export lands in runs/<date>/endpoints/; the query picks its own by "$path".
    tables.push(endpointExportTable(name, `${withSlash(p.workPrefix)}runs/`));
  }
  return tables;
}
