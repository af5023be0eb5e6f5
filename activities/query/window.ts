/**
 * The time window of a run and the event-stream partitions (`YYYY/MM/DD/HH`, by arrival time) it
 * must read. Pure; shared by the Athena and DuckDB queries so both prune the same way.
 */
const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface EventWindow {
  /** Engagements counted: arrival in [startMs, endMs). null start = all history. */
  startMs: number | null;
  endMs: number;
  /** Recommendations may precede the window by the attribution window. */
  recommendationsFromMs: number | null;
}

export function eventWindow(runDate: string, lookbackDays: number | null, attributionWindowSeconds: number): EventWindow {
  const endMs = Date.parse(`${runDate}T00:00:00Z`) + DAY;
  if (!Number.isFinite(endMs)) throw new RangeError(`runDate must be YYYY-MM-DD, got "${runDate}"`);
  if (lookbackDays === null) return { startMs: null, endMs, recommendationsFromMs: null };
  if (!(Number.isInteger(lookbackDays) && lookbackDays >= 1)) throw new RangeError(`lookbackDays must be a whole number ≥ 1, got ${lookbackDays}`);
  const startMs = endMs - lookbackDays * DAY;
  return { startMs, endMs, recommendationsFromMs: startMs - attributionWindowSeconds * 1000 };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `YYYY/MM/DD/HH` of every hour partition that can hold events of [fromMs, toMs). */
export function hourPartitions(fromMs: number, toMs: number): string[] {
  const out: string[] = [];
  for (let t = Math.floor(fromMs / HOUR) * HOUR; t < toMs; t += HOUR) {
    const d = new Date(t);
    out.push(`${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}`);
  }
  return out;
}
