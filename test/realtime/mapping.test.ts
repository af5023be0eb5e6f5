/**
 * The mapping against RudderStack's own processor corpus (their fixtures 0–30, relabelled by what
 * each tests): where we keep their behaviour, the same output; where we differ on purpose, a test
 * whose name starts with "DIFFERS".
 */
import type { FieldMapping } from '../../common/interactions';
import { mapMessage, mapTrackToInteraction, strictNumber, camelCase, type DestinationConfig, type EventRecord, type ItemRecord, type Message, type MappingResult, type UserRecord } from '../../activities/realtime/mapping';

const ITEMS = 'arn:aws:personalize:us-east-1:123456789012:dataset/movies/ITEMS';
const USERS = 'arn:aws:personalize:us-east-1:123456789012:dataset/movies/USERS';

const base: Message = {
  type: 'track',
  event: 'Watched',
  messageId: '4bb69e26-b5a6-446a-a140-dbb6263369c9',
  anonymousId: 'anon-id-new',
  userId: 'identified user id',
  timestamp: '2020-02-02T00:23:09.544Z',
  properties: { movieWatched: 2, typeOfMovie: 'Romance', numberOfRatings: 10, eventValue: 5 },
};
const cfg = (over: Partial<DestinationConfig> = {}): DestinationConfig => ({
  eventChoice: 'PutEvents',
  trackingId: 'c60',
  customMappings: [
    { from: 'MOVIE_WATCHED', to: 'movieWatched' },
    { from: 'NUMBER_OF_RATINGS', to: 'numberOfRatings' },
  ],
  ...over,
});
const withMappings = (...extra: { from: string; to: string }[]) => cfg({ customMappings: [...cfg().customMappings, ...extra] });

function event(r: MappingResult): EventRecord {
  if (!r.ok) throw new Error(`expected a record, got ${JSON.stringify(r.errors)}`);
  return r.record as EventRecord;
}
function errors(r: MappingResult): string[] {
  if (r.ok) throw new Error('expected errors');
  return r.errors.map((e) => `${e.field}: ${e.reason}`);
}

