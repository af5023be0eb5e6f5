/**
 * A real Trino for the Athena SQL: started once per suite (infra/trino/server.ts), with the
 * project's Glue table definitions registered in its file metastore as Glue holds them for Athena
 * (columns in Hive types, OpenX JSON SerDe with its properties, partition projection parameters,
 * location template), and a query helper that returns rows keyed by upper-case column name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BasicAuth, Trino } from 'trino-client';
import type { GlueTableDefinition } from '../../activities/query/glue-tables';
import { startTrino, type TrinoServer } from '../../infra/trino/server';

export const TRINO_CATALOG = 'hive';
export const TRINO_SCHEMA = 'po';

/** file:///x → local:///x (Trino's local file system); s3:// and others unchanged. */
export function trinoLocation(uri: string): string {
  return uri.replace(/^file:\/\//, 'local://');
}

function storageFormatOf(def: GlueTableDefinition): string {
  if (def.serde.library !== 'org.openx.data.jsonserde.JsonSerDe')
    throw new Error(`no Trino storage format for SerDe ${def.serde.library}`);
  return 'OPENX_JSON';
}

export interface TrinoHandle {
  server: TrinoServer;
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** Writes a table into the metastore from its Glue definition (locations moved to local://). */
  registerTable(def: GlueTableDefinition): void;
  stop(): Promise<void>;
}

export async function startTrinoForTests(dir: string): Promise<TrinoHandle> {
  const server = await startTrino({ dir, progress: (l) => process.stderr.write(`[trino] ${l}\n`) });
  const client = Trino.create({
    server: server.url,
    catalog: TRINO_CATALOG,
    schema: TRINO_SCHEMA,
    auth: new BasicAuth('test'),
    extraHeaders: { 'X-Trino-Time-Zone': 'UTC' },
  });

  /** "SERVER STARTED" comes before the node announces itself for work: a query may find no node for a few seconds. */
  async function query(sql: string): Promise<Record<string, unknown>[]> {
    for (let waited = 0; ; waited += 500) {
      try {
        return await queryOnce(sql);
      } catch (err) {
        if (waited >= 60_000 || !/No nodes available/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  async function queryOnce(sql: string): Promise<Record<string, unknown>[]> {
    let iterator;
    try {
      iterator = await client.query(sql);
    } catch (err) {
      // The HTTP client's own errors are enormous; keep the message.
      throw new Error(`Trino at ${server.url} did not answer: ${(err as Error).message}`);
    }
    const rows: Record<string, unknown>[] = [];
    let columns: string[] | undefined;
    for await (const page of iterator) {
      if (page.error) throw new Error(`Trino refused the query: ${page.error.message}\n--- SQL ---\n${sql}`);
      if (page.columns) columns = page.columns.map((c) => c.name.toUpperCase());
      for (const data of page.data ?? [])
        rows.push(Object.fromEntries((data as unknown[]).map((v, i) => [columns![i]!, v])));
    }
    return rows;
  }

  function registerTable(def: GlueTableDefinition): void {
    const tableDir = path.join(server.metastoreDir, TRINO_SCHEMA, def.name);
    fs.mkdirSync(tableDir, { recursive: true });
    const column = (c: { name: string; type: string }) => ({ name: c.name, type: c.type, properties: {} });
    const parameters = Object.fromEntries(Object.entries(def.parameters).map(([k, v]) => [k, trinoLocation(v)]));
    const metadata = {
      writerVersion: '476',
      owner: 'test',
      tableType: 'EXTERNAL_TABLE',
      dataColumns: def.columns.map(column),
      partitionColumns: def.partitionKeys.map(column),
      parameters,
      // The file metastore names the storage by its format; OPENX_JSON is the SerDe the definition names.
      storageFormat: storageFormatOf(def),
      serdeParameters: def.serde.parameters,
      externalLocation: trinoLocation(def.location),
      columnStatistics: {},
    };
    fs.writeFileSync(path.join(tableDir, '.trinoSchema'), JSON.stringify(metadata, null, 2));
  }

  await query(`CREATE SCHEMA IF NOT EXISTS ${TRINO_CATALOG}.${TRINO_SCHEMA}`);
  return { server, query, registerTable, stop: () => server.stop() };
}
