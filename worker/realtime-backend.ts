/**
 * Config → the real-time event log of a pipeline and its delivery ledger: S3 on the aws backend
 * (`realtime.logPrefix`), files under the data dir on the local one. The gateway (which appends)
 * and the worker (which delivers) build the same log from the same config.
 */
import * as path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { S3DeliveryLedger, S3EventLog } from '../activities/aws/event-log';
import { fileUriToPath } from '../activities/local/files';
import { LocalDeliveryLedger, LocalEventLog } from '../activities/local/event-log';
import type { DeliveryLedger, EventLog } from '../activities/ports';
import type { Config, PipelineConfig } from '../common/config';

/** The local log's directory: `realtime.logPrefix`, else `<dataDir>/realtime/<pipeline>/`. */
export function localLogRoot(config: Config, p: PipelineConfig): string {
  return p.realtime?.logPrefix ? fileUriToPath(p.realtime.logPrefix) : path.join(config.local.dataDir, 'realtime', p.name);
}

export function buildRealtimeLog(config: Config, p: PipelineConfig): { log: EventLog; ledger: DeliveryLedger } {
  if (p.backend === 'aws') {
    const s3 = new S3Client({ region: p.personalize?.region });
    return { log: new S3EventLog(s3, p.realtime!.logPrefix!), ledger: new S3DeliveryLedger(s3, p.realtime!.logPrefix!) };
  }
  const root = localLogRoot(config, p);
  return { log: new LocalEventLog(root), ledger: new LocalDeliveryLedger(root) };
}
