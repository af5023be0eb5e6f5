/**
 * RudderStack/Segment messages → Amazon Personalize Events records (PutEvents, PutItems, PutUsers),
 * with RudderStack's Personalize destination semantics where its users rely on them (custom
 * mappings from schema field to property, reserved fields, camelCase property keys, stringify
 * unless disabled) and deliberate fixes where it loses or corrupts data:
 *
 *  - FIX no "null"/"undefined" strings: a null property is left out, a missing ITEM_ID is an error
 *    (PutItems) or simply absent (PutEvents), never the message id;
 *  - FIX strict numbers: EVENT_VALUE "3.4abc" is an error, not 3.4;
 *  - FIX an anonymous id is a sessionId, never a userId: userId is omitted, not "", and an
 *    anonymous identify creates no user;
 *  - FIX AWS limits are checked before sending, with one error per field saying why;
 *  - FIX objects are JSON, not "[object Object]"; `eventId` is the messageId, so a retried
 *    delivery cannot count twice.
 * Pure: no I/O, usable in workflow code.
 */
import camelCase from 'lodash.camelcase';
import type { FieldMapping, ScoringModel } from '../../common/interactions';

export interface Message {
  type?: string;
  event?: string;
  messageId?: string;
  userId?: string | number | null;
  anonymousId?: string | null;
  timestamp?: string;
  originalTimestamp?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  context?: { traits?: Record<string, unknown>; sessionId?: string | number };
  [key: string]: unknown;
}

export interface CustomMapping {
  /** Personalize schema field, e.g. ITEM_ID, EVENT_VALUE, NUMBER_OF_RATINGS. */
  from: string;
  /** Property (track) or trait (identify) holding the value; dotted paths reach nested ones. */
  to: string;
}

export interface DestinationConfig {
  /** What a track call becomes. */
  eventChoice: 'PutEvents' | 'PutItems';
  trackingId?: string;
  /** Items dataset (PutItems) and users dataset (PutUsers for identify). */
  itemsDatasetArn?: string;
  usersDatasetArn?: string;
  customMappings: CustomMapping[];
  /** Keep property values as they are instead of strings (RudderStack's `disableStringify`). */
  disableStringify?: boolean;
}

export interface EventRecord {
  kind: 'event';
  trackingId: string;
  sessionId: string;
  userId?: string;
  event: {
    eventId?: string;
    eventType: string;
    /** Epoch milliseconds (the SDK sends a Date). */
    sentAt: number;
    itemId?: string;
    eventValue?: number;
    impression?: string[];
    recommendationId?: string;
    properties?: string;
  };
}

export interface ItemRecord {
  kind: 'item';
  datasetArn: string;
  item: { itemId: string; properties?: string };
}

export interface UserRecord {
  kind: 'user';
  datasetArn: string;
  user: { userId: string; properties?: string };
}

export type PersonalizeRecord = EventRecord | ItemRecord | UserRecord;

export interface FieldError {
  field: string;
  reason: string;
}

export type MappingResult = { ok: true; record: PersonalizeRecord } | { ok: false; errors: FieldError[] };

/** AWS limits of the Personalize Events API. */
export const LIMITS = {
  id: 256,
  recommendationId: 40,
  impressions: 25,
  eventProperties: 1024,
  userProperties: 24_000,
  itemProperties: 32_000,
  recordsPerCall: 10,
} as const;

const EVENT_ONLY = ['ITEM_ID', 'EVENT_VALUE', 'IMPRESSION', 'RECOMMENDATION_ID', 'EVENT_TYPE', 'TIMESTAMP'];
// USER_ID overrides the user (above); EVENT_TYPE and TIMESTAMP come from the message, as in RudderStack.
const IGNORED = ['USER_ID', 'EVENT_TYPE', 'TIMESTAMP'];
const RESERVED_PROPERTY_KEYS = ['userid', 'sessionid', 'eventtype', 'timestamp', 'recommendationid', 'impression'];
const STRICT_NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

export { camelCase };

