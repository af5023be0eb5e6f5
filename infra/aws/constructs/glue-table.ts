/** A Glue table from a table definition (infra/aws/tables.ts): columns, SerDe, projection, location. */
import { aws_glue as glue } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { GlueTableDefinition } from '../tables';

export interface GlueTableProps {
  catalogId: string;
  databaseName: string;
  definition: GlueTableDefinition;
}

export class GlueTable extends Construct {
  readonly table: glue.CfnTable;

  constructor(scope: Construct, id: string, props: GlueTableProps) {
    super(scope, id);
    const d = props.definition;
    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: props.catalogId,
      databaseName: props.databaseName,
      tableInput: {
        name: d.name,
        description: d.description,
        tableType: 'EXTERNAL_TABLE',
        parameters: d.parameters,
        partitionKeys: d.partitionKeys,
        storageDescriptor: {
          columns: d.columns,
          location: d.location,
          inputFormat: d.inputFormat,
          outputFormat: d.outputFormat,
          serdeInfo: { serializationLibrary: d.serde.library, parameters: d.serde.parameters },
        },
      },
    });
  }
}
