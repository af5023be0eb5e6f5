/**
 * Liveness heartbeats for activities: while an activity runs, the worker says so every couple of
 * seconds. With a heartbeat timeout on the activity (RetrainWorkflow sets seconds, not minutes), a
 * worker that dies mid-call is noticed that fast instead of after the call's whole start-to-close
 * timeout. Outside a (non-local) activity, in unit tests or local activities, nothing is sent.
 */
import { Context } from '@temporalio/activity';

const EVERY_MS = 2_000;

function currentContext(): Context | undefined {
  try {
    const ctx = Context.current();
    return ctx.info.isLocal ? undefined : ctx;
  } catch {
    return undefined;
  }
}

/** Runs `work`, heartbeating every 2 s (with `details()` when given, e.g. rows done so far). */
export async function heartbeating<R>(work: () => Promise<R>, details?: () => unknown): Promise<R> {
  const ctx = currentContext();
  if (!ctx) return work();
  const beat = () => ctx.heartbeat(details?.());
  beat();
  const timer = setInterval(beat, EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** The same activities, each heartbeating while it runs. */
export function withLivenessHeartbeats<T extends object>(activities: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities) as [string, (...args: unknown[]) => Promise<unknown>][]) {
    out[name] = (...args: unknown[]) => heartbeating(() => fn(...args));
  }
  return out as T;
}

/**
 * `beat` at most once per `everyMs` (the first call beats at once). A heartbeat costs the worker
 * ~0.3 ms of CPU even when the SDK does not send it on, which per delivery call was a tenth of the
 * real-time path's worker time; liveness does not need more than the 2 s beat above.
 */
export function atMostEvery<T>(everyMs: number, beat: (details: T) => void, now: () => number = Date.now): (details: T) => void {
  let last = -Infinity;
  return (details) => {
    const t = now();
    if (t - last < everyMs) return;
    last = t;
    beat(details);
  };
}
