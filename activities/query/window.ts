/**
 * The time window of a run and the event-stream partitions (`YYYY/MM/DD/HH`, by arrival hour) it
 * must read. Pure; shared by the Athena and DuckDB queries so both prune the same way.
 */
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Records older than this are absurd (clock at zero, seconds taken for milliseconds …). */
export const EARLIEST_PLAUSIBLE_MS = Date.UTC(2000, 0, 1);

/**
 * Firehose names an object's hour folder after the approximate arrival of its oldest record at
 * Firehose, not after Pinpoint's arrival_timestamp: a record can sit one folder early (a buffer
 * that straddles the hour) or late (delivery delay). Pruning widens the range by this much.
 */
export const FIREHOSE_FOLDER_SLACK_MS = HOUR;

export interface EventWindow {
  /** Engagements counted: arrival in [startMs, endMs). null start = all history. */
  startMs: number | null;
  endMs: number;
  /** Recommendations may precede the window by the attribution window. */
  recommendationsFromMs: number | null;
  /** Arrivals after this are absurd (more than a day after the run date). */
  latestPlausibleMs: number;
}

/**
 * The window of a run: the `lookbackDays` ending with the run date (UTC), or all history; `startMs`,
 * when given, starts it there instead (an INCREMENTAL import's watermark, a FULL import's kept history).
 */
export function eventWindow(
  runDate: string,
  lookbackDays: number | null,
  attributionWindowSeconds: number,
  startMs?: number
): EventWindow {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(runDate)) throw new RangeError(`runDate must be YYYY-MM-DD, got "${runDate}"`);
  const endMs = Date.parse(`${runDate}T00:00:00Z`) + DAY;
  if (!Number.isFinite(endMs)) throw new RangeError(`runDate must be YYYY-MM-DD, got "${runDate}"`);
  if (!(Number.isFinite(attributionWindowSeconds) && attributionWindowSeconds >= 0)) {
    throw new RangeError(`the attribution window must be ≥ 0 seconds, got ${attributionWindowSeconds}`);
  }
  const latestPlausibleMs = endMs + DAY;
  if (startMs !== undefined) {
    if (!Number.isSafeInteger(startMs))
      throw new RangeError(`the window start must be epoch milliseconds, got ${startMs}`);
    return {
      startMs,
      endMs,
      recommendationsFromMs: startMs - Math.round(attributionWindowSeconds * 1000),
      latestPlausibleMs,
    };
  }
  if (lookbackDays === null) return { startMs: null, endMs, recommendationsFromMs: null, latestPlausibleMs };
  if (!(Number.isInteger(lookbackDays) && lookbackDays >= 1))
    throw new RangeError(`lookbackDays must be a whole number ≥ 1, got ${lookbackDays}`);
  const from = endMs - lookbackDays * DAY;
  return {
    startMs: from,
    endMs,
    recommendationsFromMs: from - Math.round(attributionWindowSeconds * 1000),
    latestPlausibleMs,
  };
}

/**
 * Arrival-time range whose hour folders must be read (with the Firehose slack, and a source's late
 * arrivals: SMS receipts come up to 72 h after the event); null = all history.
 */
export function partitionRange(w: EventWindow, lateArrivalSeconds = 0): { fromMs: number; toMs: number } | null {
  if (w.recommendationsFromMs === null) return null;
  return {
    fromMs: w.recommendationsFromMs - FIREHOSE_FOLDER_SLACK_MS,
    toMs: w.endMs + FIREHOSE_FOLDER_SLACK_MS + Math.round(lateArrivalSeconds * 1000),
  };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `YYYY/MM/DD/HH` (UTC) of the hour holding `ms`: the Firehose folder and the projected `dt` value. */
export function hourPartition(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}`;
}

/** `YYYY/MM/DD/HH` of every hour partition that can hold events of [fromMs, toMs). */
export function hourPartitions(fromMs: number, toMs: number): string[] {
  const out: string[] = [];
  for (let t = Math.floor(fromMs / HOUR) * HOUR; t < toMs; t += HOUR) out.push(hourPartition(t));
  return out;
}
