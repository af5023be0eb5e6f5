/**
 * Every source kind on the AWS backend: the configuration validates, the worker builds its Athena
 * ports and query, `athena ddl` prints the table DDL; several sources share one pipeline.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main, EXIT } from '../../client/cli';
import { pipelineDdl } from '../../client/athena-ddl';
import { ConfigError, interactionsSpec, loadConfig, parseConfig, toPipelineSettings } from '../../common/config';
import { buildAthenaInteractionsQuery } from '../../activities/query/athena';
import { buildAwsPorts } from '../../worker/aws-backend';
import { DEFAULT_POLL } from '../../workflows/wait-schedule';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

afterAll(removeScratchDirs);

const aws = (sources: string, extra = '') => `
pipelines:
  - name: shop
    backend: aws
${sources}
${extra}
    warehouse: { kind: athena, database: analytics, outputLocation: s3://bucket/athena/ }
    personalize:
      datasetArn: arn:aws:personalize:us-east-1:123456789012:dataset/shop/INTERACTIONS
      solutionArn: arn:aws:personalize:us-east-1:123456789012:solution/shop
      campaignArn: arn:aws:personalize:us-east-1:123456789012:campaign/shop
      importRoleArn: arn:aws:iam::123456789012:role/PersonalizeImport
    workPrefix: s3://bucket/work/
`;

const SOURCES = {
  pinpoint: `    source: { kind: pinpoint, eventsPrefix: s3://bucket/pinpoint/, endpointExport: { enabled: true, applicationId: app, roleArn: 'arn:aws:iam::123456789012:role/Export' } }`,
  ses: `    source: { kind: ses, eventsPrefix: s3://bucket/ses/ }`,
  sms: `    source: { kind: sms, eventsPrefix: s3://bucket/sms/ }`,
  events: `    source: { kind: events, eventsPrefix: s3://bucket/events/ }`,
};
const TABLE = { pinpoint: 'event', ses: 'ses_event', sms: 'sms_event', events: 'track_event' };

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => out.push(String(s)) > 0);
  const e = jest.spyOn(console, 'error').mockImplementation((m: string) => void err.push(m));
  try {
    return { code: await main(['node', 'cli', ...args]), out: out.join(''), err: err.join('\n') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe.each(Object.keys(SOURCES) as (keyof typeof SOURCES)[])('%s source on the aws backend', (kind) => {
  const config = () => parseConfig(aws(SOURCES[kind]));

  test('passes validation and builds its Athena ports and query', () => {
    const p = config().pipelines[0]!;
    const ports = buildAwsPorts(p);
    expect(ports.warehouse.constructor.name).toBe('AthenaWarehouse');
    expect(toPipelineSettings(p, { poll: DEFAULT_POLL, phaseSearchAttribute: false }).source).toBe(kind);
    const sql = buildAthenaInteractionsQuery(
      interactionsSpec(p),
      { runDate: '2026-11-23', lookbackDays: 30, endpointExportPrefix: 's3://bucket/work/runs/2026-11-23/endpoints/' },
      { endpoints: 'endpoint_export' }
    );
    expect(sql).toContain(`FROM ${TABLE[kind]}`);
    expect(sql).toMatch(/^WITH s0_/);
  });

  test('`athena ddl` prints the DDL of its table', async () => {
    const file = path.join(scratchDir('po-ddl-'), 'c.yaml');
    fs.writeFileSync(file, aws(SOURCES[kind]));
    const r = await cli(['--config', file, 'athena', 'ddl']);
    expect(r).toMatchObject({ code: EXIT.ok, err: '' });
    expect(r.out).toContain(`CREATE EXTERNAL TABLE IF NOT EXISTS \`analytics\`.\`${TABLE[kind]}\``);
    expect(r.out).toContain(`ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'`);
    expect(r.out).toContain(`'ignore.malformed.json' = 'true'`);
    expect(r.out).toContain(`'projection.dt.format' = 'yyyy/MM/dd/HH'`);
    expect(r.out).toContain(`'storage.location.template' = 's3://bucket/${kind}/\${dt}/'`);
    if (kind === 'pinpoint') expect(r.out).toContain('`endpoint_export`');
  });
});

test('several sources per pipeline: each reads its own table, one query unions them, the DDL lists all', () => {
  const p = loadConfig(path.resolve(__dirname, '../../config/aws-sources.example.yaml'), {
    AWS_ACCOUNT_ID: '123456789012',
    DATA_BUCKET: 'b',
  }).pipelines[0]!;
  const spec = interactionsSpec(p);
  expect(spec.sources.map((s) => [s.kind, s.table, s.lateArrivalSeconds])).toEqual([
    ['ses', 'ses_event', 0],
    ['sms', 'sms_event', 72 * 3600],
    ['events', 'track_event', 0],
  ]);
  // The pipeline's scoring covers the SES and SMS sources; the events source keeps its own.
  expect(spec.sources[0]).toMatchObject({ scoring: { '_email.open': 50 }, eventTypes: { Open: '_email.open' } });
  expect(spec.sources[2]).toMatchObject({ scoring: { 'Order Completed': 10 } });
  expect(spec.columns).toEqual([
    'USER_ID',
    'ITEM_ID',
    'EVENT_TYPE',
    'EVENT_VALUE',
    'TIMESTAMP',
    'RECOMMENDATION_ID',
    'IMPRESSION',
  ]);
  const sql = buildAthenaInteractionsQuery(spec, { runDate: '2026-11-23', lookbackDays: 30 });
  expect(sql.match(/UNION ALL/g)).toHaveLength(2);
  const ddl = pipelineDdl(p);
  expect(ddl).toHaveLength(3);
  expect(ddl[2]).toContain('`properties` struct<product_id:string,recommendationid:string,impression:array<string>>');
});

test('`source:` (one) keeps working; `source` and `sources` together are refused', () => {
  expect(parseConfig(aws(SOURCES.ses)).pipelines[0]!.source?.kind).toBe('ses');
  const both = aws(`${SOURCES.ses}\n    sources: [{ kind: sms, eventsPrefix: s3://bucket/sms/ }]`);
  expect(() => parseConfig(both)).toThrow(ConfigError);
});

test('RECOMMENDATION_ID in the dataset columns needs a source that carries it; two sources cannot share a table', () => {
  const problems = (text: string) => {
    try {
      parseConfig(text);
      return [];
    } catch (err) {
      return (err as ConfigError).problems.map((p) => p.message);
    }
  };
  expect(
    problems(aws(SOURCES.pinpoint, '    datasetColumns: [USER_ID, ITEM_ID, TIMESTAMP, RECOMMENDATION_ID]'))
  ).toEqual([expect.stringMatching(/no source .* carries RECOMMENDATION_ID/)]);
  expect(problems(aws(SOURCES.ses, '    datasetColumns: [USER_ID, ITEM_ID, EVENT_TYPE]'))).toEqual([
    expect.stringMatching(/needs USER_ID, ITEM_ID, TIMESTAMP/),
  ]);
  const twice = aws(
    `    sources: [{ kind: ses, eventsPrefix: s3://bucket/a/ }, { kind: ses, eventsPrefix: s3://bucket/b/ }]`
  );
  expect(problems(twice)).toEqual([expect.stringMatching(/two sources read table "ses_event"/)]);
  const badPath = aws(
    `    source: { kind: events, eventsPrefix: s3://bucket/e/, mapping: { USER_ID: user-id, ITEM_ID: p.id, EVENT_TYPE: event, TIMESTAMP: ts } }`
  );
  expect(problems(badPath)).toEqual([expect.stringMatching(/Glue column name/)]);
});
