/**
 * The run's "Current details" in the Temporal Web UI (the run's page, User Metadata): markdown the
 * UI renders, rebuilt on every phase or status change. Pure: the workflow passes what it knows.
 */
import type { RetrainProgress } from '../common/types';
import { describeDecision } from './approval-plan';

const JOB_LABELS: Record<string, string> = {
  exportJobId: 'endpoint export',
  queryId: 'interactions query',
  interactionsUri: 'interactions file',
  importJobArn: 'dataset import job',
  itemsImportJobArn: 'items import job',
  usersImportJobArn: 'users import job',
  solutionVersionArn: 'solution version (candidate)',
  previousSolutionVersionArn: 'deployed before this run',
};

/** Markdown: a heading line, then one list item per fact; the blank line keeps the list a list. */
export function currentDetails(
  pipeline: string,
  runDate: string,
  p: Pick<RetrainProgress, 'phase' | 'lastStatus' | 'jobs' | 'stats' | 'gate' | 'notes'> & Pick<Partial<RetrainProgress>, 'approval'>
): string {
  const head = `**${pipeline}** run for ${runDate}: **${p.phase}**${p.lastStatus ? ` (${p.lastStatus})` : ''}`;
  const items: string[] = [];
  for (const [name, value] of Object.entries(p.jobs)) {
    if (value) items.push(`- ${JOB_LABELS[name] ?? name}: \`${value}\``);
    else if (value === null && name === 'previousSolutionVersionArn')
      items.push(`- ${JOB_LABELS[name]}: nothing (first deployment)`);
  }
  if (p.stats) items.push(`- interactions: ${p.stats.rows} rows, ${p.stats.users} users, ${p.stats.items} items`);
  if (p.gate) items.push(`- quality gate: ${p.gate.promote ? 'promote' : 'reject'}, ${p.gate.reason}`);
  if (p.approval) items.push(`- approval: ${describeDecision(p.approval)}${p.approval.decision ? '' : ` – ${p.approval.reason}; \`personalize-optimizer approve ${pipeline} --note "…"\` or \`deny\`, or the \`decide\` update`}`);
  for (const n of p.notes ?? []) items.push(`- note: ${n}`);
  return items.length ? `${head}\n\n${items.join('\n')}` : head;
}