describe('PutEvents (kept behaviour)', () => {
  test('#0 basic: numbers stringified, camelCase keys, sentAt from timestamp, sessionId from anonymousId, unmapped eventValue ignored', () => {
    const r = event(mapMessage(base, cfg()));
    expect(r).toMatchObject({ trackingId: 'c60', sessionId: 'anon-id-new', userId: 'identified user id' });
    expect(r.event.eventType).toBe('Watched');
    expect(r.event.sentAt).toBe(Date.parse('2020-02-02T00:23:09.544Z'));
    expect(JSON.parse(r.event.properties!)).toEqual({ movieWatched: '2', numberOfRatings: '10' });
    expect(r.event.eventValue).toBeUndefined();
  });
  test('#3 ITEM_ID taken from properties; #6 USER_ID mapping overrides the message user', () => {
    const r = event(mapMessage({ ...base, properties: { ...base.properties, itemId: 'item 1', userId: 'user 1' } }, withMappings({ from: 'ITEM_ID', to: 'itemId' }, { from: 'USER_ID', to: 'userId' })));
    expect(r.event.itemId).toBe('item 1');
    expect(r.userId).toBe('user 1');
    expect(JSON.parse(r.event.properties!)).not.toHaveProperty('userId');
  });
  test('#5 a mapped USER_ID that is absent falls back to the message user; #7 an unmapped properties.userId is ignored', () => {
    expect(event(mapMessage(base, withMappings({ from: 'USER_ID', to: 'userId' }))).userId).toBe('identified user id');
    expect(event(mapMessage({ ...base, properties: { ...base.properties, userId: 'x' } }, cfg())).userId).toBe('identified user id');
  });
  test('#8/#10 impressions: a scalar becomes a list, numbers become strings', () => {
    expect(event(mapMessage({ ...base, properties: { ...base.properties, impressions: 'abc' } }, withMappings({ from: 'IMPRESSION', to: 'impressions' }))).event.impression).toEqual(['abc']);
    expect(event(mapMessage({ ...base, properties: { ...base.properties, impressions: [2, 3] } }, withMappings({ from: 'IMPRESSION', to: 'impressions' }))).event.impression).toEqual(['2', '3']);
  });
  test('#11 without anonymousId the session is the user; #30 then context.sessionId', () => {
    expect(event(mapMessage({ ...base, anonymousId: undefined }, cfg())).sessionId).toBe('identified user id');
    const r = event(mapMessage({ ...base, anonymousId: undefined, userId: undefined, timestamp: undefined, originalTimestamp: '2020-02-02T00:23:09.544Z', context: { sessionId: 'sess-1' } }, cfg()));
    expect(r.sessionId).toBe('sess-1');
    expect(r.event.sentAt).toBe(Date.parse('2020-02-02T00:23:09.544Z'));
  });
  test('#28 disableStringify keeps raw values; #29 false stringifies', () => {
    expect(JSON.parse(event(mapMessage(base, cfg({ disableStringify: true }))).event.properties!)).toEqual({ movieWatched: 2, numberOfRatings: 10 });
    expect(JSON.parse(event(mapMessage(base, cfg({ disableStringify: false }))).event.properties!)).toEqual({ movieWatched: '2', numberOfRatings: '10' });
  });
  test('camelCase keys as lodash makes them (and as AWS names them)', () => {
    expect(camelCase('NUMBER_OF_RATINGS')).toBe('numberOfRatings');
    expect(camelCase('ADDRESS_LINE_2')).toBe('addressLine2');
    expect(camelCase('SKU2ID')).toBe('sku2Id');
  });
  test('EVENT_VALUE: numbers and numeric strings, 0 and negatives', () => {
    const m = withMappings({ from: 'EVENT_VALUE', to: 'eventValue' });
    expect(event(mapMessage({ ...base, properties: { ...base.properties, eventValue: '-1.5' } }, m)).event.eventValue).toBe(-1.5);
    expect(event(mapMessage({ ...base, properties: { ...base.properties, eventValue: 0 } }, m)).event.eventValue).toBe(0);
  });
  test('type is case-insensitive; #26 other call types are refused; #14 no type is refused', () => {
    expect(mapMessage({ ...base, type: 'TRACK' }, cfg()).ok).toBe(true);
    expect(errors(mapMessage({ ...base, type: 'screen' }, cfg()))).toEqual(['type: screen calls are not sent to Personalize (track and identify are)']);
    expect(errors(mapMessage({ ...base, type: undefined }, cfg()))).toEqual(['type: the message has no type']);
  });
  test('#1 string properties only; #27 the same message twice maps the same (stringify unset)', () => {
    const m = cfg({ customMappings: [{ from: 'TYPE_OF_MOVIE', to: 'typeOfMovie' }, { from: 'NUMBER_OF_RATINGS', to: 'numberOfRatings' }] });
    expect(JSON.parse(event(mapMessage(base, m)).event.properties!)).toEqual({ typeOfMovie: 'Romance', numberOfRatings: '10' });
    expect(mapMessage(base, cfg())).toEqual(mapMessage(base, cfg()));
  });
  test('RECOMMENDATION_ID: a number becomes a string; mapped but missing is an error', () => {
    const m = withMappings({ from: 'RECOMMENDATION_ID', to: 'recId' });
    expect(event(mapMessage({ ...base, properties: { ...base.properties, recId: 12345 } }, m)).event.recommendationId).toBe('12345');
    expect(errors(mapMessage(base, m))).toEqual(['properties.recId: RECOMMENDATION_ID is mapped but the value is missing']);
  });
  test('schema fields are case-insensitive: a lower-case item_id mapping sets the item', () => {
    expect(event(mapMessage({ ...base, properties: { ...base.properties, sku: 'sku-1' } }, withMappings({ from: 'item_id', to: 'sku' }))).event.itemId).toBe('sku-1');
  });
  test('booleans and arrays: strings when stringifying, raw values when not', () => {
    const m = (disableStringify: boolean) => cfg({ disableStringify, customMappings: [{ from: 'IS_NEW', to: 'isNew' }, { from: 'TAGS', to: 'tags' }] });
    const message = { ...base, properties: { isNew: true, tags: ['a', 'b'] } };
    expect(JSON.parse(event(mapMessage(message, m(false))).event.properties!)).toEqual({ isNew: 'true', tags: '["a","b"]' });
    expect(JSON.parse(event(mapMessage(message, m(true))).event.properties!)).toEqual({ isNew: true, tags: ['a', 'b'] });
  });
  test('#19 no tracking id; #21 empty event name; a mapped property that is missing', () => {
    expect(errors(mapMessage(base, cfg({ trackingId: '' })))[0]).toMatch(/config.trackingId/);
    expect(errors(mapMessage({ ...base, event: '' }, cfg()))).toContain('event: a track call needs an event name');
    expect(errors(mapMessage(base, withMappings({ from: 'GENRE', to: 'genre' })))).toContain('properties.genre: mapped property genre not found');
  });
});

