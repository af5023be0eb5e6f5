/** One structured log line per run, through whatever logger the worker uses. */
import type { Notifier, RunNotification } from '../ports';
import { notificationText } from './message';

export type LogLine = (line: string, fields: Record<string, unknown>) => void;

export class LogNotifier implements Notifier {
  constructor(private readonly log: LogLine) {}

  async notify(n: RunNotification): Promise<void> {
    this.log(notificationText(n), {
      pipeline: n.pipeline,
      outcome: n.outcome,
      reason: n.reason,
      runDate: n.runDate,
      workflowId: n.workflowId,
    });
  }
}
