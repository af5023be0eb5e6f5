/** The AWS event sink: PutEvents, PutItems and PutUsers of Amazon Personalize Events (SDK v3). */
import { PutEventsCommand, PutItemsCommand, PutUsersCommand, type PersonalizeEventsClient } from '@aws-sdk/client-personalize-events';
import type { EventSink } from '../ports';
import type { EventRecord, ItemRecord, UserRecord } from '../realtime/mapping';

export class PersonalizeEventsSink implements EventSink {
  constructor(private readonly client: PersonalizeEventsClient) {}

  async putEvents(req: { trackingId: string; sessionId: string; userId?: string; events: EventRecord['event'][] }): Promise<void> {
    await this.client.send(
      new PutEventsCommand({
        trackingId: req.trackingId,
        sessionId: req.sessionId,
        userId: req.userId,
        eventList: req.events.map((e) => ({ ...e, sentAt: new Date(e.sentAt) })),
      })
    );
  }

  async putItems(req: { datasetArn: string; items: ItemRecord['item'][] }): Promise<void> {
    await this.client.send(new PutItemsCommand({ datasetArn: req.datasetArn, items: req.items }));
  }

  async putUsers(req: { datasetArn: string; users: UserRecord['user'][] }): Promise<void> {
    await this.client.send(new PutUsersCommand({ datasetArn: req.datasetArn, users: req.users }));
  }
}
