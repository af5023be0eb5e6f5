/**
 * The configuration file: one YAML document describing one or more pipelines. It is validated
 * against this schema before anything is scheduled or started; a bad file is refused with the
 * path of every wrong field. `${ENV}` references are replaced from the environment first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DeploySchema } from './deploy-config';
import {
  DEFAULT_FIELD_MAPPING,
  DEFAULT_IMPRESSION_PATH,
  DEFAULT_RECOMMENDATION_ID_PATH,
  DEFAULT_SCORING_MODEL,
  DEFAULT_SMS_SCORING_MODEL,
  INTERACTIONS_ALL_COLUMNS,
  INTERACTIONS_COLUMNS,
  REQUIRED_INTERACTIONS_COLUMNS,
  SES_EVENT_TYPES,
  SMS_EVENT_TYPES,
  sourceCarries,
  type FieldMapping,
  type InteractionsColumn,
  type InteractionsSource,
  type InteractionsSpec,
  type SourceKind,
} from './interactions';
import { configIssueMessage } from './config-messages';
import { MESSAGE_ID_NAMES } from './message-ids';
import type { Outcome, PipelineSettings, PollSettings, StageDeadlines } from './types';
import { DEFAULT_HOLDOUT, type HoldoutSettings } from './holdout';
import { TASK_QUEUE } from './types';
import { toMs } from '../workflows/duration';

const durationRe = /^\s*\d+(\.\d+)?\s*(ms|s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days)\s*$/i;
const Duration = z.union([
  z.number().int().nonnegative(),
  z.string().regex(durationRe, { message: "expected a duration such as '15s', '2 hours' or '48h'" }),
]);

/** An ARN of `service` whose resource part matches `resource`; the message shows `example`, never the pattern. */
const arn = (service: string, resource: string, example: string) =>
  z
    .string()
    .regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]*:\\d{12}:${resource}`), {
      message: `expected an ARN like arn:aws:${service}:<region>:<12-digit account>:${example}`,
    });

const PERSONALIZE_NAME = '[a-zA-Z0-9][a-zA-Z0-9\\-_]{0,62}';
const PersonalizeArns = z.strictObject({
  datasetArn: arn('personalize', `dataset/${PERSONALIZE_NAME}/INTERACTIONS$`, 'dataset/<dataset group>/INTERACTIONS'),
  solutionArn: arn('personalize', `solution/${PERSONALIZE_NAME}$`, 'solution/<name>'),
  campaignArn: arn('personalize', `campaign/${PERSONALIZE_NAME}$`, 'campaign/<name>'),
  /** Role Personalize assumes to read the interactions file from S3. */
  importRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\-/]+$/, { message: 'expected an IAM role ARN: arn:aws:iam::<account>:role/<name>' }),
  /** Role batch inference jobs assume (S3 read on the users file, write on the output); default importRoleArn. */
  batchInferenceRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\-/]+$/, { message: 'expected an IAM role ARN: arn:aws:iam::<account>:role/<name>' }).optional(),
  region: z.string().min(1).optional(),
  /**
   * Who trains the solution. `off`: this pipeline trains it, and the solution must not train itself
   * (performAutoTraining false). `gate`: the service trains on its own schedule and the pipeline is
   * to put its AUTOMATIC versions through the quality gate. Either way the campaign must not sync
   * with the latest version, which would deploy every new version before the gate.
   */
  autoTraining: z.enum(['off', 'gate']).default('off'),
});

const ScoringModel = z.record(z.string().min(1), z.number({ message: 'scoring values must be numbers' }));

const PathString = z.string().min(1);

const FieldMapping = z.strictObject({
  USER_ID: PathString,
  ITEM_ID: PathString,
  EVENT_TYPE: PathString,
  TIMESTAMP: PathString,
  EVENT_VALUE: PathString.optional(),
  RECOMMENDATION_ID: PathString.optional(),
  IMPRESSION: PathString.optional(),
});

const EventTypes = z.record(z.string().min(1), z.string().min(1));
const TableName = z.string().regex(/^[a-z_][a-z0-9_]{0,254}$/, { message: 'a Glue table name: lower-case letters, digits and _' });

/** What every source kind accepts besides its own fields. */
const sourceCommon = {
  /** s3://bucket/prefix/ or file:///path/prefix/ (the Firehose / event log YYYY/MM/DD/HH layout). */
  eventsPrefix: z.string().min(1),
  /** The source's Athena table (default per kind); `athena ddl` prints its DDL. */
  table: TableName.optional(),
  /** How long after its event time a record may still arrive (filed in a later hour folder). */
  lateArrival: Duration.optional(),
  /** The source's event types in the pipeline's vocabulary (SES Open → _email.open …); defaults per kind. */
  eventTypes: EventTypes.optional(),
  /** Event type → EVENT_VALUE; default: the pipeline's `scoring`, else the kind's default. */
  scoring: ScoringModel.optional(),
};

const PinpointSource = z.strictObject({
  kind: z.literal('pinpoint'),
  ...sourceCommon,
  recommendationEventType: z.string().min(1).default('_custom.recommender'),
  attributionWindow: Duration.default('24h'),
  endpointExport: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Pinpoint project (AWS backend). */
      applicationId: z.string().optional(),
      /** Role Pinpoint assumes to write the export (AWS backend). */
      roleArn: z.string().optional(),
    })
    .default({ enabled: false }),
});

const SesSource = z.strictObject({
  kind: z.literal('ses'),
  ...sourceCommon,
  /** `mail.tags` names holding the ids (SendEmail EmailTags). */
  tags: z
    .strictObject({
      userId: z.string().min(1).default(MESSAGE_ID_NAMES.userId),
      itemId: z.string().min(1).default(MESSAGE_ID_NAMES.itemId),
      recommendationId: z.string().min(1).default(MESSAGE_ID_NAMES.recommendationId),
    })
    .default({ ...MESSAGE_ID_NAMES }),
});

const SmsSource = z.strictObject({
  kind: z.literal('sms'),
  ...sourceCommon,
  /** `context` keys holding the ids (SendTextMessage Context). */
  context: z
    .strictObject({
      userId: z.string().min(1).default(MESSAGE_ID_NAMES.userId),
      itemId: z.string().min(1).default(MESSAGE_ID_NAMES.itemId),
      recommendationId: z.string().min(1).default(MESSAGE_ID_NAMES.recommendationId),
    })
    .default({ ...MESSAGE_ID_NAMES }),
});

const EventsSource = z.strictObject({
  kind: z.literal('events'),
  ...sourceCommon,
  mapping: FieldMapping.default(DEFAULT_FIELD_MAPPING),
});

const Source = z.discriminatedUnion('kind', [PinpointSource, SesSource, SmsSource, EventsSource]);
export type SourceConfig = z.infer<typeof Source>;

/** Defaults per kind: Athena table, late arrivals (SMS carrier receipts take up to 72 h). */
const KIND_DEFAULTS: Record<SourceKind, { table: string; lateArrival: string; eventTypes: Record<string, string> }> = {
  pinpoint: { table: 'event', lateArrival: '0s', eventTypes: {} },
  ses: { table: 'ses_event', lateArrival: '0s', eventTypes: SES_EVENT_TYPES },
  sms: { table: 'sms_event', lateArrival: '72h', eventTypes: SMS_EVENT_TYPES },
  events: { table: 'track_event', lateArrival: '0s', eventTypes: {} },
};

const Warehouse = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('duckdb') }),
  z.strictObject({
    kind: z.literal('athena'),
    database: z.string().min(1),
    workGroup: z
      .string()
      .regex(/^[a-zA-Z0-9._-]{1,128}$/, { message: 'an Athena workgroup name: letters, digits, ".", "_" and "-", at most 128' })
      .default('primary'),
    /** s3:// prefix for query results (default: the run's own folder under workPrefix), unless the workgroup enforces its own. */
    outputLocation: z.string().regex(/^s3:\/\/.+/, { message: 'expected an s3:// URI' }).optional(),
    /** Table of a Pinpoint source that names none (kept for configurations written before sources had `table`). */
    eventsTable: z.string().min(1).default('event'),
    endpointsTable: z.string().min(1).default('endpoint_export'),
  }),
]);

const OVERLAP = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'] as const;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const Schedule = z.strictObject({
  hour: z.number().int().min(0).max(23).default(2),
  minute: z.number().int().min(0).max(59).default(0),
  /** Days of the week to run (default: every day). */
  daysOfWeek: z.array(z.enum(['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'])).optional(),
  timezone: z.string().refine(isTimeZone, { message: 'unknown IANA time zone (e.g. UTC, Europe/Berlin)' }).default('UTC'),
  jitter: Duration.default('5m'),
  overlap: z.enum(OVERLAP).default('SKIP'),
  catchupWindow: Duration.default('6h'),
  pauseOnFailure: z.boolean().default(false),
  paused: z.boolean().default(false),
});

const OUTCOMES = ['SUCCEEDED', 'SKIPPED', 'REJECTED', 'FAILED', 'CANCELLED'] as const;

const Notifications = z.strictObject({
  on: z.array(z.enum(OUTCOMES)).default(['FAILED', 'REJECTED']),
  webhookUrl: z.url().optional(),
  snsTopicArn: arn('sns', '[\\w-]+$', '<topic name>').optional(),
});

const Poll = z.strictObject({
  initial: z.union([Duration, z.partialRecord(z.enum(['export', 'query', 'import', 'training', 'evaluate', 'deploy', 'recommend']), Duration)]).optional(),
  fraction: z.number().min(0).max(1).optional(),
  max: Duration.optional(),
});

const Deadlines = z.strictObject({
  export: Duration.default('2h'),
  query: Duration.default('1h'),
  import: Duration.default('6h'),
  training: Duration.default('48h'),
  evaluate: Duration.default('12h'),
  deploy: Duration.default('2h'),
  recommend: Duration.default('6h'),
});

/** Recommendations out after a successful deploy, for the messaging tools. */
const Recommendations = z.strictObject({
  /** `window` (every user of the run's interactions) or the URI of a users file (JSON Lines of {"userId"}, a CSV with USER_ID, or one id per line). */
  audience: z.string().min(1).default('window'),
  numResults: z.number().int().min(1).max(500).default(25),
  filterArn: arn('personalize', `filter/${PERSONALIZE_NAME}$`, 'filter/<name>').optional(),
  /** Where the JSON Lines and CSV files go (ending in '/'); default the run's folder under workPrefix. */
  outputPrefix: z.string().regex(/\/$/, { message: "must end in '/'" }).optional(),
});

/** `days` (the end of the run's window) or `fraction` (of the file's time span), not both. */
const Holdout = z
  .strictObject({
    enabled: z.boolean().default(true),
    days: z.number().positive().max(365).optional(),
    fraction: z.number().gt(0).lt(1).optional(),
    minUsers: z.number().int().min(1).default(DEFAULT_HOLDOUT.minUsers),
    sampleUsers: z.number().int().min(1).max(1_000_000).default(DEFAULT_HOLDOUT.sampleUsers),
    whenTooSmall: z.enum(['reject', 'promote', 'solution-metrics']).default(DEFAULT_HOLDOUT.whenTooSmall),
  })
  .refine((h) => !(h.days !== undefined && h.fraction !== undefined), { message: 'days or fraction, not both' })
  .transform((h) => (h.days === undefined && h.fraction === undefined ? { ...h, days: DEFAULT_HOLDOUT.days } : h));

const Realtime = z.strictObject({
  /** Write keys the HTTP gateway accepts for this pipeline (Basic auth user name, as Segment sends it). */
  writeKeys: z.array(z.string().min(8, { message: 'write keys need at least 8 characters' })).min(1),
  /** What a track call becomes. */
  eventChoice: z.enum(['PutEvents', 'PutItems']).default('PutEvents'),
  trackingId: z.string().min(1).optional(),
  itemsDatasetArn: z.string().optional(),
  usersDatasetArn: z.string().optional(),
  customMappings: z.array(z.strictObject({ from: z.string().min(1), to: z.string().min(1) })).default([]),
  disableStringify: z.boolean().default(false),
});

const Staleness = z.strictObject({
  /** A daily check alerts when no run has SUCCEEDED for this many days, or the deployed model is older. */
  enabled: z.boolean().default(true),
  maxAgeDays: z.number().positive().max(365).default(3),
  /** When the check runs, in the schedule's time zone. */
  hour: z.number().int().min(0).max(23).default(9),
  minute: z.number().int().min(0).max(59).default(0),
});

const Pipeline = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'lower-case letters, digits and dashes, at most 40' }),
    backend: z.enum(['aws', 'local']),
    /** One source, or `sources` for several (a migration period has Pinpoint, SES and SMS side by side). */
    source: Source.optional(),
    sources: z.array(Source).min(1, { message: 'at least one source' }).optional(),
    /** Scoring model of the sources that name none (event type → EVENT_VALUE). */
    scoring: ScoringModel.optional(),
    /** The interactions dataset's schema fields, in the order of the CSV header. */
    datasetColumns: z
      .array(z.enum(INTERACTIONS_ALL_COLUMNS))
      .default([...INTERACTIONS_COLUMNS])
      .refine((cols) => new Set(cols).size === cols.length, { message: 'a column is listed twice' })
      .refine((cols) => REQUIRED_INTERACTIONS_COLUMNS.every((c) => cols.includes(c)), { message: `Personalize needs ${REQUIRED_INTERACTIONS_COLUMNS.join(', ')}` }),
    /** Let a FULL import carry less history than the previous one (FULL replaces all bulk data). */
    allowHistoryShrink: z.boolean().default(false),
    lookbackDays: z
      .union([z.number().int().min(1).max(3650), z.literal('all')], { error: (iss) => `a whole number of days from 1 to 3650, or all; got ${JSON.stringify(iss.input)}` })
      .default(30),
    warehouse: Warehouse.default({ kind: 'duckdb' }),
    personalize: PersonalizeArns.optional(),
    importMode: z.enum(['FULL', 'INCREMENTAL']).default('FULL'),
    trainingMode: z.enum(['FULL', 'UPDATE']).default('FULL'),
    gate: z
      .strictObject({
        metric: z.string().min(1).default('normalized_discounted_cumulative_gain_at_10'),
        tolerance: z.number().min(0).max(1).default(0.02),
        /** A candidate the gate passed waits for an operator's approve/deny: always, on-doubt (within the tolerance band) or never. */
        approval: z.enum(['always', 'on-doubt', 'never']).default('never'),
        /** How long it waits; then approvalDefault applies. */
        approvalTimeout: Duration.default('24h'),
        approvalDefault: z.enum(['approve', 'deny']).default('deny'),
        /** The same-data holdout the gate decides on (common/holdout.ts); `enabled: false` gates on GetSolutionMetrics. */
        holdout: Holdout.default({ enabled: true, ...DEFAULT_HOLDOUT }),
      })
      .default({
        metric: 'normalized_discounted_cumulative_gain_at_10',
        tolerance: 0.02,
        approval: 'never',
        approvalTimeout: '24h',
        approvalDefault: 'deny',
        holdout: { enabled: true, ...DEFAULT_HOLDOUT },
      }),
    deadlines: Deadlines.default({ export: '2h', query: '1h', import: '6h', training: '48h', evaluate: '12h', deploy: '2h', recommend: '6h' }),
    poll: Poll.default({}),
    /** Where runs write their files: s3://bucket/prefix/ (aws) or a directory (local). */
    workPrefix: z.string().min(1),
    schedule: Schedule.default({
      hour: 2,
      minute: 0,
      timezone: 'UTC',
      jitter: '5m',
      overlap: 'SKIP',
      catchupWindow: '6h',
      pauseOnFailure: false,
      paused: false,
    }),
    notifications: Notifications.default({ on: ['FAILED', 'REJECTED'] }),
    /** The staleness watchdog: a daily check with the same notifiers. */
    staleness: Staleness.default({ enabled: true, maxAgeDays: 3, hour: 9, minute: 0 }),
    /** The real-time path (HTTP gateway → Personalize Events). */
    realtime: Realtime.optional(),
    /** Recommendations out after a successful deploy (optional). */
    recommendations: Recommendations.optional(),
  })
  .superRefine((p, ctx) => {
    if (!p.source === !p.sources) {
      ctx.addIssue({ code: 'custom', path: ['sources'], message: 'give either `source` (one) or `sources` (several), not both or neither' });
      return;
    }
    const list = p.sources ?? [p.source!];
    const where = (i: number, ...rest: string[]) => (p.sources ? ['sources', i, ...rest] : ['source', ...rest]);
    const tables = new Map<string, number>();
    list.forEach((s, i) => {
      const table = s.table ?? (s.kind === 'pinpoint' && p.warehouse.kind === 'athena' ? p.warehouse.eventsTable : KIND_DEFAULTS[s.kind].table);
      if (tables.has(table)) ctx.addIssue({ code: 'custom', path: where(i, 'table'), message: `two sources read table "${table}": give each its own \`table\`` });
      tables.set(table, i);
      if (s.kind === 'events' && p.backend === 'aws') {
        for (const [column, fieldPath] of Object.entries(s.mapping)) {
          if (fieldPath && !fieldPath.split('.').every((k) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))) {
            ctx.addIssue({ code: 'custom', path: where(i, 'mapping', column), message: 'on Athena each part of a field path must be letters, digits and _ (a Glue column name)' });
          }
        }
      }
      if (p.backend === 'aws' && s.kind === 'pinpoint' && s.endpointExport.enabled && (!s.endpointExport.applicationId || !s.endpointExport.roleArn)) {
        ctx.addIssue({ code: 'custom', path: where(i, 'endpointExport'), message: 'the Pinpoint endpoint export needs applicationId and roleArn' });
      }
    });
    if (list.filter((s) => s.kind === 'pinpoint' && s.endpointExport.enabled).length > 1) {
      ctx.addIssue({ code: 'custom', path: ['sources'], message: 'only one Pinpoint source can use the endpoint export' });
    }
    for (const column of ['RECOMMENDATION_ID', 'IMPRESSION'] as const) {
      if (p.datasetColumns.includes(column) && !list.some((s) => sourceCarries({ kind: s.kind } as InteractionsSource, column))) {
        ctx.addIssue({ code: 'custom', path: ['datasetColumns'], message: `no source of this pipeline carries ${column} (${column === 'IMPRESSION' ? 'only events sources do' : 'pinpoint sources do not'})` });
      }
    }
    if (p.backend === 'aws') {
      if (!p.personalize) ctx.addIssue({ code: 'custom', path: ['personalize'], message: 'the aws backend needs personalize ARNs (datasetArn, solutionArn, campaignArn, importRoleArn)' });
      if (p.warehouse.kind !== 'athena') ctx.addIssue({ code: 'custom', path: ['warehouse', 'kind'], message: "the aws backend queries with Athena: set warehouse.kind to 'athena'" });
      if (!/^s3:\/\//.test(p.workPrefix)) ctx.addIssue({ code: 'custom', path: ['workPrefix'], message: 'the aws backend needs an s3:// work prefix' });
    } else if (p.warehouse.kind !== 'duckdb') {
      ctx.addIssue({ code: 'custom', path: ['warehouse', 'kind'], message: "the local backend queries with DuckDB: set warehouse.kind to 'duckdb'" });
    }
    if (p.realtime && p.backend === 'aws' && p.realtime.eventChoice === 'PutEvents' && !p.realtime.trackingId) {
      ctx.addIssue({ code: 'custom', path: ['realtime', 'trackingId'], message: 'PutEvents needs the event tracker id of the dataset group' });
    }
  });

