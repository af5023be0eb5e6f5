/**
 * The Glue tables the stack creates are the tables `athena ddl` prints, for every source kind: the
 * same definitions (activities/query/glue-tables.ts), and the DDL text states the same facts as the
 * definition (columns and types, partition key, SerDe and its properties, location, every
 * projection property).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { pipelineDdl } from '../../client/athena-ddl';
import { parseConfig, type PipelineConfig } from '../../common/config';
import { PersonalizeOptimizerStack } from '../../infra/aws/stack';
import { tablesForPipeline, type GlueTableDefinition } from '../../infra/aws/tables';

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
      return { name: name!.replace(/`/g, ''), type: type.join(' ') };
    });
}

function parseDdl(ddl: string): ParsedDdl {
  const m = /CREATE EXTERNAL TABLE IF NOT EXISTS `?\w+`?\.`?(\w+)`? \(\n([\s\S]*?)\n\)\n/.exec(ddl);
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
  // EXTERNAL is Glue's own bookkeeping, implied by CREATE EXTERNAL TABLE.
  const { EXTERNAL: _e, ...properties } = d.parameters;
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

const ENV = { DATA_BUCKET: 'shop-data', AWS_ACCOUNT_ID: '111122223333', AWS_REGION: 'eu-west-1' };
const EXAMPLES = ['aws.example.yaml', 'aws-sources.example.yaml'].map((f) => path.join(__dirname, '../../config', f));

function pipelinesOf(file: string): PipelineConfig[] {
  return parseConfig(fs.readFileSync(file, 'utf8'), path.basename(file), ENV).pipelines;
}

const sourcesPipeline = pipelinesOf(EXAMPLES[1]!)[0]!;

test('the sources example covers SES, SMS and events tables', () => {
  expect(tablesForPipeline(sourcesPipeline).map((t) => t.name)).toEqual(['ses_event', 'sms_event', 'track_event']);
});

test.each(EXAMPLES.flatMap((f) => pipelinesOf(f).map((p) => [path.basename(f), p] as const)))(
  '%s: each table of athena ddl states the same facts as the definition the stack builds',
  (_file, p) => {
    const defs = tablesForPipeline(p);
    const ddl = pipelineDdl(p);
    expect(ddl).toHaveLength(defs.length);
    defs.forEach((def, i) => expect(parseDdl(ddl[i]!)).toEqual(factsOf(def)));
  }
);

test('the stack creates one Glue table per source, from the same definitions', () => {
  const config = parseConfig(fs.readFileSync(EXAMPLES[1]!, 'utf8'), 'aws-sources.example.yaml', ENV);
  const t = Template.fromStack(
    new PersonalizeOptimizerStack(new App(), { config, configPath: 'config/aws-sources.example.yaml' })
  );
  const tables = Object.values(t.findResources('AWS::Glue::Table')).map(
    (r) =>
      (
        r.Properties as {
          TableInput: {
            Name: string;
            StorageDescriptor: { Columns: { Name: string; Type: string }[] };
            Parameters: Record<string, string>;
          };
        }
      ).TableInput
  );
  for (const def of tablesForPipeline(sourcesPipeline)) {
    const table = tables.find((x) => x.Name === def.name);
    expect(table).toBeDefined();
    expect(table!.StorageDescriptor.Columns.map((c) => ({ name: c.Name, type: c.Type }))).toEqual(def.columns);
    expect(table!.Parameters).toEqual(def.parameters);
  }
  expect(tables).toHaveLength(3);
});

test('the comparison sees a difference (a column type changed)', () => {
  const def = tablesForPipeline(sourcesPipeline)[1]!;
  const ddl = parseDdl(pipelineDdl(sourcesPipeline)[1]!);
  def.columns = def.columns.map((c, i) => (i === 0 ? { ...c, type: 'bigint' } : c));
  expect(factsOf(def)).not.toEqual(ddl);
});
