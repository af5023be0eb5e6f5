/**
 * The configuration file: one YAML document describing one or more pipelines. It is validated
 * against this schema before anything is scheduled or started; a bad file is refused with the
 * path of every wrong field. `${ENV}` references are replaced from the environment first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_FIELD_MAPPING, DEFAULT_SCORING_MODEL, type InteractionsSource } from './interactions';
import type { Outcome, PipelineSettings, PollSettings, StageDeadlines } from './types';
import { TASK_QUEUE } from './types';
import { toMs } from '../workflows/duration';

const durationRe = /^\s*\d+(\.\d+)?\s*(ms|s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days)\s*$/i;
const Duration = z.union([
  z.number().int().nonnegative(),
  z.string().regex(durationRe, { message: "expected a duration such as '15s', '2 hours' or '48h'" }),
]);

const arn = (service: string, resource: string) =>
  z
    .string()
    .regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]*:\\d{12}:${resource}`), {
      message: `expected an ARN like arn:aws:${service}:<region>:<12-digit account>:${resource}…`,
    });

const PERSONALIZE_NAME = '[a-zA-Z0-9][a-zA-Z0-9\\-_]{0,62}';
const PersonalizeArns = z.strictObject({
  datasetArn: arn('personalize', `dataset/${PERSONALIZE_NAME}/INTERACTIONS$`),
  solutionArn: arn('personalize', `solution/${PERSONALIZE_NAME}$`),
  campaignArn: arn('personalize', `campaign/${PERSONALIZE_NAME}$`),
  /** Role Personalize assumes to read the interactions file from S3. */
  importRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\-/]+$/, { message: 'expected an IAM role ARN: arn:aws:iam::<account>:role/<name>' }),
  region: z.string().min(1).optional(),
});

const ScoringModel = z.record(z.string().min(1), z.number({ message: 'scoring values must be numbers' }));

const PathString = z.string().min(1);

const FieldMapping = z.strictObject({
  USER_ID: PathString,
  ITEM_ID: PathString,
  EVENT_TYPE: PathString,
  TIMESTAMP: PathString,
  EVENT_VALUE: PathString.optional(),
});

const PinpointSource = z.strictObject({
  kind: z.literal('pinpoint'),
  /** s3://bucket/events/ or file:///path/events/ (the Firehose YYYY/MM/DD/HH layout). */
  eventsPrefix: z.string().min(1),
  recommendationEventType: z.string().min(1).default('_custom.recommender'),
  attributionWindow: Duration.default('24h'),
  scoring: ScoringModel.default(DEFAULT_SCORING_MODEL),
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

const EventsSource = z.strictObject({
  kind: z.literal('events'),
  eventsPrefix: z.string().min(1),
  mapping: FieldMapping.default(DEFAULT_FIELD_MAPPING),
  scoring: ScoringModel.optional(),
});

const Warehouse = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('duckdb') }),
  z.strictObject({
    kind: z.literal('athena'),
    database: z.string().min(1),
    workGroup: z.string().regex(/^[a-zA-Z0-9._-]{1,128}$/).default('primary'),
    /** s3:// prefix for query results, unless the workgroup enforces its own. */
    outputLocation: z.string().regex(/^s3:\/\/.+/, { message: 'expected an s3:// URI' }).optional(),
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
  snsTopicArn: arn('sns', '[\\w-]+$').optional(),
});

const Poll = z.strictObject({
  initial: z.union([Duration, z.partialRecord(z.enum(['export', 'query', 'import', 'training', 'deploy']), Duration)]).optional(),
  fraction: z.number().min(0).max(1).optional(),
  max: Duration.optional(),
});

const Deadlines = z.strictObject({
  export: Duration.default('2h'),
  query: Duration.default('1h'),
  import: Duration.default('6h'),
  training: Duration.default('48h'),
  deploy: Duration.default('2h'),
});

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

