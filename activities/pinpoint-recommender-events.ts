/**
 * For the recommender Lambda that feeds Pinpoint campaigns (the original guide's step 2): after it
 * asks Personalize for a user's items, it must record one `_custom.recommender` event per item on
 * the endpoint, carrying campaign_id, item_id and personalize_user_id, so that the interactions
 * query can attribute later engagements. (The guide's Python sample does not run: it uses `||`
 * and leaves the user id as a TODO.)
 */
import { PutEventsCommand, type PinpointClient, type PutEventsCommandInput } from '@aws-sdk/client-pinpoint';

export interface RecommenderEventsInput {
  applicationId: string;
  endpointId: string;
  /** The Personalize USER_ID the items were recommended for. */
  userId: string;
  /** The Pinpoint campaign (or journey) the message belongs to. */
  campaignId?: string;
  journeyId?: string;
  itemIds: string[];
  /** When the recommendation was made; default now. */
  at?: Date;
}

/** Pure: the PutEvents request, one event per recommended item. Throws on input that would lose attribution. */
export function buildRecommenderEvents(input: RecommenderEventsInput): PutEventsCommandInput {
  const problems: string[] = [];
  if (!input.applicationId) problems.push('applicationId is empty');
  if (!input.endpointId) problems.push('endpointId is empty');
  if (!input.userId?.trim()) problems.push('userId is empty: the interaction could not be attributed to a user');
  if (!input.campaignId && !input.journeyId) problems.push('campaignId or journeyId is needed to attribute engagements');
  const items = input.itemIds.filter((i) => i && i.trim());
  if (items.length === 0) problems.push('no item ids');
  if (problems.length) throw new Error(`cannot record recommendations: ${problems.join('; ')}`);
  const at = (input.at ?? new Date()).toISOString();
  const events: Record<string, { EventType: string; Timestamp: string; Attributes: Record<string, string> }> = {};
  items.forEach((itemId, i) => {
    events[`rec-${i}`] = {
      EventType: '_custom.recommender',
      Timestamp: at,
      Attributes: {
        item_id: itemId,
        personalize_user_id: input.userId.trim(),
        ...(input.campaignId ? { campaign_id: input.campaignId } : {}),
        ...(input.journeyId ? { journey_id: input.journeyId } : {}),
      },
    };
  });
  return {
    ApplicationId: input.applicationId,
    EventsRequest: { BatchItem: { [input.endpointId]: { Endpoint: {}, Events: events } } },
  };
}

/** Sends them; a per-event failure in Pinpoint's answer is raised, not ignored. */
export async function recordRecommendations(client: PinpointClient, input: RecommenderEventsInput): Promise<void> {
  const out = await client.send(new PutEventsCommand(buildRecommenderEvents(input)));
  const result = out.EventsResponse?.Results?.[input.endpointId];
  const failed = Object.entries(result?.EventsItemResponse ?? {}).filter(([, r]) => (r.StatusCode ?? 202) >= 400);
  if (failed.length) throw new Error(`Pinpoint refused ${failed.length} recommendation event(s): ${failed.map(([k, r]) => `${k}: ${r.Message}`).join('; ')}`);
}
