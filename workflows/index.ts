/** The workflow bundle's entry: every workflow type the worker registers. */
export { RetrainWorkflow } from './retrain';
export { IngestWorkflow } from './ingest';
export { ScheduledRetrainWorkflow } from './scheduled';
