/** The workflow bundle's entry: every workflow type the worker registers. */
export { RetrainWorkflow } from './retrain';
export { IngestWorkflow } from './ingest';
export { StalenessWorkflow } from './staleness';
export { ScheduledRetrainWorkflow } from './scheduled';
export { RollbackWorkflow } from './rollback';
export { RecommendWorkflow } from './recommend';
