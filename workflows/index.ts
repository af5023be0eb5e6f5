/** The workflow bundle's entry: every workflow type the worker registers. */
export { RetrainWorkflow } from './retrain';
export { StalenessWorkflow } from './staleness';
export { ScheduledRetrainWorkflow } from './scheduled';
export { RealtimeDeliveryWorkflow } from './realtime-delivery';
export { RealtimeSweepWorkflow } from './realtime-sweep';
