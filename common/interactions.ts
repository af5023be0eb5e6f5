/**
 * How a pipeline turns raw events into Personalize interactions. One semantic model for every
 * source: a source adapter turns its records into canonical engagements (user, item, event type,
 * time, optional value, optional recommendation id, optional impression list); the source's type
 * mapping renames its event types into the pipeline's vocabulary, and the scoring model turns
 * engagements into interactions. One spec drives the Athena query, the DuckDB query and (for
 * generic events) the real-time mapping, so they cannot drift.
 */

/** Every column an interactions file may carry (the Personalize interactions schema's reserved fields). */
export const INTERACTIONS_ALL_COLUMNS = [
  'USER_ID',
  'ITEM_ID',
  'EVENT_TYPE',
  'EVENT_VALUE',
  'TIMESTAMP',
  'RECOMMENDATION_ID',
  'IMPRESSION',
] as const;
export type InteractionsColumn = (typeof INTERACTIONS_ALL_COLUMNS)[number];

/** The default header Personalize imports, unquoted, in this order. */
export const INTERACTIONS_COLUMNS = [
  'USER_ID',
  'ITEM_ID',
  'EVENT_TYPE',
  'EVENT_VALUE',
  'TIMESTAMP',
] as const satisfies readonly InteractionsColumn[];
export const INTERACTIONS_HEADER = INTERACTIONS_COLUMNS.join(',');
/** Personalize requires these in every interactions schema. */
export const REQUIRED_INTERACTIONS_COLUMNS: readonly InteractionsColumn[] = ['USER_ID', 'ITEM_ID', 'TIMESTAMP'];

/** Event type → EVENT_VALUE. Types not listed are not interactions (values.csv of the original). */
export type ScoringModel = Record<string, number>;

/** A source's own event type → the pipeline's event type (e.g. SES `Open` → `_email.open`); unlisted types keep their name. */
export type EventTypeMapping = Record<string, string>;

export const DEFAULT_SCORING_MODEL: ScoringModel = {
  '_campaign.opened_notification': 100,
  '_email.open': 50,
  '_email.click': 100,
  '_email.unsubscribe': -200,
};

/** SES event publishing types in the Pinpoint vocabulary, so one scoring model covers both during a migration. */
export const SES_EVENT_TYPES: EventTypeMapping = {
  Send: '_email.send',
  Delivery: '_email.delivered',
  Open: '_email.open',
  Click: '_email.click',
  Bounce: '_email.bounce',
  Complaint: '_email.complaint',
  Reject: '_email.rejected',
  'Rendering Failure': '_email.rendering_failure',
  Subscription: '_email.unsubscribe',
};

/**
 * End User Messaging SMS types in the Pinpoint vocabulary. Only the handset receipt maps to
 * `_SMS.SUCCESS`: mapping TEXT_SUCCESSFUL (carrier accepted) too would count one message twice.
 */
export const SMS_EVENT_TYPES: EventTypeMapping = {
  TEXT_DELIVERED: '_SMS.SUCCESS',
  TEXT_BLOCKED: '_SMS.FAILURE',
  TEXT_INVALID: '_SMS.FAILURE',
  TEXT_CARRIER_UNREACHABLE: '_SMS.FAILURE',
  TEXT_OPTED_OUT: '_SMS.OPTOUT',
};

export const DEFAULT_SMS_SCORING_MODEL: ScoringModel = { '_SMS.SUCCESS': 10, '_SMS.OPTOUT': -200 };

interface SourceBase {
  /** URI prefix of the event files (the Firehose / event log `YYYY/MM/DD/HH/` layout), e.g. s3://bucket/ses/. */
  eventsPrefix: string;
  /** Athena table holding this source's records (AWS backend). */
  table: string;
  /** Extra arrival slack for pruning hour folders: records filed up to this long after their event time still count. */
  lateArrivalSeconds: number;
  eventTypes: EventTypeMapping;
}

/**
 * Pinpoint event stream (Firehose records, `events/YYYY/MM/DD/HH/…`): a recommendation event
 * (`_custom.recommender` with attributes campaign_id, item_id, personalize_user_id) and an
 * engagement on the same endpoint and campaign (or journey) within the attribution window make one
 * interaction per engagement event.
 */
