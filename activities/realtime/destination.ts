/** A pipeline's `realtime` config → where and how its records are sent (gateway checks and delivery agree). */
import type { PipelineConfig } from '../../common/config';
import type { DestinationConfig } from './mapping';

const LOCAL_ARN = (p: string, kind: string) => `arn:aws:personalize:local:000000000000:dataset/${p}/${kind}`;

export function destinationFor(p: PipelineConfig): DestinationConfig | undefined {
  const r = p.realtime;
  if (!r) return undefined;
  return {
    eventChoice: r.eventChoice,
    trackingId: r.trackingId ?? (p.backend === 'local' ? `local-${p.name}` : undefined),
    itemsDatasetArn: r.itemsDatasetArn ?? (p.backend === 'local' ? LOCAL_ARN(p.name, 'ITEMS') : undefined),
    usersDatasetArn: r.usersDatasetArn ?? (p.backend === 'local' ? LOCAL_ARN(p.name, 'USERS') : undefined),
    customMappings: r.customMappings,
    disableStringify: r.disableStringify,
  };
}
