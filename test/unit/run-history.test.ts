/**
 * The run records as history: the readers over a real directory store, the staleness decision, and
 * the HTML report (parsed, not string-matched) of `runs --report`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'node-html-parser';
import { FileObjectStore } from '../../activities/local/store';
import { findSucceededRuns, readRunRecords, runDateOfRecordName } from '../../activities/run-records';
import { readFreshnessFacts } from '../../activities/freshness';
import type { RetrainResult } from '../../common/types';
import { assessFreshness, formatAge } from '../../workflows/freshness';
import { renderRunReport, runHistory } from '../../client/run-report';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

afterAll(removeScratchDirs);

const DAY = 86_400_000;
const V = (n: number) => `arn:aws:personalize:local:000000000000:solution/shop/v${n}`;
const METRIC = 'normalized_discounted_cumulative_gain_at_10';

function record(
  runDate: string,
  outcome: RetrainResult['outcome'],
  over: Partial<RetrainResult> = {},
  endedAt = `${runDate}T23:00:00.000Z`
): RetrainResult {
  return {
    outcome,
    reason: `${outcome.toLowerCase()} on ${runDate}`,
    pipeline: 'shop',
    runDate,
    runKey: `shop-${runDate}`,
    jobs: {},
    timings: [
      { phase: 'QUERY', startedAt: `${runDate}T22:00:00.000Z`, endedAt: `${runDate}T22:10:00.000Z` },
      { phase: 'TRAIN', startedAt: `${runDate}T22:10:00.000Z`, endedAt: `${runDate}T22:50:00.000Z` },
      { phase: 'RECORD', startedAt: `${runDate}T22:59:00.000Z`, endedAt },
    ],
    durationMs: 3_600_000,
    ...over,
  };
}

function workDir(records: RetrainResult[], extra: Record<string, string> = {}): string {
  const dir = scratchDir('po-history-');
  fs.mkdirSync(path.join(dir, 'runs', '2026-11-20'), { recursive: true });
  for (const r of records) fs.writeFileSync(path.join(dir, 'runs', `${r.runKey}.json`), JSON.stringify(r));
  for (const [name, text] of Object.entries(extra)) fs.writeFileSync(path.join(dir, 'runs', name), text);
  return `file://${dir}/`;
}

const store = new FileObjectStore();

const trained = (n: number, base: number, deployed?: number) => ({
  jobs: { solutionVersionArn: V(n) },
  campaignSolutionVersionArn: V(n),
  stats: { rows: 1000 * n, users: 100, usersWith2Plus: 90, items: 50, maxTimestamp: 1, invalidRows: 0 },
  metrics: {
    candidate: { [METRIC]: base, [`popularity_baseline.${METRIC}`]: 0.04 },
    ...(deployed !== undefined && { deployed: { [METRIC]: deployed } }),
  },
  gate: {
    promote: true,
    metric: METRIC,
    candidate: base,
    deployed: deployed ?? null,
    change: deployed ? (base - deployed) / deployed : null,
    reason: 'ok',
  },
});

const HISTORY = [
  record('2026-11-20', 'SUCCEEDED', trained(1, 0.08)),
  record('2026-11-21', 'SUCCEEDED', trained(2, 0.09, 0.08)),
  record('2026-11-22', 'SKIPPED'),
  record('2026-11-23', 'FAILED', { reason: 'TRAIN failed: <script>alert(1)</script>' }),
];

describe('run records', () => {
  test('names: a pipeline run record gives its run date; the watermark and folders give none', () => {
    expect(runDateOfRecordName('shop-2026-11-23.json')).toBe('2026-11-23');
    expect(runDateOfRecordName('shop-2026-11-23-r2.json')).toBe('2026-11-23');
    expect(runDateOfRecordName('last-trained.json')).toBeUndefined();
    expect(runDateOfRecordName('shop-2026-11-23')).toBeUndefined();
  });

  test('every record of the pipeline, oldest first; other pipelines, the watermark and torn files are left out', async () => {
    const other = { ...record('2026-11-21', 'SUCCEEDED'), pipeline: 'other', runKey: 'other-2026-11-21' };
    const prefix = workDir([...HISTORY].reverse().concat(other), {
      'last-trained.json': '{"runKey":"x"}',
      'shop-2026-11-19.json': '{"outc',
    });
    const records = await readRunRecords(store, prefix, 'shop');
    expect(records.map((r) => r.runKey)).toEqual([
      'shop-2026-11-20',
      'shop-2026-11-21',
      'shop-2026-11-22',
      'shop-2026-11-23',
    ]);
    expect(await readRunRecords(store, 'file:///nonexistent/work/', 'shop')).toEqual([]);
  });

  test('the latest success, and the run that trained what the campaign serves', async () => {
    const prefix = workDir(HISTORY);
    const found = await findSucceededRuns(store, prefix, 'shop', V(1));
    expect(found.latest).toMatchObject({
      runKey: 'shop-2026-11-21',
      solutionVersionArn: V(2),
      trainedAt: '2026-11-21T22:50:00.000Z',
      finishedAt: '2026-11-21T23:00:00.000Z',
    });
    expect(found.servingRun).toMatchObject({ runKey: 'shop-2026-11-20', solutionVersionArn: V(1) });
    // Reads newest dates first and stops once it knows: the 20th is not needed without a serving version.
    expect((await findSucceededRuns(store, prefix, 'shop')).recordsRead).toBe(3);
  });
});

describe('staleness', () => {
  const now = Date.parse('2026-11-24T09:00:00.000Z');

  test('fresh: a success yesterday and the campaign serving its model', async () => {
    const facts = await readFreshnessFacts(store, workDir(HISTORY), 'shop', V(2));
    const v = assessFreshness(facts, now, 3);
    expect(v.stale).toBe(false);
    expect(v.reasons).toEqual([]);
    expect(formatAge(v.modelAgeMs!)).toBe('2 days 10 h');
  });

  test('stale: no success for longer than the limit, and an old deployed model; both said', async () => {
    const facts = await readFreshnessFacts(store, workDir(HISTORY), 'shop', V(2));
    const v = assessFreshness(facts, now + 2 * DAY, 3);
    expect(v.stale).toBe(true);
    expect(v.reasons).toEqual([
      'no run has SUCCEEDED for 4 days 10 h (the last was shop-2026-11-21); the limit is 3 days',
      'the deployed model is 4 days 10 h old (trained by shop-2026-11-21); the limit is 3 days',
    ]);
  });

  test('the model the campaign serves decides its age, even when a later run succeeded', async () => {
    const facts = await readFreshnessFacts(store, workDir(HISTORY), 'shop', V(1));
    const v = assessFreshness(facts, Date.parse('2026-11-24T12:00:00.000Z'), 3);
    expect(v.stale).toBe(true);
    expect(v.reasons).toEqual([
      'the deployed model is 3 days 13 h old (trained by shop-2026-11-20); the limit is 3 days',
    ]);
  });

  test('never succeeded, nothing served, a version no record knows', () => {
    expect(assessFreshness({ recordsPrefix: 's3://b/work/runs/' }, now, 3)).toMatchObject({
      stale: true,
      reasons: ['no run has SUCCEEDED yet (no successful run recorded under s3://b/work/runs/)'],
    });
    const last = { runKey: 'shop-2026-11-23', runDate: '2026-11-23', finishedAt: '2026-11-23T23:00:00.000Z' };
    expect(assessFreshness({ recordsPrefix: 'p', lastSucceeded: last, serving: null }, now, 3)).toMatchObject({
      stale: true,
      reasons: ['the campaign serves no model'],
    });
    const unknown = assessFreshness({ recordsPrefix: 'p', lastSucceeded: last, serving: V(9) }, now, 3);
    expect(unknown).toMatchObject({ stale: false, modelAgeMs: null });
    expect(unknown.reasons[0]).toMatch(/serves .*v9, which no recorded run trained/);
  });
});

describe('runs --report and --json', () => {
  const rows = runHistory(HISTORY);

  test('rows: outcome, rows, the three metrics, the gate, the deployed version', () => {
    expect(rows).toHaveLength(4);
    expect(rows[1]).toMatchObject({
      runKey: 'shop-2026-11-21',
      outcome: 'SUCCEEDED',
      rows: 2000,
      metric: METRIC,
      candidate: 0.09,
      deployed: 0.08,
      popularity: 0.04,
      gate: { promote: true, change: expect.closeTo(0.125, 6) },
      candidateVersion: V(2),
      deployedVersion: V(2),
    });
    expect(rows[2]).toMatchObject({ outcome: 'SKIPPED', candidate: null, gate: null, rows: null, realtimeInTraining: null });
  });

  test('--json carries what a training included of the real-time records', () => {
    const [row] = runHistory([{ ...HISTORY[1]!, realtimeInTraining: { reported: true, events: 40, items: 2, users: 0 } }]);
    expect(JSON.parse(JSON.stringify(row)).realtimeInTraining).toEqual({ reported: true, events: 40, items: 2, users: 0 });
  });

  test('the HTML page: a row per run, a chart point per evaluated run, lines for deployed and popularity, escaped text', () => {
    const html = renderRunReport(rows, {
      pipeline: 'shop',
      generatedAt: new Date('2026-11-24T09:00:00Z'),
      source: 'file:///w/runs/',
    });
    const doc = parse(html);
    expect(doc.querySelector('title')!.text).toBe('shop: run history');
    const trs = doc.querySelectorAll('#runs tbody tr');
    expect(trs).toHaveLength(4);
    const cells = (i: number) => trs[i]!.querySelectorAll('td').map((td) => td.text.trim());
    expect(cells(1)).toEqual([
      '2026-11-21',
      'shop-2026-11-21',
      'SUCCEEDED',
      '2,000',
      '0.0900',
      '0.0800',
      '0.0400',
      'promote (+12.50 %)',
      'v2',
      'succeeded on 2026-11-21',
    ]);
    expect(cells(3)[2]).toBe('FAILED');
    expect(cells(3)[9]).toBe('TRAIN failed: <script>alert(1)</script>');
    expect(doc.querySelectorAll('script')).toHaveLength(0);
    const svg = doc.querySelector('svg')!;
    expect(svg.querySelectorAll('circle[data-series="candidate"]').map((c) => c.getAttribute('data-run'))).toEqual([
      'shop-2026-11-20',
      'shop-2026-11-21',
    ]);
    const deployedLine = svg
      .querySelector('polyline[data-series="deployed"]')!
      .getAttribute('points')!
      .trim()
      .split(/\s+/);
    expect(deployedLine).toHaveLength(1);
    expect(
      svg.querySelector('polyline[data-series="popularity"]')!.getAttribute('points')!.trim().split(/\s+/)
    ).toHaveLength(2);
    // Higher metric, higher on the page: the 0.09 candidate sits above the 0.08 one.
    const [c1, c2] = svg.querySelectorAll('circle[data-series="candidate"]').map((c) => Number(c.getAttribute('cy')));
    expect(c2!).toBeLessThan(c1!);
    expect(doc.querySelector('p.meta')!.text).toMatch(/^4 runs \(2 SUCCEEDED, 1 SKIPPED, 1 FAILED\)/);
  });

  test('no run with metrics: the page says so instead of an empty chart', () => {
    const doc = parse(
      renderRunReport(runHistory([record('2026-11-22', 'SKIPPED')]), {
        pipeline: 'shop',
        generatedAt: new Date(),
        source: 'x',
      })
    );
    expect(doc.querySelector('svg')).toBeNull();
    expect(doc.querySelector('p.empty')!.text).toMatch(/No run has metrics yet/);
  });
});
