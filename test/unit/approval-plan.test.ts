/** The approval step's pure decisions: when to ask, which updates are acceptable, what a timeout means. */
import {
  applyDecision,
  applyTimeout,
  approvalAsk,
  approvalInstructions,
  decisionProblem,
  denialReason,
  describeDecision,
} from '../../workflows/approval-plan';
import type { ApprovalState, GateDecision, GateSettings } from '../../common/types';

const settings = (approval: GateSettings['approval']): GateSettings => ({ metric: 'ndcg', tolerance: 0.02, approval });
const passed = (change: number | null): GateDecision => ({
  promote: true,
  metric: 'ndcg',
  candidate: 0.2,
  deployed: change === null ? null : 0.2,
  change,
  reason: 'r',
});
const waiting: ApprovalState = {
  reason: 'always',
  askedAt: '2026-11-24T02:00:00.000Z',
  deadline: '2026-11-25T02:00:00.000Z',
  default: 'deny',
};

describe('approvalAsk', () => {
  test('never (and unset) never asks; always asks for every passed candidate', () => {
    expect(approvalAsk(passed(0.5), settings('never')).ask).toBe(false);
    expect(approvalAsk(passed(0.5), settings(undefined)).ask).toBe(false);
    expect(approvalAsk(passed(0.5), settings('always')).ask).toBe(true);
    expect(approvalAsk(passed(null), settings('always')).ask).toBe(true);
  });
  test('a rejected candidate is never put to an operator', () => {
    expect(approvalAsk({ ...passed(-0.5), promote: false }, settings('always')).ask).toBe(false);
  });
  test('on-doubt asks inside the tolerance band (both edges included) and on a first deployment, not beyond', () => {
    const ask = (c: number | null) => approvalAsk(passed(c), settings('on-doubt')).ask;
    expect(ask(0)).toBe(true);
    expect(ask(0.02)).toBe(true);
    expect(ask(-0.02)).toBe(true);
    expect(ask(0.015)).toBe(true);
    expect(ask(null)).toBe(true);
    expect(ask(0.0201)).toBe(false);
    expect(ask(0.3)).toBe(false);
    expect(approvalAsk(passed(0.01), settings('on-doubt')).reason).toMatch(/\+1.00 %, within the ±2.00 % tolerance band/);
  });
});

describe('decisionProblem (the update validator)', () => {
  test('refused when nothing awaits a decision', () => {
    expect(decisionProblem('TRAIN', undefined, { decision: 'approve' })).toMatch(/nothing awaits a decision: the run is in phase TRAIN/);
    expect(decisionProblem('DEPLOY', undefined, { decision: 'deny' })).toMatch(/phase DEPLOY/);
  });
  test('refused once a decision was given, saying which and by whom', () => {
    const decided = applyDecision(waiting, { decision: 'approve', by: 'alice', note: 'ok' }, '2026-11-24T03:00:00.000Z');
    expect(decisionProblem('AWAITING_APPROVAL', decided, { decision: 'deny' })).toMatch(/already given: approved by alice at 2026-11-24T03:00:00.000Z: ok/);
    expect(decisionProblem('DEPLOY', decided, { decision: 'deny' })).toMatch(/already given/);
  });
  test('refuses anything but approve or deny, and non-text notes', () => {
    expect(decisionProblem('AWAITING_APPROVAL', waiting, { decision: 'maybe' as never })).toMatch(/"approve" or "deny", got "maybe"/);
    expect(decisionProblem('AWAITING_APPROVAL', waiting, undefined)).toMatch(/"approve" or "deny"/);
    expect(decisionProblem('AWAITING_APPROVAL', waiting, { decision: 'approve', note: 3 as never })).toMatch(/note must be text/);
  });
  test('accepted while the run awaits one', () => {
    expect(decisionProblem('AWAITING_APPROVAL', waiting, { decision: 'deny', note: 'n', by: 'b' })).toBeUndefined();
  });
});

describe('decisions and timeouts', () => {
  test('a decision keeps who, note and when; a timeout takes the default and says so', () => {
    const d = applyDecision(waiting, { decision: 'deny', by: 'bob', note: 'freeze' }, 'T');
    expect(d).toMatchObject({ decision: 'deny', by: 'bob', note: 'freeze', decidedAt: 'T' });
    expect(d.timedOut).toBeUndefined();
    expect(denialReason(d, 'arn:v1')).toBe('not deployed: arn:v1 was denied by bob at T: freeze');
    const t = applyTimeout({ ...waiting, default: 'approve' }, 'T2');
    expect(t).toMatchObject({ decision: 'approve', timedOut: true, decidedAt: 'T2' });
    expect(describeDecision(t)).toBe('approved by default: no decision by 2026-11-25T02:00:00.000Z: the default (approve) applies');
    expect(describeDecision(waiting)).toBe('awaiting a decision until 2026-11-25T02:00:00.000Z (then deny)');
  });
  test('instructions name the pipeline, the workflow id and the update', () => {
    const [cli, temporal] = approvalInstructions('shop', 'retrain-shop');
    expect(cli).toContain('personalize-optimizer approve shop --note');
    expect(temporal).toBe(
      `temporal workflow update execute --workflow-id retrain-shop --name decide --input '{"decision":"approve","note":"<why>","by":"<you>"}'`
    );
  });
});
