/**
 * Run history at a glance: the pipeline's run records as rows (`runs --json`) and as one
 * self-contained HTML page (`runs --report`): a table of every run – outcome, rows, the gate
 * metric of the candidate, the deployed model and popularity, the gate's decision, the version the
 * campaign served after it – and an SVG chart of the gate metric over the runs. No scripts, no
 * external assets: the page opens from disk and can be attached to a ticket.
 */
import { BASELINE_PREFIX } from '../activities/local/recommender/baseline';
import { finishedAt } from '../activities/run-records';
import type { RealtimeInTraining, RetrainResult } from '../common/types';

export const DEFAULT_GATE_METRIC = 'normalized_discounted_cumulative_gain_at_10';

export interface RunHistoryRow {
  runKey: string;
  runDate: string;
  outcome: string;
  reason: string;
  finishedAt: string | null;
  durationMs: number;
  rows: number | null;
  users: number | null;
  items: number | null;
  /** The gate metric the three values below are of. */
  metric: string;
  candidate: number | null;
  deployed: number | null;
  popularity: number | null;
  gate: { promote: boolean; change: number | null; reason: string } | null;
  /** The version this run trained, if it trained. */
  candidateVersion: string | null;
  /** What the campaign served when the run ended (null: nothing, or the run did not look). */
  deployedVersion: string | null;
  /** The real-time records its training included (null: the run did not train, or a record from before the count). */
  realtimeInTraining: RealtimeInTraining | null;
}

const num = (x: number | undefined | null): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** Pure: run records (oldest first) → rows. */
export function runHistory(records: RetrainResult[]): RunHistoryRow[] {
  return records.map((r) => {
    const metric = r.gate?.metric ?? DEFAULT_GATE_METRIC;
    const cand = r.metrics?.candidate;
    return {
      runKey: r.runKey,
      runDate: r.runDate,
      outcome: r.outcome,
      reason: r.reason,
      finishedAt: finishedAt(r) ?? null,
      durationMs: r.durationMs,
      rows: num(r.stats?.rows),
      users: num(r.stats?.users),
      items: num(r.stats?.items),
      metric,
      candidate: num(cand?.[metric]),
      deployed: num(r.metrics?.deployed?.[metric]),
      popularity: num(cand?.[`${BASELINE_PREFIX}${metric}`]),
      gate: r.gate ? { promote: r.gate.promote, change: r.gate.change, reason: r.gate.reason } : null,
      candidateVersion: r.jobs.solutionVersionArn ?? null,
      deployedVersion: r.campaignSolutionVersionArn ?? null,
      realtimeInTraining: r.realtimeInTraining ?? null,
    };
  });
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const OUTCOME_COLOUR: Record<string, string> = {
  SUCCEEDED: '#1a7f37',
  SKIPPED: '#8c959f',
  REJECTED: '#bf8700',
  REGRESSED: '#bc4c00',
  FAILED: '#cf222e',
  CANCELLED: '#6e7781',
};

/** The version's short name: the last part of its ARN. */
function shortVersion(arn: string | null): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : '–';
}

const f4 = (x: number | null) => (x === null ? '–' : x.toFixed(4));

/** The SVG chart of the gate metric over the runs: candidate points, deployed and popularity lines. */
export function renderChart(rows: RunHistoryRow[], metric: string): string {
  const W = 760;
  const H = 280;
  const pad = { l: 56, r: 48, t: 16, b: 48 };
  const values = rows.flatMap((r) => [r.candidate, r.deployed, r.popularity]).filter((x): x is number => x !== null);
  if (values.length === 0)
    return `<p class="empty">No run has metrics yet: the chart appears once a run has trained and been evaluated.</p>`;
  const top = Math.max(...values) * 1.1 || 1;
  const x = (i: number) =>
    pad.l + (rows.length === 1 ? (W - pad.l - pad.r) / 2 : (i * (W - pad.l - pad.r)) / (rows.length - 1));
  const y = (v: number) => pad.t + (1 - v / top) * (H - pad.t - pad.b);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(metric)} over runs">`
  );
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4;
    parts.push(`<line class="grid" x1="${pad.l}" x2="${W - pad.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`);
    parts.push(
      `<text class="tick" x="${pad.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(3)}</text>`
    );
  }
  const line = (series: 'deployed' | 'popularity') => {
    const pts = rows
      .map((r, i) => (r[series] === null ? null : `${x(i).toFixed(1)},${y(r[series]!).toFixed(1)}`))
      .filter(Boolean);
    return pts.length ? `<polyline class="series-${series}" data-series="${series}" points="${pts.join(' ')}"/>` : '';
  };
  parts.push(line('popularity'), line('deployed'));
  rows.forEach((r, i) => {
    if (r.candidate === null) return;
    const colour = OUTCOME_COLOUR[r.outcome] ?? '#0969da';
    parts.push(
      `<circle data-series="candidate" data-run="${escapeHtml(r.runKey)}" cx="${x(i).toFixed(1)}" cy="${y(r.candidate).toFixed(1)}" r="5" fill="${colour}"><title>${escapeHtml(`${r.runKey}: ${r.outcome}, candidate ${f4(r.candidate)}`)}</title></circle>`
    );
  });
  const every = Math.max(1, Math.ceil(rows.length / 8));
  rows.forEach((r, i) => {
    if (i % every === 0 || i === rows.length - 1)
      parts.push(
        `<text class="tick" x="${x(i).toFixed(1)}" y="${H - pad.b + 18}" text-anchor="middle">${escapeHtml(r.runDate)}</text>`
      );
  });
  parts.push(
    `<g class="legend" transform="translate(${pad.l},${H - 12})"><circle cx="0" cy="-4" r="5" fill="#0969da"/><text x="10" y="0">candidate (colour: outcome)</text>` +
      `<line class="series-deployed" x1="190" x2="214" y1="-4" y2="-4"/><text x="220" y="0">deployed model</text>` +
      `<line class="series-popularity" x1="330" x2="354" y1="-4" y2="-4"/><text x="360" y="0">popularity baseline</text></g>`
  );
  parts.push('</svg>');
  return parts.join('\n');
}

