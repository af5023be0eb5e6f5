/** Metrics of the popularity baseline on the same holdout carry this prefix (Personalize has no such key). */
export const BASELINE_PREFIX = 'popularity_baseline.';
