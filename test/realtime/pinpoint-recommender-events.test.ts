import { mockClient } from 'aws-sdk-client-mock';
import { PinpointClient, PutEventsCommand } from '@aws-sdk/client-pinpoint';
import { buildRecommenderEvents, recordRecommendations } from '../../activities/pinpoint-recommender-events';

const input = { applicationId: 'app-1', endpointId: 'ep-7', userId: 'user-7', campaignId: 'camp-1', itemIds: ['i1', 'i2'], at: new Date('2026-11-23T10:00:00Z') };

test('one _custom.recommender event per item, carrying what the interactions query joins on', () => {
  const req = buildRecommenderEvents(input);
  expect(req.ApplicationId).toBe('app-1');
  const events = req.EventsRequest!.BatchItem!['ep-7']!.Events!;
  expect(Object.values(events)).toEqual([
    { EventType: '_custom.recommender', Timestamp: '2026-11-23T10:00:00.000Z', Attributes: { item_id: 'i1', personalize_user_id: 'user-7', campaign_id: 'camp-1' } },
    { EventType: '_custom.recommender', Timestamp: '2026-11-23T10:00:00.000Z', Attributes: { item_id: 'i2', personalize_user_id: 'user-7', campaign_id: 'camp-1' } },
  ]);
});

test('refuses what would lose attribution: no user, no campaign or journey, no items', () => {
  expect(() => buildRecommenderEvents({ ...input, userId: ' ' })).toThrow(/userId is empty/);
  expect(() => buildRecommenderEvents({ ...input, campaignId: undefined })).toThrow(/campaignId or journeyId/);
  expect(() => buildRecommenderEvents({ ...input, itemIds: [''] })).toThrow(/no item ids/);
});

test('a per-event refusal in Pinpoint’s answer is raised', async () => {
  const mock = mockClient(PinpointClient);
  mock.on(PutEventsCommand).resolves({ EventsResponse: { Results: { 'ep-7': { EventsItemResponse: { 'rec-0': { StatusCode: 202 }, 'rec-1': { StatusCode: 400, Message: 'bad attribute' } } } } } });
  await expect(recordRecommendations(new PinpointClient({ region: 'us-east-1' }), input)).rejects.toThrow(/rec-1: bad attribute/);
});
