/**
 * `athena ddl`: the Glue DDL of a pipeline's tables, derived from the one table definition per
 * source kind (activities/query/glue-tables.ts) that the Trino suite and the CDK app use too.
 */
import {
  athenaDdl,
  endpointExportTable,
  glueTableFor,
  type GlueTableDefinition,
} from '../activities/query/glue-tables';
import { interactionsSpec, type PipelineConfig } from '../common/config';

export const DEFAULT_ATHENA_DATABASE = 'personalize_optimizer';

/** The Glue tables one pipeline's Athena query reads: one per source, and the endpoint exports when a Pinpoint source filters by them. */
export function pipelineGlueTables(p: PipelineConfig, opts: { firstHour?: string } = {}): GlueTableDefinition[] {
  const spec = interactionsSpec(p);
  const tables = spec.sources.map((s) => glueTableFor(s, { firstHour: opts.firstHour }));
  if (spec.sources.some((s) => s.kind === 'pinpoint' && s.useEndpointExport)) {
    const name = p.warehouse.kind === 'athena' ? p.warehouse.endpointsTable : 'endpoint_export';
    // Every run's export lands in runs/<date>/endpoints/; the query picks its own by "$path".
    tables.push(endpointExportTable(name, `${p.workPrefix.replace(/\/?$/, '/')}runs/`));
  }
  return tables;
}

/** The DDL statements, each ending with ';', for the pipeline's Athena database (or `database`). */
export function pipelineDdl(p: PipelineConfig, opts: { database?: string; firstHour?: string } = {}): string[] {
  const database = opts.database ?? (p.warehouse.kind === 'athena' ? p.warehouse.database : DEFAULT_ATHENA_DATABASE);
  return pipelineGlueTables(p, opts).map((t) => `-- ${t.description}\n${athenaDdl(t, database)};`);
}
