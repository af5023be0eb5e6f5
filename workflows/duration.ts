/** Durations as Temporal writes them ('15s', '2 hours', '1d') or milliseconds; pure, workflow-safe. */
import type { Duration } from '../common/types';

const UNITS: Record<string, number> = {
  ms: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
};

export function toMs(d: Duration): number {
  if (typeof d === 'number') {
    if (!Number.isFinite(d) || d < 0) throw new RangeError(`invalid duration: ${d}`);
    return d;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)?\s*$/.exec(d);
  const unit = m ? (m[2] ?? 'ms').toLowerCase() : '';
  const factor = UNITS[unit];
  if (!m || factor === undefined) throw new RangeError(`invalid duration: "${d}" (use e.g. '15s', '2 hours', '48h')`);
  return Math.round(Number(m[1]) * factor);
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