export function renderRunReport(
  rows: RunHistoryRow[],
  opts: { pipeline: string; generatedAt: Date; source: string }
): string {
  const metric = rows.find((r) => r.gate)?.metric ?? rows[0]?.metric ?? DEFAULT_GATE_METRIC;
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  const tally = [...counts.entries()].map(([o, n]) => `${n} ${o}`).join(', ') || 'no runs yet';
  const pct = (c: number | null) => (c === null ? '' : ` (${c >= 0 ? '+' : ''}${(c * 100).toFixed(2)} %)`);
  const body = rows
    .map(
      (r) => `<tr class="outcome-${escapeHtml(r.outcome)}">
  <td>${escapeHtml(r.runDate)}</td>
  <td class="run">${escapeHtml(r.runKey)}</td>
  <td class="outcome" style="color:${OUTCOME_COLOUR[r.outcome] ?? 'inherit'}">${escapeHtml(r.outcome)}</td>
  <td class="num" data-field="rows">${r.rows === null ? '–' : r.rows.toLocaleString('en-US')}</td>
  <td class="num" data-field="candidate">${f4(r.candidate)}</td>
  <td class="num" data-field="deployed">${f4(r.deployed)}</td>
  <td class="num" data-field="popularity">${f4(r.popularity)}</td>
  <td data-field="gate">${r.gate ? `${r.gate.promote ? 'promote' : 'reject'}${escapeHtml(pct(r.gate.change))}` : '–'}</td>
  <td data-field="version" title="${escapeHtml(r.deployedVersion ?? '')}">${escapeHtml(shortVersion(r.deployedVersion))}</td>
  <td class="reason">${escapeHtml(r.reason)}</td>
</tr>`
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(opts.pipeline)}: run history</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1f2328; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  p.meta { color: #59636e; margin: 0 0 1.5rem; }
  table { border-collapse: collapse; width: 100%; margin-top: 1.5rem; }
  th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #d1d9e0; vertical-align: top; }
  th { background: #f6f8fa; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  td, th { white-space: nowrap; }
  td.reason { white-space: normal; overflow-wrap: anywhere; min-width: 16rem; }
  td.outcome { font-weight: 600; }
  td.reason { color: #59636e; max-width: 32rem; }
  svg .grid { stroke: #eaeef2; }
  svg .tick, svg .legend text { font-size: 11px; fill: #59636e; }
  svg .series-deployed { stroke: #0969da; stroke-width: 2; fill: none; }
  svg .series-popularity { stroke: #8c959f; stroke-width: 2; stroke-dasharray: 5 4; fill: none; }
</style>
</head>
<body>
<h1>Pipeline ${escapeHtml(opts.pipeline)}: run history</h1>
<p class="meta">${rows.length} ${rows.length === 1 ? 'run' : 'runs'} (${escapeHtml(tally)}), from the run records in ${escapeHtml(opts.source)}; generated ${escapeHtml(opts.generatedAt.toISOString())}.</p>
<h2>${escapeHtml(metric)} over runs</h2>
${renderChart(rows, metric)}
<table id="runs">
<thead><tr><th>run date</th><th>run</th><th>outcome</th><th>rows</th><th>candidate</th><th>deployed</th><th>popularity</th><th>gate</th><th>campaign serves</th><th>reason</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</body>
</html>
`;
}