/** Value at a dotted path; an exact key with dots wins (RudderStack reads flat keys). */
export function valueAt(source: unknown, pathOrKey: string): unknown {
  if (source === null || typeof source !== 'object') return undefined;
  const obj = source as Record<string, unknown>;
  if (pathOrKey in obj) return obj[pathOrKey];
  let cur: unknown = source;
  for (const part of pathOrKey.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function blank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function idString(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Strict: finite numbers, or strings that are wholly a number. */
export function strictNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && STRICT_NUMBER.test(v.trim())) return Number(v.trim());
  return undefined;
}

function stringify(v: unknown): unknown {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function timestampMs(m: Message): number | undefined {
  const raw = m.timestamp ?? m.originalTimestamp;
  if (typeof raw !== 'string') return undefined;
  const ms = Date.parse(raw);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The identified user: never the anonymous id. */
export function identifiedUserId(m: Message): string | undefined {
  return (
    idString(m.userId) ??
    idString(m.traits?.userId) ??
    idString(m.traits?.id) ??
    idString(m.context?.traits?.userId) ??
    idString(m.context?.traits?.id)
  );
}

function mappingsByField(config: DestinationConfig): Map<string, CustomMapping> {
  const map = new Map<string, CustomMapping>();
  for (const m of config.customMappings) if (m.from.trim()) map.set(m.from.trim().toUpperCase(), m); // last one wins, as in RudderStack
  return map;
}

function checkProperties(props: Record<string, unknown>, max: number, errors: FieldError[]): string | undefined {
  const keys = Object.keys(props);
  if (keys.length === 0) return undefined;
  for (const k of keys) if (RESERVED_PROPERTY_KEYS.includes(k.toLowerCase())) errors.push({ field: `properties.${k}`, reason: `"${k}" is a reserved key Personalize refuses in properties` });
  const json = JSON.stringify(props);
  if (json.length > max) errors.push({ field: 'properties', reason: `${json.length} characters as JSON; Personalize accepts at most ${max}` });
  return json;
}

function checkId(field: string, v: string | undefined, errors: FieldError[], max: number = LIMITS.id): void {
  if (v !== undefined && v.length > max) errors.push({ field, reason: `${v.length} characters; at most ${max}` });
}

function mapTrack(m: Message, config: DestinationConfig): MappingResult {
  const errors: FieldError[] = [];
  const fields = mappingsByField(config);
  const props = m.properties ?? {};
  if (!config.trackingId) return { ok: false, errors: [{ field: 'config.trackingId', reason: 'a tracking id is needed for PutEvents' }] };
  const eventType = typeof m.event === 'string' ? m.event.trim() : '';
  if (!eventType) errors.push({ field: 'event', reason: 'a track call needs an event name' });

  // Case-insensitive like every other schema field (RudderStack only honours the upper-case USER_ID).
  const userMapping = fields.get('USER_ID');
  const mappedUser = userMapping ? idString(valueAt(props, userMapping.to)) : undefined;
  const userId = mappedUser ?? identifiedUserId(m);
  const sessionId = idString(m.anonymousId) ?? userId ?? idString(m.context?.sessionId);
  if (!sessionId) errors.push({ field: 'sessionId', reason: 'no anonymousId, userId or context.sessionId to use as the session' });
  const sentAt = timestampMs(m);
  if (sentAt === undefined) errors.push({ field: 'timestamp', reason: 'no valid timestamp or originalTimestamp (ISO-8601)' });

  const event: EventRecord['event'] = { eventType, sentAt: sentAt ?? 0 };
  if (m.messageId) event.eventId = String(m.messageId);
  const properties: Record<string, unknown> = {};
  for (const [field, mapping] of fields) {
    if (IGNORED.includes(field)) continue;
    const value = valueAt(props, mapping.to);
    if (field === 'ITEM_ID') {
      if (!blank(value)) event.itemId = idString(value) ?? stringify(value) as string;
    } else if (field === 'EVENT_VALUE') {
      if (blank(value)) errors.push({ field: `properties.${mapping.to}`, reason: 'EVENT_VALUE is mapped but the value is missing' });
      else {
        const n = strictNumber(value);
        if (n === undefined) errors.push({ field: `properties.${mapping.to}`, reason: `EVENT_VALUE ${JSON.stringify(value)} is not a number` });
        else event.eventValue = n;
      }
    } else if (field === 'IMPRESSION') {
      const list = (Array.isArray(value) ? value : [value]).filter((v) => !blank(v)).map((v) => String(v));
      if (list.length === 0) errors.push({ field: `properties.${mapping.to}`, reason: 'IMPRESSION is mapped but holds no item ids' });
      else if (list.length > LIMITS.impressions) errors.push({ field: `properties.${mapping.to}`, reason: `${list.length} impressions; at most ${LIMITS.impressions}` });
      else {
        list.forEach((id, i) => checkId(`properties.${mapping.to}[${i}]`, id, errors));
        event.impression = list;
      }
    } else if (field === 'RECOMMENDATION_ID') {
      const id = idString(value);
      if (!id) errors.push({ field: `properties.${mapping.to}`, reason: 'RECOMMENDATION_ID is mapped but the value is missing' });
      else {
        checkId(`properties.${mapping.to}`, id, errors, LIMITS.recommendationId);
        event.recommendationId = id;
      }
    } else {
      if (value === undefined) errors.push({ field: `properties.${mapping.to}`, reason: `mapped property ${mapping.to} not found` });
      else if (value !== null) properties[camelCase(mapping.from)] = config.disableStringify ? value : stringify(value);
    }
  }
  event.properties = checkProperties(properties, LIMITS.eventProperties, errors);
  checkId('userId', userId, errors);
  checkId('sessionId', sessionId, errors);
  checkId('itemId', event.itemId, errors);
  checkId('event', eventType, errors);
  if (errors.length) return { ok: false, errors };
  const record: EventRecord = { kind: 'event', trackingId: config.trackingId, sessionId: sessionId!, event };
  if (userId) record.userId = userId;
  return { ok: true, record };
}

function datasetCheck(arn: string | undefined, kind: 'ITEMS' | 'USERS', errors: FieldError[]): arn is string {
  if (!arn) {
    errors.push({ field: `config.${kind === 'ITEMS' ? 'itemsDatasetArn' : 'usersDatasetArn'}`, reason: `a ${kind.toLowerCase()} dataset ARN is needed` });
    return false;
  }
  if (!new RegExp(`^arn:[a-z\\d-]+:personalize:[^:]*:\\d{12}:dataset/[^/]+/${kind}$`).test(arn)) {
    errors.push({ field: 'config.datasetArn', reason: `${arn} is not a ${kind} dataset ARN (…:dataset/<group>/${kind})` });
    return false;
  }
  return true;
}

function mapItem(m: Message, config: DestinationConfig): MappingResult {
  const errors: FieldError[] = [];
  const arn = config.itemsDatasetArn;
  if (!datasetCheck(arn, 'ITEMS', errors)) return { ok: false, errors };
  const fields = mappingsByField(config);
  const itemMapping = fields.get('ITEM_ID');
  // As in RudderStack, ITEM_ID is a path into the whole message (properties.sku, context.traits.id …).
  const itemId = itemMapping ? idString(valueAt(m, itemMapping.to)) : undefined;
  if (!itemId) errors.push({ field: itemMapping?.to ?? 'ITEM_ID', reason: itemMapping ? `no item id at ${itemMapping.to}` : 'map ITEM_ID to use PutItems' });
  const properties: Record<string, unknown> = {};
  for (const [field, mapping] of fields) {
    if (field === 'ITEM_ID') continue;
    const value = valueAt(m.properties ?? {}, mapping.to);
    if (value === undefined) errors.push({ field: `properties.${mapping.to}`, reason: `mapped property ${mapping.to} not found` });
    else if (value !== null) properties[camelCase(mapping.from)] = value;
  }
  const json = checkProperties(properties, LIMITS.itemProperties, errors);
  checkId('itemId', itemId, errors);
  if (errors.length) return { ok: false, errors };
  return { ok: true, record: { kind: 'item', datasetArn: arn, item: json ? { itemId: itemId!, properties: json } : { itemId: itemId! } } };
}

function mapIdentify(m: Message, config: DestinationConfig): MappingResult {
  const errors: FieldError[] = [];
  const arn = config.usersDatasetArn;
  if (!datasetCheck(arn, 'USERS', errors)) return { ok: false, errors };
  const userId = identifiedUserId(m);
  if (!userId) errors.push({ field: 'userId', reason: 'an identify call needs a userId; anonymous users are not created' });
  const traits = m.traits ?? m.context?.traits ?? {};
  const properties: Record<string, unknown> = {};
  for (const [field, mapping] of mappingsByField(config)) {
    // Event-only fields (ITEM_ID, EVENT_VALUE …) belong to track calls, not to a user's record.
    if (field === 'USER_ID' || EVENT_ONLY.includes(field)) continue;
    const value = valueAt(traits, mapping.to);
    if (value === undefined) errors.push({ field: `traits.${mapping.to}`, reason: `mapped trait ${mapping.to} not found` });
    else if (value !== null) properties[camelCase(mapping.from)] = value;
  }
  const json = checkProperties(properties, LIMITS.userProperties, errors);
  checkId('userId', userId, errors);
  if (errors.length) return { ok: false, errors };
  return { ok: true, record: { kind: 'user', datasetArn: arn, user: json ? { userId: userId!, properties: json } : { userId: userId! } } };
}

/** One message → one record, or every reason it cannot be sent. */
export function mapMessage(m: Message, config: DestinationConfig): MappingResult {
  const type = typeof m.type === 'string' ? m.type.toLowerCase() : '';
  if (!type) return { ok: false, errors: [{ field: 'type', reason: 'the message has no type' }] };
  if (type === 'track') {
    if (config.eventChoice === 'PutItems') return mapItem(m, config);
    if (config.eventChoice === 'PutEvents') return mapTrack(m, config);
    return { ok: false, errors: [{ field: 'config.eventChoice', reason: `a track call becomes PutEvents or PutItems, not ${String(config.eventChoice)}` }] };
  }
  if (type === 'identify') return mapIdentify(m, config);
  return { ok: false, errors: [{ field: 'type', reason: `${type} calls are not sent to Personalize (track and identify are)` }] };
}

export type InteractionRow = [USER_ID: string, ITEM_ID: string, EVENT_TYPE: string, EVENT_VALUE: number, TIMESTAMP: number];

/** Why a generic event is not an interaction: the same reasons, in the same order, as the batch query. */
export type InteractionRejection = 'missing_fields' | 'missing_user_id' | 'missing_item_id' | 'bad_timestamp' | 'absurd_timestamp' | 'not_scored';

const YEAR_2000_MS = 946_684_800_000;

/** A mapped TIMESTAMP in epoch ms: 13 digits are milliseconds, 9–11 digits seconds, otherwise ISO-8601. */
function interactionTimeMs(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const text = typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : undefined;
  if (text === undefined) return undefined;
  if (/^\d{13}$/.test(text)) return Number(text);
  if (/^\d{9,11}$/.test(text)) return Number(text) * 1000;
  if (/^\d+$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A generic track event as one interactions row, through the pipeline's field mapping (the same
 * dotted paths as the batch query): EVENT_VALUE from the mapped property when it is a number,
 * else the scoring model's value; with a scoring model, types not in it are not interactions.
 */
export function mapTrackToInteraction(
  event: Record<string, unknown>,
  mapping: FieldMapping,
  scoring?: ScoringModel
): { ok: true; row: InteractionRow } | { ok: false; reason: InteractionRejection } {
  const rawType = valueAt(event, mapping.EVENT_TYPE);
  const type = typeof rawType === 'string' || typeof rawType === 'number' ? String(rawType) : '';
  if (!type) return { ok: false, reason: 'missing_fields' };
  const user = idString(valueAt(event, mapping.USER_ID));
  if (!user) return { ok: false, reason: 'missing_user_id' };
  const item = idString(valueAt(event, mapping.ITEM_ID));
  if (!item) return { ok: false, reason: 'missing_item_id' };
  const ts = interactionTimeMs(valueAt(event, mapping.TIMESTAMP));
  if (ts === undefined) return { ok: false, reason: 'bad_timestamp' };
  if (ts < YEAR_2000_MS) return { ok: false, reason: 'absurd_timestamp' };
  if (scoring && !Object.prototype.hasOwnProperty.call(scoring, type)) return { ok: false, reason: 'not_scored' };
  const mapped = mapping.EVENT_VALUE ? strictNumber(valueAt(event, mapping.EVENT_VALUE)) : undefined;
  const value = mapped ?? (scoring ? scoring[type]! : 1);
  return { ok: true, row: [user, item, type, value, Math.floor(ts / 1000)] };
}