describe('PutEvents (deliberate differences)', () => {
  test('DIFFERS: an unmapped or missing ITEM_ID is absent, never the message id (#2, #4)', () => {
    expect(event(mapMessage(base, cfg())).event.itemId).toBeUndefined();
    expect(event(mapMessage(base, withMappings({ from: 'ITEM_ID', to: 'itemId' }))).event.itemId).toBeUndefined();
  });
  test('DIFFERS: ITEM_ID null is absent, not "null"', () => {
    expect(event(mapMessage({ ...base, properties: { ...base.properties, itemId: null } }, withMappings({ from: 'ITEM_ID', to: 'itemId' }))).event.itemId).toBeUndefined();
  });
  test('DIFFERS: a null property is left out, not "null"', () => {
    const r = event(mapMessage({ ...base, properties: { ...base.properties, movieWatched: null } }, cfg()));
    expect(JSON.parse(r.event.properties!)).toEqual({ numberOfRatings: '10' });
  });
  test('DIFFERS: objects are JSON, not "[object Object]"', () => {
    const r = event(mapMessage({ ...base, properties: { ...base.properties, movieWatched: { id: 7 } } }, cfg()));
    expect(JSON.parse(r.event.properties!).movieWatched).toBe('{"id":7}');
  });
  test('DIFFERS (#9): EVENT_VALUE "3.4abc" is an error, not 3.4; true is an error too', () => {
    const m = withMappings({ from: 'EVENT_VALUE', to: 'eventValue' });
    expect(errors(mapMessage({ ...base, properties: { ...base.properties, eventValue: '3.4abc' } }, m))).toEqual(['properties.eventValue: EVENT_VALUE "3.4abc" is not a number']);
    expect(mapMessage({ ...base, properties: { ...base.properties, eventValue: true } }, m).ok).toBe(false);
    expect(strictNumber('12abc')).toBeUndefined();
    expect(strictNumber('1e3')).toBe(1000);
  });
  test('DIFFERS: no identified user → userId omitted (not ""), the anonymous id stays the session', () => {
    const r = event(mapMessage({ ...base, userId: undefined }, cfg()));
    expect(r).not.toHaveProperty('userId');
    expect(r.sessionId).toBe('anon-id-new');
  });
  test('DIFFERS: impressions drop null and empty entries instead of sending "null"; more than 25 is refused', () => {
    const m = withMappings({ from: 'IMPRESSION', to: 'impressions' });
    expect(event(mapMessage({ ...base, properties: { ...base.properties, impressions: ['a', '', null, 3] } }, m)).event.impression).toEqual(['a', '3']);
    expect(errors(mapMessage({ ...base, properties: { ...base.properties, impressions: Array.from({ length: 26 }, (_, i) => `i${i}`) } }, m))[0]).toMatch(/26 impressions; at most 25/);
    expect(errors(mapMessage({ ...base, properties: { ...base.properties, impressions: [] } }, m))[0]).toMatch(/holds no item ids/);
  });
  test('DIFFERS: AWS limits checked before sending: properties JSON ≤ 1024, ids ≤ 256, recommendation id ≤ 40, reserved keys', () => {
    const long = 'x'.repeat(1100);
    expect(errors(mapMessage({ ...base, properties: { ...base.properties, movieWatched: long } }, cfg()))[0]).toMatch(/^properties: \d+ characters as JSON; Personalize accepts at most 1024/);
    expect(errors(mapMessage({ ...base, userId: 'u'.repeat(257) }, cfg()))).toContain('userId: 257 characters; at most 256');
    expect(errors(mapMessage({ ...base, properties: { ...base.properties, rec: 'r'.repeat(41) } }, withMappings({ from: 'RECOMMENDATION_ID', to: 'rec' })))).toContain('properties.rec: 41 characters; at most 40');
    expect(errors(mapMessage({ ...base, properties: { ...base.properties, sid: 's' } }, withMappings({ from: 'SESSION_ID', to: 'sid' })))[0]).toMatch(/properties.sessionId: "sessionId" is a reserved key/);
  });
  test('DIFFERS: a message without any timestamp is refused (RudderStack sends sentAt null, which AWS rejects)', () => {
    expect(errors(mapMessage({ ...base, timestamp: undefined }, cfg()))).toContain('timestamp: no valid timestamp or originalTimestamp (ISO-8601)');
  });
  test('DIFFERS: eventId is the messageId, so a retried delivery is not counted twice', () => {
    expect(event(mapMessage(base, cfg())).event.eventId).toBe(base.messageId);
  });
  test('DIFFERS: nested paths reach nested properties', () => {
    const r = event(mapMessage({ ...base, properties: { product: { sku: 'sku-9' } } }, cfg({ customMappings: [{ from: 'ITEM_ID', to: 'product.sku' }] })));
    expect(r.event.itemId).toBe('sku-9');
  });
  test('DIFFERS: a lower-case user_id mapping overrides the user too (RudderStack ignores it)', () => {
    expect(event(mapMessage({ ...base, properties: { ...base.properties, uid: 'user 9' } }, withMappings({ from: 'user_id', to: 'uid' }))).userId).toBe('user 9');
  });
  test('DIFFERS: a message without a properties object maps (RudderStack throws a TypeError with a USER_ID mapping)', () => {
    const r = event(mapMessage({ ...base, properties: undefined }, cfg({ customMappings: [{ from: 'USER_ID', to: 'userId' }] })));
    expect(r.userId).toBe('identified user id');
    expect(r.event.properties).toBeUndefined();
  });
  test('DIFFERS (#18): a track call with an event choice other than PutEvents/PutItems is refused as a configuration error', () => {
    expect(errors(mapMessage(base, cfg({ eventChoice: 'PutUsers' as DestinationConfig['eventChoice'] })))).toEqual(['config.eventChoice: a track call becomes PutEvents or PutItems, not PutUsers']);
  });
  test('several errors of one event are all reported, each with its field', () => {
    const r = errors(mapMessage({ ...base, event: ' ', timestamp: 'yesterday', anonymousId: undefined, userId: undefined }, cfg()));
    expect(r).toEqual(expect.arrayContaining(['event: a track call needs an event name', 'timestamp: no valid timestamp or originalTimestamp (ISO-8601)', 'sessionId: no anonymousId, userId or context.sessionId to use as the session']));
  });
});

