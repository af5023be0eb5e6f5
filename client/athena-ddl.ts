/**
 * `athena ddl`: the Glue DDL of a pipeline's tables, derived from the one table definition per
 * source kind (activities/query/glue-tables.ts) that the Trino suite and the CDK app use too.
 */
import { athenaDdl, pipelineGlueTables } from '../activities/query/glue-tables';
import type { PipelineConfig } from '../common/config';

export const DEFAULT_ATHENA_DATABASE = 'personalize_optimizer';

/** The DDL statements, each ending with ';', for the pipeline's Athena database (or `database`). */
export function pipelineDdl(p: PipelineConfig, opts: { database?: string; firstHour?: string } = {}): string[] {
  const database = opts.database ?? (p.warehouse.kind === 'athena' ? p.warehouse.database : DEFAULT_ATHENA_DATABASE);
  return pipelineGlueTables(p, opts).map((t) => `-- ${t.description}\n${athenaDdl(t, database)};`);
}
