/** Which version a rollback goes back to, from the promotion history; and the history's own writes. */
import { chooseRollback } from '../../workflows/rollback-plan';
import { withPromotion } from '../../activities/promotions';
import type { CampaignState, PromotionRecord } from '../../common/types';

const campaign = (serving: string | null, latestUpdate?: CampaignState['latestUpdate']): CampaignState => ({
  campaignArn: 'c',
  status: 'ACTIVE',
  solutionVersionArn: serving,
  minProvisionedTPS: 1,
  ...(latestUpdate && { latestUpdate }),
});
const run = (arn: string, previous: string | null, runKey = `run-${arn}`): PromotionRecord => ({ solutionVersionArn: arn, promotedAt: `t-${arn}`, by: 'run', runKey, previous });
const back = (arn: string, previous: string): PromotionRecord => ({ solutionVersionArn: arn, promotedAt: `rb-${arn}`, by: 'rollback', previous });
const target = (c: ReturnType<typeof chooseRollback>) => (c.action === 'rollback' ? c.target : `refused: ${c.reason}`);

test('steps back through the versions runs promoted, never forth again', () => {
  let history = [run('A', 'X'), run('B', 'A'), run('C', 'B')];
  expect(target(chooseRollback({ history, campaign: campaign('C') }))).toBe('B');
  history = [...history, back('B', 'C')];
  expect(target(chooseRollback({ history, campaign: campaign('B') }))).toBe('A');
  history = [...history, back('A', 'B')];
  // Before A: what the campaign served before the history began.
  expect(target(chooseRollback({ history, campaign: campaign('A') }))).toBe('X');
  history = [...history, back('X', 'A')];
  expect(target(chooseRollback({ history, campaign: campaign('X') }))).toMatch(/^refused: no earlier promoted version than X/);
});

test('a version promoted twice steps back past its latest promotion', () => {
  const history = [run('A', null), run('B', 'A'), run('A', 'B', 'forced')];
  expect(target(chooseRollback({ history, campaign: campaign('A') }))).toBe('B');
});

test('a version a rollback left is not returned to by the next rollback', () => {
  // B was rolled back to A; then C was promoted over A: rolling C back goes to A, not to B.
  const history = [run('A', null), run('B', 'A'), back('A', 'B'), run('C', 'A')];
  expect(target(chooseRollback({ history, campaign: campaign('C') }))).toBe('A');
});

test('refused: nothing served, the first deployment, no history, an update going', () => {
  expect(target(chooseRollback({ history: [], campaign: campaign(null) }))).toMatch(/serves no version yet/);
  expect(target(chooseRollback({ history: [run('A', null)], campaign: campaign('A') }))).toMatch(/it was the campaign's first/);
  expect(target(chooseRollback({ history: [], campaign: campaign('A') }))).toMatch(/no earlier promoted version than A .*--to/);
  const going = campaign('A', { solutionVersionArn: 'B', status: 'CREATE IN_PROGRESS' });
  expect(target(chooseRollback({ history: [run('A', 'Z'), run('B', 'A')], campaign: going }))).toMatch(/being updated to B/);
});

test('a version deployed by hand goes back to the newest one a run promoted', () => {
  expect(target(chooseRollback({ history: [run('A', null), run('B', 'A')], campaign: campaign('H') }))).toBe('B');
});

test('--to: any other version; refused when the campaign already serves it', () => {
  expect(target(chooseRollback({ history: [], campaign: campaign('A'), to: 'Q' }))).toBe('Q');
  expect(target(chooseRollback({ history: [], campaign: campaign('A'), to: 'A' }))).toMatch(/already serves A/);
});

test('the history keeps one entry per promotion: a retried write is not a second one', () => {
  const h = withPromotion([], run('A', null));
  expect(withPromotion(h, run('A', null))).toHaveLength(1);
  expect(withPromotion(h, back('A', 'B'))).toHaveLength(2);
  expect(withPromotion(h, run('A', null, 'another-run'))).toHaveLength(2);
});
