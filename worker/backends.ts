/**
 * Config → ports: each pipeline gets the AWS adapters or the embedded local backends. The
 * registry is what createActivities(deps) receives; one place decides which backend runs.
 */
import * as path from 'node:path';
import type { PipelineRegistry } from '../activities';
import type { PipelinePorts } from '../activities/ports';
import { LocalBatchInference } from '../activities/local/batch-inference';
import { LocalEndpointExporter } from '../activities/local/exporter';
import { LocalRecommender } from '../activities/local/recommender';
import { FileObjectStore } from '../activities/local/store';
import { DuckDbWarehouse } from '../activities/local/warehouse';
import { interactionsSpec, toPipelineSettings, type Config, type PipelineConfig } from '../common/config';
import type { PipelineSettings, PollSettings } from '../common/types';
import { DEFAULT_POLL } from '../workflows/wait-schedule';
import { toMs } from '../workflows/duration';
import { buildAwsPorts } from './aws-backend';
import { buildNotifier } from './notifiers';
import type { LogLine } from '../activities/notify';
import { PersonalizeEventsClient } from '@aws-sdk/client-personalize-events';
import { LocalEventSink, PersonalizeEventsSink, StoreDeadLetters } from '../activities/realtime/delivery';

/** The local backend answers in seconds: poll it every second instead of Personalize's minutes. */
export const LOCAL_POLL: PollSettings = { initial: '1s', fraction: 0.2, max: '10s' };

export interface RegistryOptions {
  /** Publish RetrainPhase/RetrainPipeline search attributes (register them on the namespace first). */
  phaseSearchAttribute?: boolean;
  /** Local recommender knobs (tests and the demo). */
  local?: { minTrainingMs?: number; deployMs?: number };
  /** Where the log notifier writes (default: a JSON line on stdout); the demo sends it to a file. */
  notificationLog?: LogLine;
}

export interface Registry extends PipelineRegistry {
  /** The local recommender of a local pipeline (serving recommendations, tests). */
  localRecommender(pipeline: string): LocalRecommender | undefined;
  /** Hands running local jobs back cleanly (a restart then resumes them at once). */
  close(): Promise<void>;
}

export function localStateDir(config: Config, pipeline: string): string {
  return path.join(config.local.dataDir, 'state', pipeline);
}

export function buildRegistry(config: Config, opts: RegistryOptions = {}): Registry {
  const settings = new Map<string, PipelineSettings>();
  const ports = new Map<string, PipelinePorts>();
  const recommenders = new Map<string, LocalRecommender>();
  for (const p of config.pipelines) {
    const poll = p.backend === 'local' ? LOCAL_POLL : DEFAULT_POLL;
    settings.set(p.name, toPipelineSettings(p, { poll, phaseSearchAttribute: opts.phaseSearchAttribute ?? false }));
    if (p.backend === 'local') {
      const built = buildLocalPorts(config, p, opts);
      recommenders.set(p.name, built.recommender as LocalRecommender);
      ports.set(p.name, built);
    } else {
      const aws = buildAwsPorts(p);
      ports.set(p.name, {
        ...aws,
        notifier: buildNotifier(p, { log: opts.notificationLog }),
        eventSink: new PersonalizeEventsSink(new PersonalizeEventsClient({ region: p.personalize?.region })),
        deadLetters: new StoreDeadLetters(aws.store, p.workPrefix),
      });
    }
  }
  return {
    list: () => [...settings.keys()],
    settings: (name) => settings.get(name),
    ports: (name) => ports.get(name),
    localRecommender: (name) => recommenders.get(name),
    close: async () => void (await Promise.all([...recommenders.values()].map((r) => r.close()))),
  };
}

function buildLocalPorts(config: Config, p: PipelineConfig, opts: RegistryOptions): PipelinePorts {
  const stateDir = localStateDir(config, p.name);
  const recommender = new LocalRecommender({
    stateDir,
    minTrainingMs: opts.local?.minTrainingMs ?? toMs(config.local.minTraining),
    deployMs: opts.local?.deployMs ?? toMs(config.local.deployLatency),
  });
  const store = new FileObjectStore();
  return {
    exporter: new LocalEndpointExporter({ dataDir: path.join(config.local.dataDir), stateDir }),
    warehouse: new DuckDbWarehouse({ spec: interactionsSpec(p), dataDir: config.local.dataDir, statePath: path.join(stateDir, 'queries.json') }),
    recommender,
    batchInference: new LocalBatchInference({ recommender, stateDir }),
    holdoutRanker: recommender,
    store,
    notifier: buildNotifier(p, { log: opts.notificationLog }),
    eventSink: new LocalEventSink(recommender),
    deadLetters: new StoreDeadLetters(store, p.workPrefix),
  };
}
