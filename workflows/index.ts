/** The workflow bundle's entry: every workflow type the worker registers. */
export { RetrainWorkflow } from './retrain';
export { StalenessWorkflow } from './staleness';
export { ScheduledRetrainWorkflow } from './scheduled';
export { RollbackWorkflow } from './rollback';
export { RecommendWorkflow } from './recommend';
export { RealtimeDeliveryWorkflow } from './realtime-delivery';
export { RealtimeSweepWorkflow } from './realtime-sweep';
