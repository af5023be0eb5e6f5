/**
 * A worker in its own process whose event sink counts what delivery sends, for the real-time fault
 * suite and benchmark: `node --import tsx counting-worker.ts <config> <address> <sink file>`. Every
 * call appends one line per record (the eventId, or `user:<id>` / `item:<id>`) to the sink file (and a byte to `<sink file>.calls`),
 * repeats included: the sink never drops a duplicate, so a double delivery shows. Events of type
 * `poison` are refused the way Personalize refuses a bad record (InvalidInputException, 400).
 */
import * as fs from 'node:fs';
import { NativeConnection } from '@temporalio/worker';
import type { EventSink } from '../../activities/ports';
import type { EventRecord, PersonalizeRecord } from '../../activities/realtime/mapping';
import { loadConfig } from '../../common/config';
import { buildRegistry } from '../../worker/backends';
import { createRetrainWorker } from '../../worker/create-worker';
import { quietTemporalRuntime } from '../../client/runtime';

export function sinkKey(r: PersonalizeRecord): string {
  return r.kind === 'event' ? String(r.event.eventId) : r.kind === 'user' ? `user:${r.user.userId}` : `item:${r.item.itemId}`;
}

class Refused extends Error {
  override name = 'InvalidInputException';
  readonly $metadata = { httpStatusCode: 400 };
  readonly $fault = 'client';
}

/** `delayMs` per call stands in for Personalize's latency, so a kill lands mid-delivery. */
export function countingSink(file: string, delayMs = 0): EventSink {
  const write = async (keys: string[]) => {
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    fs.appendFileSync(file, keys.map((k) => `${k}\n`).join(''));
    fs.appendFileSync(`${file}.calls`, '.'); // one byte per call
  };
  return {
    async putEvents(req) {
      if (req.events.some((e) => e.eventType === 'poison')) throw new Refused('Event eventType "poison" is not accepted');
      await write(req.events.map((e) => String(e.eventId)));
    },
    async putUsers(req) {
      await write(req.users.map((u) => `user:${u.userId}`));
    },
    async putItems(req) {
      await write(req.items.map((i) => `item:${i.itemId}`));
    },
    async landed(records) {
      const seen = new Set(fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : []);
      return records.every((r) => seen.has(sinkKey(r as EventRecord)));
    },
  };
}

async function main(): Promise<void> {
  const [configPath, address, sinkFile] = process.argv.slice(2);
  quietTemporalRuntime();
  const config = loadConfig(configPath!);
  const connection = await NativeConnection.connect({ address: address! });
  const registry = buildRegistry(config, { eventSink: () => countingSink(sinkFile!, Number(process.env.SINK_DELAY_MS ?? 0)) });
  const worker = await createRetrainWorker({ config, connection, registry });
  process.stdout.write('worker ready\n');
  await worker.run();
  await connection.close();
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
