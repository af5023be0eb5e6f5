/**
 * What the pipeline has imported into Personalize so far, and what the next import carries.
 * Pure data (the workflow bundle includes it); the rules are in workflows/import-plan.ts.
 */
import type { ImportMode } from './types';

/** Kept under `<workPrefix>runs/import-state.json`, written once an import job is ACTIVE. */
export interface ImportState {
  /** Everything with event time before this (epoch ms) has been imported; INCREMENTAL appends from here. */
  watermarkMs: number;
  /** Start of the history the last FULL import carried (epoch ms); null = all history. */
  fullFromMs: number | null;
  /** The run that moved the watermark last. */
  runKey: string;
  mode: ImportMode;
}

/** The window and mode of a run's import, decided before its query. */
export interface ImportPlan {
  importMode: ImportMode;
  /** The query's window start (epoch ms), when it is not simply lookbackDays back (a watermark, kept history). */
  startMs?: number;
  /** The window this import carries: [fromMs, toMs); fromMs null = all history. */
  fromMs: number | null;
  toMs: number;
  /** Why the window is what it is, when a rule changed it (logged and recorded with the run). */
  note?: string;
  /** The state to record once this import is ACTIVE. */
  after: ImportState;
}
