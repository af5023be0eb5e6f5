/** What every notifier says about a run: one line of text and, when the UI is known, a link to the run. */
import type { RunNotification } from '../ports';

const ICON: Record<string, string> = {
  SUCCEEDED: '✅',
  SKIPPED: '⏭️',
  REJECTED: '🛑',
  FAILED: '❌',
  CANCELLED: '⏹️',
  STALE: '⏰',
  AWAITING_APPROVAL: '✋',
};

export interface RunLinkOptions {
  /** Temporal Web UI base URL, e.g. http://localhost:8233. */
  uiBaseUrl?: string;
  namespace?: string;
}

export function notificationText(n: RunNotification): string {
  return `${ICON[n.outcome] ?? ''} personalize-optimizer ${n.pipeline} ${n.runDate}: ${n.outcome} – ${n.reason}`.trim();
}

/** The run's page in the Temporal Web UI, when both the UI and the workflow id are known. */
export function runLink(n: RunNotification, opts: RunLinkOptions): string | undefined {
  if (!opts.uiBaseUrl || !n.workflowId) return undefined;
  const base = opts.uiBaseUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(opts.namespace ?? 'default')}/workflows/${encodeURIComponent(n.workflowId)}`;
}

/** Cuts text to `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