const Pipeline = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'lower-case letters, digits and dashes, at most 40' }),
    backend: z.enum(['aws', 'local']),
    source: z.discriminatedUnion('kind', [PinpointSource, EventsSource]),
    lookbackDays: z.union([z.number().int().min(1).max(3650), z.literal('all')]).default(30),
    warehouse: Warehouse.default({ kind: 'duckdb' }),
    personalize: PersonalizeArns.optional(),
    importMode: z.enum(['FULL', 'INCREMENTAL']).default('FULL'),
    trainingMode: z.enum(['FULL', 'UPDATE']).default('FULL'),
    gate: z
      .strictObject({
        metric: z.string().min(1).default('normalized_discounted_cumulative_gain_at_10'),
        tolerance: z.number().min(0).max(1).default(0.02),
      })
      .default({ metric: 'normalized_discounted_cumulative_gain_at_10', tolerance: 0.02 }),
    deadlines: Deadlines.default({ export: '2h', query: '1h', import: '6h', training: '48h', deploy: '2h' }),
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
    /** The real-time path (HTTP gateway → Personalize Events). */
    realtime: Realtime.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.backend === 'aws') {
      if (!p.personalize) ctx.addIssue({ code: 'custom', path: ['personalize'], message: 'the aws backend needs personalize ARNs (datasetArn, solutionArn, campaignArn, importRoleArn)' });
      if (p.warehouse.kind !== 'athena') ctx.addIssue({ code: 'custom', path: ['warehouse', 'kind'], message: "the aws backend queries with Athena: set warehouse.kind to 'athena'" });
      if (!/^s3:\/\//.test(p.workPrefix)) ctx.addIssue({ code: 'custom', path: ['workPrefix'], message: 'the aws backend needs an s3:// work prefix' });
      if (p.source.kind === 'pinpoint' && p.source.endpointExport.enabled && (!p.source.endpointExport.applicationId || !p.source.endpointExport.roleArn)) {
        ctx.addIssue({ code: 'custom', path: ['source', 'endpointExport'], message: 'the Pinpoint endpoint export needs applicationId and roleArn' });
      }
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
    readonly problems: { path: string; message: string }[]
  ) {
    super(`${file} is not a valid configuration:\n${problems.map((p) => `  - ${p.path || '(top level)'}: ${p.message}`).join('\n')}`);
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
  const parsed = ConfigSchema.safeParse(doc);
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
    throw new ConfigError(file, [{ path: '', message: `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
  }
  const config = parseConfig(text, file, env);
  // Relative local paths are relative to the config file, so commands work from any directory.
  const base = path.dirname(path.resolve(file));
  config.local.dataDir = path.resolve(base, config.local.dataDir);
  for (const p of config.pipelines) {
    if (p.backend === 'local') {
      p.workPrefix = toFileUri(base, p.workPrefix);
      p.source.eventsPrefix = toFileUri(base, p.source.eventsPrefix);
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

/** The interactions spec the warehouse builds its query from. */
export function interactionsSource(p: PipelineConfig): InteractionsSource {
  if (p.source.kind === 'pinpoint') {
    const s = p.source;
    return {
      kind: 'pinpoint',
      eventsPrefix: s.eventsPrefix,
      recommendationEventType: s.recommendationEventType,
      attributionWindowSeconds: Math.round(toMs(s.attributionWindow) / 1000),
      scoring: s.scoring,
      useEndpointExport: s.endpointExport.enabled,
    };
  }
  return { kind: 'events', eventsPrefix: p.source.eventsPrefix, mapping: p.source.mapping, scoring: p.source.scoring };
}

/** What the workflow reads through the loadPipeline activity. */
export function toPipelineSettings(p: PipelineConfig, defaults: { poll: PollSettings; phaseSearchAttribute: boolean }): PipelineSettings {
  const arns = p.personalize ?? LOCAL_ARNS(p.name);
  return {
    pipeline: p.name,
    source: p.source.kind,
    exportEndpoints: p.source.kind === 'pinpoint' && p.source.endpointExport.enabled,
    lookbackDays: p.lookbackDays === 'all' ? null : p.lookbackDays,
    importMode: p.importMode,
    trainingMode: p.trainingMode,
    datasetArn: arns.datasetArn,
    solutionArn: arns.solutionArn,
    campaignArn: arns.campaignArn,
    gate: p.gate,
    deadlines: p.deadlines as StageDeadlines,
    poll: {
      initial: p.poll.initial ?? defaults.poll.initial,
      fraction: p.poll.fraction ?? defaults.poll.fraction,
      max: p.poll.max ?? defaults.poll.max,
    },
    workPrefix: p.workPrefix.endsWith('/') ? p.workPrefix : `${p.workPrefix}/`,
    notifyOn: p.notifications.on as Outcome[],
    phaseSearchAttribute: defaults.phaseSearchAttribute,
  };
}