describe('PutItems', () => {
  const items = (over: Partial<DestinationConfig> = {}) => cfg({ eventChoice: 'PutItems', itemsDatasetArn: ITEMS, customMappings: [{ from: 'ITEM_ID', to: 'properties.itemId' }, { from: 'TYPE_OF_MOVIE', to: 'typeOfMovie' }], ...over });
  test('#13 ITEM_ID is a path into the message; numbers become strings; properties not stringified', () => {
    const r = mapMessage({ ...base, properties: { itemId: 1, typeOfMovie: 'Romance' } }, items());
    expect(r.ok && (r.record as ItemRecord)).toEqual({ kind: 'item', datasetArn: ITEMS, item: { itemId: '1', properties: '{"typeOfMovie":"Romance"}' } });
  });
  test('#15 a missing mapped property; #20 an empty item id', () => {
    expect(errors(mapMessage({ ...base, properties: { itemId: 1 } }, items()))).toContain('properties.typeOfMovie: mapped property typeOfMovie not found');
    expect(errors(mapMessage({ ...base, properties: { itemId: '', typeOfMovie: 'x' } }, items()))).toContain('properties.itemId: no item id at properties.itemId');
  });
  test('DIFFERS: an ITEM_ID path that does not resolve is an error, not "undefined"', () => {
    expect(errors(mapMessage({ ...base, properties: { typeOfMovie: 'x' } }, items()))).toContain('properties.itemId: no item id at properties.itemId');
  });
  test('#16/#17 the dataset ARN must be an ITEMS dataset (strictly, not a substring)', () => {
    expect(errors(mapMessage(base, items({ itemsDatasetArn: '' })))[0]).toMatch(/items dataset ARN is needed/);
    expect(errors(mapMessage(base, items({ itemsDatasetArn: `${ITEMS}X` })))[0]).toMatch(/is not a ITEMS dataset ARN/);
  });
});

