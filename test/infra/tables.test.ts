/**
 * The stack's table definitions state the same facts as `athenaTableDdl` (the DDL the query is
 * written against): columns and types, partition key, SerDe and its properties, location and every
 * projection property. Until both come from one definition, this keeps them from drifting.
 */
import { athenaTableDdl } from '../../activities/query/athena';
import { endpointExportTable, pinpointEventsTable, type GlueTableDefinition } from '../../infra/aws/tables';

interface ParsedDdl {
  name: string;
  columns: { name: string; type: string }[];
  partitionKeys: { name: string; type: string }[];
  serde: string;
  serdeProperties: Record<string, string>;
  location: string;
  properties: Record<string, string>;
}

function pairs(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (text ?? '').matchAll(/'([^']+)'\s*=\s*'([^']*)'/g)) out[m[1]!] = m[2]!;
  return out;
}

function columns(text: string): { name: string; type: string }[] {
  return text
    .split(/,\s*\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [name, ...type] = l.split(/\s+/);
      return { name: name!, type: type.join(' ') };
    });
}

function parseDdl(ddl: string): ParsedDdl {
  const m = /CREATE EXTERNAL TABLE IF NOT EXISTS [\w]+\.(\w+) \(\n([\s\S]*?)\n\)\n/.exec(ddl);
  if (!m) throw new Error(`cannot read the DDL:\n${ddl}`);
  return {
    name: m[1]!,
    columns: columns(m[2]!),
    partitionKeys: columns(/PARTITIONED BY \(([^)]*)\)/.exec(ddl)?.[1] ?? ''),
    serde: /ROW FORMAT SERDE '([^']+)'/.exec(ddl)![1]!,
    serdeProperties: pairs(/WITH SERDEPROPERTIES \(([^)]*)\)/.exec(ddl)?.[1]),
    location: /LOCATION '([^']+)'/.exec(ddl)![1]!,
    properties: pairs(/TBLPROPERTIES \(([\s\S]*)\)/.exec(ddl)?.[1]),
  };
}

function factsOf(d: GlueTableDefinition): ParsedDdl {
  // EXTERNAL and classification are Glue's own bookkeeping, implied by CREATE EXTERNAL TABLE.
  const { EXTERNAL: _e, classification: _c, ...properties } = d.parameters;
  return {
    name: d.name,
    columns: d.columns,
    partitionKeys: d.partitionKeys,
    serde: d.serde.library,
    serdeProperties: d.serde.parameters,
    location: d.location,
    properties,
  };
}

const [eventsDdl, endpointsDdl] = athenaTableDdl({
  database: 'personalize_optimizer',
  eventsLocation: 's3://shop-data/events/',
  endpointsLocation: 's3://shop-data/work/runs/',
});

test('the Pinpoint events table: the same columns, SerDe, location and projection as athenaTableDdl', () => {
  const ddl = parseDdl(eventsDdl!);
  expect(ddl.properties['projection.dt.format']).toBe('yyyy/MM/dd/HH');
  expect(factsOf(pinpointEventsTable({ name: 'event', eventsLocation: 's3://shop-data/events' }))).toEqual(ddl);
});

test('the endpoint export table: the same columns, SerDe and location as athenaTableDdl', () => {
  expect(factsOf(endpointExportTable({ name: 'endpoint_export', location: 's3://shop-data/work/runs/' }))).toEqual(
    parseDdl(endpointsDdl!)
  );
});

test('the comparison sees a difference (a column type changed)', () => {
  const def = pinpointEventsTable({ name: 'event', eventsLocation: 's3://shop-data/events/' });
  def.columns = def.columns.map((c) => (c.name === 'arrival_timestamp' ? { ...c, type: 'string' } : c));
  expect(factsOf(def)).not.toEqual(parseDdl(eventsDdl!));
});