export const ConfigSchema = z.strictObject({
  temporal: z
    .strictObject({
      /** host:port; when omitted, TEMPORAL_ADDRESS / the envconfig profile / localhost:7233. */
      address: z.string().optional(),
      namespace: z.string().optional(),
      taskQueue: z.string().min(1).default(TASK_QUEUE),
    })
    .default({ taskQueue: TASK_QUEUE }),
  /** Embedded backend state: events, exports, the local recommender (local pipelines). */
  local: z
    .strictObject({
      dataDir: z.string().min(1).default('.data'),
      /** Shortest local training, to feel Personalize's latency in demos and to test restarts mid-training. */
      minTraining: Duration.default(0),
      /** Time a local campaign update takes to become ACTIVE. */
      deployLatency: Duration.default('500ms'),
    })
    .default({ dataDir: '.data', minTraining: 0, deployLatency: '500ms' }),
  /** How `npm run cdk -- deploy` builds this config's AWS stack (infra/aws); the worker ignores it. */
  deploy: DeploySchema.optional(),
  pipelines: z
    .array(Pipeline)
    .min(1, { message: 'at least one pipeline' })
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((p, i) => {
        if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate pipeline name "${p.name}"` });
        seen.add(p.name);
      });
    }),
});

export type Config = z.infer<typeof ConfigSchema>;
export type PipelineConfig = Config['pipelines'][number];

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: { path: string; message: string }[],
    heading = `${file} is not a valid configuration:`
  ) {
    super(`${heading}\n${problems.map((p) => `  - ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n')}`);
  }
}

/** Replaces `${NAME}` and `${NAME:-default}`; an unset variable without default is an error. */
export function interpolateEnv(text: string, env: NodeJS.ProcessEnv, missing: string[]): string {
  return text
    .split('\n')
    .map((line) =>
      // Comment lines are left alone: they may document the syntax itself.
      /^\s*#/.test(line)
        ? line
        : line.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => {
            const value = env[name];
            if (value !== undefined && value !== '') return value;
            if (fallback !== undefined) return fallback;
            missing.push(name);
            return '';
          })
    )
    .join('\n');
}

function issuePath(p: readonly PropertyKey[], doc: unknown): string {
  // Name pipelines by their name rather than their index where possible.
  const parts: string[] = [];
  let node: unknown = doc;
  for (const key of p) {
    if (typeof key === 'number' && Array.isArray(node)) {
      const name = (node[key] as { name?: unknown } | undefined)?.name;
      parts.push(typeof name === 'string' ? `[${key}](${name})` : `[${key}]`);
    } else parts.push(parts.length ? `.${String(key)}` : String(key));
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return parts.join('');
}

/** Parses and validates a configuration text; throws ConfigError listing every problem. */
export function parseConfig(text: string, file = 'config', env: NodeJS.ProcessEnv = process.env): Config {
  const missing: string[] = [];
  const interpolated = interpolateEnv(text, env, missing);
  if (missing.length) {
    throw new ConfigError(file, [...new Set(missing)].map((name) => ({ path: '', message: `environment variable ${name} is not set (use \${${name}:-default} for a default)` })));
  }
  let doc: unknown;
  try {
    doc = parseYaml(interpolated);
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `not valid YAML: ${(err as Error).message}` }]);
  }
  if (doc === null || doc === undefined) {
    throw new ConfigError(file, [{ path: '', message: 'the file is empty: it needs at least a pipelines: list (see config/local.yaml)' }]);
  }
  const parsed = ConfigSchema.safeParse(doc, { error: configIssueMessage });
  if (!parsed.success) {
    throw new ConfigError(
      file,
      parsed.error.issues.map((i) => ({ path: issuePath(i.path, doc), message: i.message }))
    );
  }
  return parsed.data;
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `no such file (looked in ${path.resolve(file)}). Pass --config <file> or set PERSONALIZE_OPTIMIZER_CONFIG; config/local.yaml runs on this machine, config/aws.example.yaml is the template for AWS`
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory, not a file'
            : (err as Error).message;
    throw new ConfigError(file, [{ path: '', message: why }], `cannot read the config file ${file}:`);
  }
  const config = parseConfig(text, file, env);
  // Relative local paths are relative to the config file, so commands work from any directory.
  const base = path.dirname(path.resolve(file));
  config.local.dataDir = path.resolve(base, config.local.dataDir);
  for (const p of config.pipelines) {
    if (p.backend === 'local') {
      p.workPrefix = toFileUri(base, p.workPrefix);
      for (const s of pipelineSources(p)) s.eventsPrefix = toFileUri(base, s.eventsPrefix);
      const rec = p.recommendations;
      if (rec && rec.audience !== 'window' && !/^[a-z0-9]+:\/\//.test(rec.audience)) rec.audience = `file://${path.resolve(base, rec.audience)}`;
      if (rec?.outputPrefix) rec.outputPrefix = toFileUri(base, rec.outputPrefix);
    }
  }
  return config;
}