describe('PutUsers (identify)', () => {
  const users = (over: Partial<DestinationConfig> = {}) => cfg({ usersDatasetArn: USERS, customMappings: [{ from: 'TYPE_OF_MOVIE', to: 'typeOfMovie' }, { from: 'NUMBER_OF_RATINGS', to: 'numberOfRatings' }], ...over });
  const identify: Message = { type: 'identify', userId: '123456', anonymousId: 'anon', traits: { typeOfMovie: 'Romance', numberOfRatings: 10, email: 'x@example.com' } };
  test('#12 mapped traits, not stringified; unmapped traits dropped', () => {
    const r = mapMessage(identify, users());
    expect(r.ok && (r.record as UserRecord)).toEqual({ kind: 'user', datasetArn: USERS, user: { userId: '123456', properties: '{"typeOfMovie":"Romance","numberOfRatings":10}' } });
  });
  test('#25 a missing mapped trait; #23/#24 dataset ARN checks', () => {
    expect(errors(mapMessage({ ...identify, traits: { typeOfMovie: 'x' } }, users()))).toContain('traits.numberOfRatings: mapped trait numberOfRatings not found');
    expect(errors(mapMessage(identify, users({ usersDatasetArn: '' })))[0]).toMatch(/users dataset ARN is needed/);
    expect(errors(mapMessage(identify, users({ usersDatasetArn: ITEMS })))[0]).toMatch(/is not a USERS dataset ARN/);
  });
  test('DIFFERS: event-only mappings (ITEM_ID, EVENT_VALUE …) are not looked up in traits', () => {
    const r = mapMessage(identify, users({ customMappings: [{ from: 'ITEM_ID', to: 'sku' }, { from: 'TYPE_OF_MOVIE', to: 'typeOfMovie' }] }));
    expect(r.ok && (r.record as UserRecord).user.properties).toBe('{"typeOfMovie":"Romance"}');
  });
  test('DIFFERS (#22): identify always becomes PutUsers, whatever track calls become (RudderStack refuses it under PutItems)', () => {
    const r = mapMessage(identify, users({ eventChoice: 'PutItems', itemsDatasetArn: ITEMS }));
    expect(r.ok && r.record.kind).toBe('user');
  });
  test('a USER_ID mapping is not a trait of the user record', () => {
    const r = mapMessage(identify, users({ customMappings: [{ from: 'USER_ID', to: 'uid' }, { from: 'TYPE_OF_MOVIE', to: 'typeOfMovie' }] }));
    expect(r.ok && (r.record as UserRecord).user).toEqual({ userId: '123456', properties: '{"typeOfMovie":"Romance"}' });
  });
  test('DIFFERS: an anonymous identify creates no user (RudderStack keys it by anonymousId)', () => {
    expect(errors(mapMessage({ ...identify, userId: undefined }, users()))).toEqual(['userId: an identify call needs a userId; anonymous users are not created']);
  });
});

