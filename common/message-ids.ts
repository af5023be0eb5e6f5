/**
 * The names under which a message carries the ids back: SES `EmailTags` (→ `mail.tags` in SES
 * events), End User Messaging SMS `Context` (→ `context` in SMS events), and the properties of a
 * RudderStack/Segment event. The source adapters read these names and the messaging helpers
 * (activities/messaging/) write them; both take them from here, or from the same pipeline config.
 */
import { DEFAULT_RECOMMENDATION_ID_PATH } from './interactions';

export interface MessageIdNames {
  userId: string;
  itemId: string;
  recommendationId: string;
}

/** The default tag / context key names (configurable per source: `tags:` on ses, `context:` on sms). */
export const MESSAGE_ID_NAMES: Readonly<MessageIdNames> = Object.freeze({
  userId: 'userId',
  itemId: 'itemId',
  recommendationId: 'recommendationId',
});

/** Where a RudderStack/Segment `track` event carries the recommendation id (events sources' RECOMMENDATION_ID). */
export const EVENT_RECOMMENDATION_ID_PATH = DEFAULT_RECOMMENDATION_ID_PATH;