export interface PinpointSourceSpec extends SourceBase {
  kind: 'pinpoint';
  recommendationEventType: string;
  /** An engagement counts when rec.time <= engagement.time <= rec.time + window. */
  attributionWindowSeconds: number;
  scoring: ScoringModel;
  /** Keep only endpoints present in the run's endpoint export. */
  useEndpointExport: boolean;
}

/** Where the ids travel in an SES message: `mail.tags` names (SendEmail EmailTags on a configuration set). */
export interface SesTagNames {
  userId: string;
  itemId: string;
  recommendationId: string;
}

/** SES event publishing through Firehose: one JSON record per line, `eventType`, `mail{messageId, tags}`, `open|click|…{timestamp}`. */
export interface SesSourceSpec extends SourceBase {
  kind: 'ses';
  tags: SesTagNames;
  scoring: ScoringModel;
}

/** Where the ids travel in an SMS message: keys of SendTextMessage's Context. */
export interface SmsContextKeys {
  userId: string;
  itemId: string;
  recommendationId: string;
}

/** End User Messaging SMS events through Firehose: flat JSON, `eventType`, `eventTimestamp` (ms), `messageId`, `context{…}`. */
export interface SmsSourceSpec extends SourceBase {
  kind: 'sms';
  context: SmsContextKeys;
  scoring: ScoringModel;
}

/**
 * Where each interactions column comes from in a generic JSON event (RudderStack/Segment `track`):
 * dotted paths into the event, e.g. USER_ID ← 'userId', ITEM_ID ← 'properties.product_id'.
 */
export interface FieldMapping {
  USER_ID: string;
  ITEM_ID: string;
  EVENT_TYPE: string;
  TIMESTAMP: string;
  /** Optional: a numeric property; otherwise the scoring model's value for the event type. */
  EVENT_VALUE?: string;
  /** The recommendation the engagement answers (RudderStack/Segment `properties.recommendationId`). */
  RECOMMENDATION_ID?: string;
  /** A JSON array of the item ids shown with it. */
  IMPRESSION?: string;
}

export const DEFAULT_FIELD_MAPPING: FieldMapping = {
  USER_ID: 'userId',
  ITEM_ID: 'properties.product_id',
  EVENT_TYPE: 'event',
  TIMESTAMP: 'timestamp',
};

/** Read only when the pipeline's columns include them. */
export const DEFAULT_RECOMMENDATION_ID_PATH = 'properties.recommendationId';
export const DEFAULT_IMPRESSION_PATH = 'properties.impression';

/**
 * Generic JSON events (RudderStack/Segment, the real-time event log). A record whose `type` is
 * present and is not `track` (identify, page …) is not an engagement and is not counted malformed.
 */
export interface EventsSourceSpec extends SourceBase {
  kind: 'events';
  mapping: FieldMapping;
  /** When set, only these event types count, scored by it; otherwise every event type with value 1. */
  scoring?: ScoringModel;
}

export type InteractionsSource = PinpointSourceSpec | SesSourceSpec | SmsSourceSpec | EventsSourceSpec;
export type SourceKind = InteractionsSource['kind'];
export const SOURCE_KINDS: readonly SourceKind[] = ['pinpoint', 'ses', 'sms', 'events'];

/** What one pipeline's query builds: its sources and the columns of the file Personalize imports. */
export interface InteractionsSpec {
  sources: InteractionsSource[];
  columns: InteractionsColumn[];
}

/** Whether a source can fill a column at all (RECOMMENDATION_ID, IMPRESSION are optional per source). */
export function sourceCarries(source: InteractionsSource, column: InteractionsColumn): boolean {
  if (column === 'RECOMMENDATION_ID') return source.kind !== 'pinpoint';
  if (column === 'IMPRESSION') return source.kind === 'events';
  return true;
}

/** Seconds the attribution reaches back before the window (Pinpoint recommendations); 0 for the others. */
export function lookBehindSeconds(source: InteractionsSource): number {
  return source.kind === 'pinpoint' ? source.attributionWindowSeconds : 0;
}