describe('the batch loop uses the same paths (mapTrackToInteraction)', () => {
  const mapping: FieldMapping = { USER_ID: 'userId', ITEM_ID: 'properties.product_id', EVENT_TYPE: 'event', TIMESTAMP: 'timestamp' };
  const m: Message = { type: 'track', event: 'Product Viewed', userId: 'u1', timestamp: '2026-11-23T10:00:00Z', properties: { product_id: 'sku-1', price: '12.5' } };
  const at = Date.parse('2026-11-23T10:00:00Z') / 1000;
  test('a track event becomes one interactions row, scored, in epoch seconds', () => {
    expect(mapTrackToInteraction(m, mapping, { 'Product Viewed': 1, 'Order Completed': 10 })).toEqual({ ok: true, row: ['u1', 'sku-1', 'Product Viewed', 1, at] });
    expect(mapTrackToInteraction(m, mapping)).toEqual({ ok: true, row: ['u1', 'sku-1', 'Product Viewed', 1, at] });
  });
  test('a numeric mapped EVENT_VALUE wins over the scoring model; a non-numeric one falls back to it', () => {
    const withValue = { ...mapping, EVENT_VALUE: 'properties.price' };
    expect(mapTrackToInteraction(m, withValue, { 'Product Viewed': 1 })).toEqual({ ok: true, row: ['u1', 'sku-1', 'Product Viewed', 12.5, at] });
    expect(mapTrackToInteraction({ ...m, properties: { product_id: 'sku-1', price: '12.5abc' } }, withValue, { 'Product Viewed': 1 })).toEqual({ ok: true, row: ['u1', 'sku-1', 'Product Viewed', 1, at] });
  });
  test('timestamps: ISO-8601, epoch seconds, epoch milliseconds (numbers or strings)', () => {
    for (const timestamp of ['2026-11-23T10:00:00Z', at, String(at), at * 1000, String(at * 1000)]) {
      expect(mapTrackToInteraction({ ...m, timestamp } as Message, mapping)).toEqual({ ok: true, row: ['u1', 'sku-1', 'Product Viewed', 1, at] });
    }
  });
  test('rejections carry the batch query reasons, in its order', () => {
    expect(mapTrackToInteraction({ ...m, event: '', userId: undefined }, mapping)).toEqual({ ok: false, reason: 'missing_fields' });
    expect(mapTrackToInteraction({ ...m, userId: ' ' }, mapping)).toEqual({ ok: false, reason: 'missing_user_id' });
    expect(mapTrackToInteraction({ ...m, properties: {} }, mapping)).toEqual({ ok: false, reason: 'missing_item_id' });
    expect(mapTrackToInteraction({ ...m, timestamp: 'yesterday' }, mapping)).toEqual({ ok: false, reason: 'bad_timestamp' });
    expect(mapTrackToInteraction({ ...m, timestamp: '1999-12-31T00:00:00Z' }, mapping)).toEqual({ ok: false, reason: 'absurd_timestamp' });
    expect(mapTrackToInteraction({ ...m, event: 'Signed Up' }, mapping, { 'Product Viewed': 1 })).toEqual({ ok: false, reason: 'not_scored' });
    expect(mapTrackToInteraction({ ...m, event: 'toString' }, mapping, { 'Product Viewed': 1 })).toEqual({ ok: false, reason: 'not_scored' });
  });
});
