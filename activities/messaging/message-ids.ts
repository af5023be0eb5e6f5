/**
 * One user's recommendations → what a messaging call needs so that the engagement comes back
 * attributable: SES `EmailTags`, End User Messaging SMS `Context`, the fields of a RudderStack /
 * Segment `track` event. The names are the ones the pipeline's sources read (common/message-ids.ts
 * or the source's own `tags:` / `context:` / `mapping:`), so what is sent here is what the next
 * run's query finds. Values that the service would refuse (or silently alter) are refused here,
 * with the rule, instead of being rewritten: an id changed on the way out would no longer match the
 * user or the item it names when it comes back.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_FIELD_MAPPING, type FieldMapping } from '../../common/interactions';
import { EVENT_RECOMMENDATION_ID_PATH, MESSAGE_ID_NAMES, type MessageIdNames } from '../../common/message-ids';

/** One user's row of a recommendations file. */
export interface RecommendationRow {
  userId: string;
  recommendationId: string;
  itemIds: string[];
  scores: number[];
}

/** An id or name the messaging service would refuse; the message names the field and the rule. */
export class MessageIdError extends Error {
  override name = 'MessageIdError';
}

/**
 * The recommendation id of one user's recommendations in one run: a hash of the run key and the
 * user id, so every retry, re-conversion or re-send of that run gives the same id, and another run
 * (or user) another one. 36 ASCII characters (`rec-` + 32 hex), inside every channel's limits.
 */
export function recommendationIdFor(runKey: string, userId: string): string {
  return `rec-${createHash('sha256').update(`${runKey}\u0000${userId}`).digest('hex').slice(0, 32)}`;
}

/** The item a message features: the one given (it must be among the user's recommendations), else the first. */
function featured(row: RecommendationRow, itemId: string | undefined): string {
  const item = itemId ?? row.itemIds[0];
  if (item === undefined) throw new MessageIdError(`user ${row.userId} has no recommended items to send`);
  if (!row.itemIds.includes(item)) {
    throw new MessageIdError(`item ${item} is not among the items recommended to ${row.userId} (${row.recommendationId}); its engagement would be attributed to a recommendation that never named it`);
  }
  return item;
}

// ---- SES ----------------------------------------------------------------------------------------

/** SES MessageTag name and value: ASCII letters, digits, `_`, `-` and `.`, 1 to 256 characters. */
export const SES_TAG_PATTERN = /^[A-Za-z0-9_.-]{1,256}$/;

export interface SesMessageTag {
  Name: string;
  Value: string;
}

function sesTag(field: string, name: string, value: string): SesMessageTag {
  if (!SES_TAG_PATTERN.test(name)) throw new MessageIdError(`SES tag name ${JSON.stringify(name)} (${field}) must be 1 to 256 ASCII letters, digits, '_', '-' or '.'`);
  if (!SES_TAG_PATTERN.test(value)) {
    throw new MessageIdError(
      `SES tag ${name} cannot carry ${JSON.stringify(value.slice(0, 60))}: a tag value must be 1 to 256 ASCII letters, digits, '_', '-' or '.'. Send this ${field} by SMS Context or an event property, or use ids in that alphabet`
    );
  }
  return { Name: name, Value: value };
}

/**
 * SendEmail `EmailTags` (SES v2; `Tags` in v1) for one message featuring one of the user's items.
 * They reach `mail.tags` of the SES events only when the message is sent with a configuration set
 * that publishes events (to Firehose, for this loop). `extra` tags (campaign, template …) are kept.
 */
export function sesEmailTags(
  row: RecommendationRow,
  opts: { itemId?: string; names?: MessageIdNames; extra?: SesMessageTag[] } = {}
): SesMessageTag[] {
  const names = opts.names ?? MESSAGE_ID_NAMES;
  const tags = [
    sesTag('userId', names.userId, row.userId),
    sesTag('itemId', names.itemId, featured(row, opts.itemId)),
    sesTag('recommendationId', names.recommendationId, row.recommendationId),
  ];
  for (const t of opts.extra ?? []) {
    if (tags.some((x) => x.Name === t.Name)) throw new MessageIdError(`SES tag ${t.Name} is given twice`);
    tags.push(sesTag('extra tag', t.Name, t.Value));
  }
  return tags;
}

