/** Source specs for tests, with every field a configuration would fill in. */
import {
  DEFAULT_FIELD_MAPPING,
  DEFAULT_SCORING_MODEL,
  INTERACTIONS_COLUMNS,
  type EventsSourceSpec,
  type InteractionsColumn,
  type InteractionsSource,
  type InteractionsSpec,
  type PinpointSourceSpec,
} from '../../common/interactions';

export function pinpointSource(overrides: Partial<PinpointSourceSpec> = {}): PinpointSourceSpec {
  return {
    kind: 'pinpoint',
    eventsPrefix: 'events/',
    table: 'event',
    lateArrivalSeconds: 0,
    eventTypes: {},
    recommendationEventType: '_custom.recommender',
    attributionWindowSeconds: 3600,
    scoring: DEFAULT_SCORING_MODEL,
    useEndpointExport: false,
    ...overrides,
  };
}

export function eventsSource(overrides: Partial<EventsSourceSpec> = {}): EventsSourceSpec {
  return {
    kind: 'events',
    eventsPrefix: 'events/',
    table: 'track_event',
    lateArrivalSeconds: 0,
    eventTypes: {},
    mapping: DEFAULT_FIELD_MAPPING,
    ...overrides,
  };
}

export function specOf(
  source: InteractionsSource | InteractionsSource[],
  columns: InteractionsColumn[] = [...INTERACTIONS_COLUMNS]
): InteractionsSpec {
  return { sources: Array.isArray(source) ? source : [source], columns };
}
