import {
  MessageIdError,
  recommendationIdFor,
  sesEmailTags,
  smsContext,
  trackEventFields,
  SES_TAG_PATTERN,
  type RecommendationRow,
} from '../../activities/messaging/message-ids';
import { interactionsSpec, parseConfig } from '../../common/config';
import { MESSAGE_ID_NAMES } from '../../common/message-ids';

const row: RecommendationRow = {
  userId: 'user-0042',
  recommendationId: recommendationIdFor('shop-20261123', 'user-0042'),
  itemIds: ['item-0007', 'item-0100', 'item-0003'],
  scores: [0.3, 0.2, 0.1],
};

function pipelineWith(sources: string): ReturnType<typeof parseConfig>['pipelines'][number] {
  return parseConfig(`
pipelines:
  - name: shop
    backend: local
    workPrefix: /tmp/w/
    datasetColumns: [USER_ID, ITEM_ID, EVENT_TYPE, EVENT_VALUE, TIMESTAMP, RECOMMENDATION_ID]
    sources:
${sources}
`).pipelines[0]!;
}

describe('recommendation id', () => {
  test('stable for a run and user, different for another run or user, inside every channel alphabet', () => {
    const id = recommendationIdFor('shop-20261123', 'user-0042');
    expect(recommendationIdFor('shop-20261123', 'user-0042')).toBe(id);
    expect(recommendationIdFor('shop-20261124', 'user-0042')).not.toBe(id);
    expect(recommendationIdFor('shop-20261123', 'user-0043')).not.toBe(id);
    // No separator ambiguity: ("a", "b\0c") and ("a\0b", "c") differ.
    expect(recommendationIdFor('ab', 'c')).not.toBe(recommendationIdFor('a', 'bc'));
    expect(id).toMatch(/^rec-[0-9a-f]{32}$/);
    expect(id.length).toBeLessThanOrEqual(40);
    expect(SES_TAG_PATTERN.test(id)).toBe(true);
  });
});

describe('SES EmailTags', () => {
  test('the three ids under the default names the SES source reads, the first item by default', () => {
    expect(sesEmailTags(row)).toEqual([
      { Name: 'userId', Value: 'user-0042' },
      { Name: 'itemId', Value: 'item-0007' },
      { Name: 'recommendationId', Value: row.recommendationId },
    ]);
    expect(sesEmailTags(row, { itemId: 'item-0100' })[1]).toEqual({ Name: 'itemId', Value: 'item-0100' });
  });

  test('the names come from the ses source config: what the query reads is what is written', () => {
    const p = pipelineWith(`      - kind: ses
        eventsPrefix: /tmp/e/ses/
        tags: { userId: uid, itemId: sku, recommendationId: rid }
      - kind: sms
        eventsPrefix: /tmp/e/sms/`);
    const spec = interactionsSpec(p);
    const ses = spec.sources.find((s) => s.kind === 'ses')!;
    const sms = spec.sources.find((s) => s.kind === 'sms')!;
    if (ses.kind !== 'ses' || sms.kind !== 'sms') throw new Error('unexpected sources');
    expect(sesEmailTags(row, { names: ses.tags }).map((t) => t.Name)).toEqual(['uid', 'sku', 'rid']);
    // A source left at its defaults reads the shared names.
    expect(sms.context).toEqual(MESSAGE_ID_NAMES);
  });

  test('values at the limit pass; one character over, or outside the alphabet, is refused with the rule', () => {
    const max = 'a'.repeat(256);
    expect(sesEmailTags({ ...row, userId: max })[0]!.Value).toBe(max);
    expect(sesEmailTags({ ...row, userId: 'A_z-0.9' })[0]!.Value).toBe('A_z-0.9');
    for (const bad of ['a'.repeat(257), '', 'user 42', 'user@42', 'üser', 'a/b', 'a:b']) {
      expect(() => sesEmailTags({ ...row, userId: bad })).toThrow(MessageIdError);
    }
    expect(() => sesEmailTags({ ...row, userId: 'user 42' })).toThrow(/1 to 256 ASCII letters, digits, '_', '-' or '.'/);
    expect(() => sesEmailTags(row, { names: { ...MESSAGE_ID_NAMES, itemId: 'ses:item' } })).toThrow(/tag name/);
  });

  test('extra tags are kept and checked; a duplicate name is refused', () => {
    expect(sesEmailTags(row, { extra: [{ Name: 'campaign', Value: 'winter-2026' }] })).toHaveLength(4);
    expect(() => sesEmailTags(row, { extra: [{ Name: 'userId', Value: 'x' }] })).toThrow(/twice/);
    expect(() => sesEmailTags(row, { extra: [{ Name: 'campaign', Value: 'winter sale' }] })).toThrow(MessageIdError);
  });

  test('an item that was not recommended to the user, or a user with none, is refused', () => {
    expect(() => sesEmailTags(row, { itemId: 'item-9999' })).toThrow(/not among the items recommended/);
    expect(() => sesEmailTags({ ...row, itemIds: [] })).toThrow(/no recommended items/);
  });
});

describe('End User Messaging SMS Context', () => {
  test('the three ids under the default names, plus up to two extra entries (5 at most)', () => {
    expect(smsContext(row)).toEqual({ userId: 'user-0042', itemId: 'item-0007', recommendationId: row.recommendationId });
    const five = smsContext(row, { extra: { campaign: 'winter', variant: 'b' } });
    expect(Object.keys(five)).toHaveLength(5);
    expect(() => smsContext(row, { extra: { a: '1', b: '2', c: '3' } })).toThrow(/at most 5 entries/);
  });

  test('ids SES could not carry travel here; whitespace and length limits are refused', () => {
    expect(smsContext({ ...row, userId: 'üser@42/x' }).userId).toBe('üser@42/x');
    expect(smsContext({ ...row, userId: 'u'.repeat(800) }).userId).toHaveLength(800);
    expect(() => smsContext({ ...row, userId: 'u'.repeat(801) })).toThrow(/1 to 800/);
    expect(() => smsContext({ ...row, userId: 'user 42' })).toThrow(MessageIdError);
    expect(() => smsContext(row, { extra: { ['k'.repeat(101)]: 'v' } })).toThrow(/1 to 100/);
    expect(() => smsContext(row, { names: { userId: 'id', itemId: 'id', recommendationId: 'r' } })).toThrow(/must differ/);
    expect(() => smsContext(row, { extra: { itemId: 'x' } })).toThrow(/twice/);
  });
});

describe('RudderStack / Segment track fields', () => {
  test('properties.recommendationId and the item at the events source mapping paths', () => {
    expect(trackEventFields(row)).toEqual({
      userId: 'user-0042',
      properties: { product_id: 'item-0007', recommendationId: row.recommendationId },
    });
  });

  test('a custom mapping writes where the source reads', () => {
    const p = pipelineWith(`      - kind: events
        eventsPrefix: /tmp/e/track/
        mapping: { USER_ID: context.traits.uid, ITEM_ID: properties.sku, EVENT_TYPE: event, TIMESTAMP: timestamp, RECOMMENDATION_ID: properties.rec }`);
    const events = interactionsSpec(p).sources[0]!;
    if (events.kind !== 'events') throw new Error('unexpected source');
    expect(trackEventFields(row, { itemId: 'item-0003', mapping: events.mapping })).toEqual({
      context: { traits: { uid: 'user-0042' } },
      properties: { sku: 'item-0003', rec: row.recommendationId },
    });
  });
});