function toFileUri(base: string, p: string): string {
  if (/^[a-z0-9]+:\/\//.test(p)) return p.endsWith('/') ? p : `${p}/`;
  const abs = path.resolve(base, p);
  return `file://${abs.endsWith('/') ? abs : `${abs}/`}`;
}

const LOCAL_ARNS = (name: string) => ({
  datasetArn: `arn:aws:personalize:local:000000000000:dataset/${name}/INTERACTIONS`,
  solutionArn: `arn:aws:personalize:local:000000000000:solution/${name}`,
  campaignArn: `arn:aws:personalize:local:000000000000:campaign/${name}`,
});

/** The sources of a pipeline, whether configured as `source` or `sources`. */
export function pipelineSources(p: PipelineConfig): SourceConfig[] {
  return p.sources ?? (p.source ? [p.source] : []);
}

/** The columns of the interactions file a pipeline imports (its dataset schema's fields, header order). */
export function interactionsColumns(p: PipelineConfig): InteractionsColumn[] {
  return [...p.datasetColumns];
}

/** A mapping reads RECOMMENDATION_ID / IMPRESSION only when the pipeline's file has the column. */
function mappingFor(m: FieldMapping, columns: InteractionsColumn[]): FieldMapping {
  const { RECOMMENDATION_ID, IMPRESSION, ...rest } = m;
  const out: FieldMapping = { ...rest };
  if (columns.includes('RECOMMENDATION_ID')) out.RECOMMENDATION_ID = RECOMMENDATION_ID ?? DEFAULT_RECOMMENDATION_ID_PATH;
  if (columns.includes('IMPRESSION')) out.IMPRESSION = IMPRESSION ?? DEFAULT_IMPRESSION_PATH;
  return out;
}

/** One source's spec, with the defaults of its kind and pipeline filled in. */
export function interactionsSource(p: PipelineConfig, s: SourceConfig = pipelineSources(p)[0]!): InteractionsSource {
  const d = KIND_DEFAULTS[s.kind];
  const base = {
    eventsPrefix: s.eventsPrefix,
    table: s.table ?? (s.kind === 'pinpoint' && p.warehouse.kind === 'athena' ? p.warehouse.eventsTable : d.table),
    lateArrivalSeconds: Math.round(toMs(s.lateArrival ?? d.lateArrival) / 1000),
    eventTypes: s.eventTypes ?? d.eventTypes,
  };
  switch (s.kind) {
    case 'pinpoint':
      return {
        kind: 'pinpoint',
        ...base,
        recommendationEventType: s.recommendationEventType,
        attributionWindowSeconds: Math.round(toMs(s.attributionWindow) / 1000),
        scoring: s.scoring ?? p.scoring ?? DEFAULT_SCORING_MODEL,
        useEndpointExport: s.endpointExport.enabled,
      };
    case 'ses':
      return { kind: 'ses', ...base, tags: s.tags, scoring: s.scoring ?? p.scoring ?? DEFAULT_SCORING_MODEL };
    case 'sms':
      return { kind: 'sms', ...base, context: s.context, scoring: s.scoring ?? p.scoring ?? DEFAULT_SMS_SCORING_MODEL };
    case 'events':
      return { kind: 'events', ...base, mapping: mappingFor(s.mapping, p.datasetColumns), scoring: s.scoring ?? p.scoring };
  }
}

/** Everything the warehouse builds its query from: every source, and the file's columns. */
export function interactionsSpec(p: PipelineConfig): InteractionsSpec {
  return { sources: pipelineSources(p).map((s) => interactionsSource(p, s)), columns: interactionsColumns(p) };
}

function holdoutSettings({ enabled: _enabled, ...h }: PipelineConfig['gate']['holdout']): HoldoutSettings {
  return h;
}

/** What the workflow reads through the loadPipeline activity. */
export function toPipelineSettings(p: PipelineConfig, defaults: { poll: PollSettings; phaseSearchAttribute: boolean }): PipelineSettings {
  const arns = p.personalize ?? LOCAL_ARNS(p.name);
  return {
    pipeline: p.name,
    source: pipelineSources(p)[0]!.kind,
    sources: pipelineSources(p).map((s) => s.kind),
    exportEndpoints: pipelineSources(p).some((s) => s.kind === 'pinpoint' && s.endpointExport.enabled),
    interactionsColumns: interactionsColumns(p),
    allowHistoryShrink: p.allowHistoryShrink,
    lookbackDays: p.lookbackDays === 'all' ? null : p.lookbackDays,
    importMode: p.importMode,
    trainingMode: p.trainingMode,
    datasetArn: arns.datasetArn,
    solutionArn: arns.solutionArn,
    campaignArn: arns.campaignArn,
    gate: { metric: p.gate.metric, tolerance: p.gate.tolerance, ...(p.gate.holdout.enabled && { holdout: holdoutSettings(p.gate.holdout) }) },
    deadlines: p.deadlines as StageDeadlines,
    poll: {
      initial: p.poll.initial ?? defaults.poll.initial,
      fraction: p.poll.fraction ?? defaults.poll.fraction,
      max: p.poll.max ?? defaults.poll.max,
    },
    workPrefix: p.workPrefix.endsWith('/') ? p.workPrefix : `${p.workPrefix}/`,
    notifyOn: p.notifications.on as Outcome[],
    phaseSearchAttribute: defaults.phaseSearchAttribute,
    ...(p.personalize?.autoTraining === 'gate' && { autoTraining: 'gate' as const }),
    ...(p.recommendations && { recommendations: p.recommendations }),
  };
}
