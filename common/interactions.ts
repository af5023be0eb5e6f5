/**
 * How a pipeline turns raw events into Personalize interactions. One spec drives the Athena query,
 * the DuckDB query and (for generic events) the real-time mapping, so the three cannot drift.
 */

/** The header Personalize imports, unquoted, in this order. */
export const INTERACTIONS_COLUMNS = ['USER_ID', 'ITEM_ID', 'EVENT_TYPE', 'EVENT_VALUE', 'TIMESTAMP'] as const;
export const INTERACTIONS_HEADER = INTERACTIONS_COLUMNS.join(',');

/** Event type → EVENT_VALUE. Types not listed are not interactions (values.csv of the original). */
export type ScoringModel = Record<string, number>;

export const DEFAULT_SCORING_MODEL: ScoringModel = {
  '_campaign.opened_notification': 100,
  '_email.open': 50,
  '_email.click': 100,
  '_email.unsubscribe': -200,
};

/**
 * Pinpoint event stream (Firehose records, `events/YYYY/MM/DD/HH/…`): a recommendation event
 * (`_custom.recommender` with attributes campaign_id, item_id, personalize_user_id) and an
 * engagement on the same endpoint and campaign (or journey) within the attribution window make one
 * interaction per engagement event.
 */
export interface PinpointSourceSpec {
  kind: 'pinpoint';
  /** URI prefix of the event stream, e.g. s3://bucket/events/ or file:///data/events/. */
  eventsPrefix: string;
  recommendationEventType: string;
  /** An engagement counts when rec.time <= engagement.time <= rec.time + window. */
  attributionWindowSeconds: number;
  scoring: ScoringModel;
  /** Keep only endpoints present in the run's endpoint export. */
  useEndpointExport: boolean;
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
}

export const DEFAULT_FIELD_MAPPING: FieldMapping = {
  USER_ID: 'userId',
  ITEM_ID: 'properties.product_id',
  EVENT_TYPE: 'event',
  TIMESTAMP: 'timestamp',
};

export interface EventsSourceSpec {
  kind: 'events';
  /** URI prefix of the JSON-lines event files (same YYYY/MM/DD/HH layout). */
  eventsPrefix: string;
  mapping: FieldMapping;
  /** When set, only these event types count, scored by it; otherwise every event type with value 1. */
  scoring?: ScoringModel;
}

export type InteractionsSource = PinpointSourceSpec | EventsSourceSpec;
