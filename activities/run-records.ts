/**
 * The run records: every run writes `<workPrefix>runs/<runKey>.json` (its whole RetrainResult), and a
 * run that trained moves the watermark `runs/last-trained.json`. These readers serve the run
 * history (`runs --report`, `runs --json`) and the staleness check; they need only the object store.
 */
import type { RetrainResult } from '../common/types';
import type { ObjectStore } from './ports';

export function runsPrefix(workPrefix: string): string {
  return `${workPrefix.endsWith('/') ? workPrefix : `${workPrefix}/`}runs/`;
}

/** `demo-2026-11-30.json`, `demo-2026-11-30-r2.json` → the run date; the watermark and other files → undefined. */
export function runDateOfRecordName(name: string): string | undefined {
  if (name.startsWith('last-') || !name.endsWith('.json')) return undefined;
  return /-(\d{4}-\d{2}-\d{2})(?:-[^/]*)?\.json$/.exec(name)?.[1];
}

/** When a run ended: its last phase's end, else its start plus its duration. */
export function finishedAt(r: RetrainResult): string | undefined {
  const ends = r.timings.map((t) => t.endedAt).filter((x): x is string => Boolean(x));
  if (ends.length) return ends.sort().at(-1);
  const start = r.timings[0]?.startedAt;
  return start ? new Date(Date.parse(start) + (r.durationMs ?? 0)).toISOString() : undefined;
}

/** When the run's model finished training (the end of its TRAIN phase). */
export function trainedAt(r: RetrainResult): string | undefined {
  return r.timings.find((t) => t.phase === 'TRAIN')?.endedAt;
}

function isRecord(x: unknown): x is RetrainResult {
  return Boolean(
    x && typeof x === 'object' && 'outcome' in x && 'runKey' in x && Array.isArray((x as RetrainResult).timings)
  );
}

async function readAll(store: ObjectStore, uris: string[], concurrency = 16): Promise<RetrainResult[]> {
  const out: (RetrainResult | undefined)[] = new Array(uris.length);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < uris.length) {
      const i = next++;
      const text = await store.getText(uris[i]!);
      try {
        const parsed: unknown = text ? JSON.parse(text) : undefined;
        out[i] = isRecord(parsed) ? parsed : undefined;
      } catch {
        out[i] = undefined; // not a run record (or a torn copy): left out, never fatal
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, uris.length) }, lane));
  return out.filter((x): x is RetrainResult => x !== undefined);
}

/** A pipeline's record URIs grouped by run date, newest date first (pipelines may share a work prefix). */
async function recordUrisByDate(
  store: ObjectStore,
  workPrefix: string,
  pipeline: string
): Promise<[string, string[]][]> {
  const byDate = new Map<string, string[]>();
  for (const uri of await store.list(runsPrefix(workPrefix))) {
    const name = uri.slice(uri.lastIndexOf('/') + 1);
    const date = name.startsWith(`${pipeline}-`) ? runDateOfRecordName(name) : undefined;
    if (date) byDate.set(date, [...(byDate.get(date) ?? []), uri]);
  }
  return [...byDate.entries()].sort((a, b) => (a[0] < b[0] ? 1 : -1));
}

/** Every run record of a pipeline, oldest first (by when each run ended). */
export async function readRunRecords(
  store: ObjectStore,
  workPrefix: string,
  pipeline: string
): Promise<RetrainResult[]> {
  const uris = (await recordUrisByDate(store, workPrefix, pipeline)).flatMap(([, list]) => list);
  const records = (await readAll(store, uris)).filter((r) => r.pipeline === pipeline);
  return records.sort((a, b) => ((finishedAt(a) ?? '') < (finishedAt(b) ?? '') ? -1 : 1));
}

export interface SucceededRun {
  runKey: string;
  runDate: string;
  finishedAt: string;
  solutionVersionArn?: string;
  trainedAt?: string;
}

function succeeded(r: RetrainResult): SucceededRun {
  return {
    runKey: r.runKey,
    runDate: r.runDate,
    finishedAt: finishedAt(r) ?? '',
    solutionVersionArn: r.jobs.solutionVersionArn,
    trainedAt: trainedAt(r),
  };
}

/**
 * The latest SUCCEEDED run and, when the campaign serves another version, the run that deployed
 * that one. Reads newest dates first and stops as soon as both are known (or after `maxRecords`).
 */
export async function findSucceededRuns(
  store: ObjectStore,
  workPrefix: string,
  pipeline: string,
  serving?: string | null,
  maxRecords = 400
): Promise<{ latest?: SucceededRun; servingRun?: SucceededRun; recordsRead: number }> {
  let latest: SucceededRun | undefined;
  let servingRun: SucceededRun | undefined;
  let recordsRead = 0;
  for (const [, uris] of await recordUrisByDate(store, workPrefix, pipeline)) {
    const records = (await readAll(store, uris)).filter((r) => r.pipeline === pipeline);
    recordsRead += uris.length;
    const ok = records
      .filter((r) => r.outcome === 'SUCCEEDED')
      .map(succeeded)
      .sort((a, b) => (a.finishedAt < b.finishedAt ? 1 : -1));
    latest ??= ok[0];
    if (serving && !servingRun) servingRun = ok.find((r) => r.solutionVersionArn === serving);
    const done = latest && (!serving || servingRun);
    if (done || recordsRead >= maxRecords) break;
  }
  return {
    latest,
    servingRun: servingRun ?? (serving && latest?.solutionVersionArn === serving ? latest : undefined),
    recordsRead,
  };
}