// ---- End User Messaging SMS --------------------------------------------------------------------

/** SendTextMessage `Context`: at most 5 entries; keys 1–100 and values 1–800 characters without whitespace. */
export const SMS_CONTEXT_MAX_ENTRIES = 5;
export const SMS_CONTEXT_KEY_MAX = 100;
export const SMS_CONTEXT_VALUE_MAX = 800;

function checkContext(key: string, value: string): void {
  if (key.length < 1 || key.length > SMS_CONTEXT_KEY_MAX || /\s/.test(key)) {
    throw new MessageIdError(`SMS Context key ${JSON.stringify(key)} must have 1 to ${SMS_CONTEXT_KEY_MAX} characters and no whitespace`);
  }
  if (value.length < 1 || value.length > SMS_CONTEXT_VALUE_MAX || /\s/.test(value)) {
    throw new MessageIdError(`SMS Context ${key} cannot carry ${JSON.stringify(value.slice(0, 60))}: values must have 1 to ${SMS_CONTEXT_VALUE_MAX} characters and no whitespace`);
  }
}

/**
 * SendTextMessage `Context` for one message featuring one item; End User Messaging logs it to the
 * configuration set's event destinations as `context`. Three entries are the ids; `extra` may add
 * up to two more.
 */
export function smsContext(
  row: RecommendationRow,
  opts: { itemId?: string; names?: MessageIdNames; extra?: Record<string, string> } = {}
): Record<string, string> {
  const names = opts.names ?? MESSAGE_ID_NAMES;
  const context: Record<string, string> = {
    [names.userId]: row.userId,
    [names.itemId]: featured(row, opts.itemId),
    [names.recommendationId]: row.recommendationId,
  };
  if (Object.keys(context).length !== 3) throw new MessageIdError('the SMS context keys for userId, itemId and recommendationId must differ');
  for (const [k, v] of Object.entries(opts.extra ?? {})) {
    if (k in context) throw new MessageIdError(`SMS Context key ${k} is given twice`);
    context[k] = v;
  }
  const entries = Object.entries(context);
  if (entries.length > SMS_CONTEXT_MAX_ENTRIES) {
    throw new MessageIdError(`SMS Context takes at most ${SMS_CONTEXT_MAX_ENTRIES} entries; the ids take 3, so at most 2 extra (got ${entries.length - 3})`);
  }
  for (const [k, v] of entries) checkContext(k, v);
  return context;
}

// ---- RudderStack / Segment ---------------------------------------------------------------------

function setPath(target: Record<string, unknown>, dotted: string, value: string): void {
  const keys = dotted.split('.');
  let at = target;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    at = (next !== null && typeof next === 'object' ? next : (at[k] = {})) as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
}

/**
 * The fields of a `track` event for one engagement with a recommended item, at the paths the
 * pipeline's events source reads (USER_ID, ITEM_ID and RECOMMENDATION_ID of its mapping; by default
 * `userId`, `properties.product_id` and `properties.recommendationId`). Merge them into the event
 * the app sends (`analytics.track(event, fields.properties)` with `userId`).
 */
export function trackEventFields(
  row: RecommendationRow,
  opts: { itemId?: string; mapping?: Pick<FieldMapping, 'USER_ID' | 'ITEM_ID' | 'RECOMMENDATION_ID'> } = {}
): Record<string, unknown> {
  const mapping = opts.mapping ?? DEFAULT_FIELD_MAPPING;
  const out: Record<string, unknown> = {};
  setPath(out, mapping.USER_ID, row.userId);
  setPath(out, mapping.ITEM_ID, featured(row, opts.itemId));
  setPath(out, mapping.RECOMMENDATION_ID ?? EVENT_RECOMMENDATION_ID_PATH, row.recommendationId);
  return out;
}
