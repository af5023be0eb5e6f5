/**
 * Run dates on the command line: `2026-11-20`, or relative to today (UTC) – `today`, `yesterday`,
 * `3 days ago` – so examples and scripts need no date arithmetic of their own.
 */
import { isValidRunDate } from '../workflows/plan';

const DAY_MS = 86_400_000;

/** The run date a command-line value names, or undefined when it names none. */
export function resolveRunDate(value: string, now = new Date()): string | undefined {
  const v = value.trim().toLowerCase();
  if (isValidRunDate(v)) return v;
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  if (v === 'today') return iso(today);
  if (v === 'yesterday') return iso(today - DAY_MS);
  const m = /^(\d{1,4})\s*(?:days?|d)\s*ago$/.exec(v);
  if (m) return iso(today - Number(m[1]) * DAY_MS);
  return undefined;
}
