import { stageDeadline } from '../../workflows/retrain-run';
import type { StageDeadlines } from '../../common/types';

const recorded: StageDeadlines = { export: '1h', query: '2h', import: '3h', training: '4h', deploy: '5h' };

describe('stage deadlines', () => {
  test("every stage waits as long as the run's settings say", () => {
    const all: StageDeadlines = { ...recorded, evaluate: '7h', recommend: '8h' };
    expect(['export', 'query', 'import', 'training', 'deploy', 'evaluate', 'recommend'].map((s) => stageDeadline(all, s as never))).toEqual(['1h', '2h', '3h', '4h', '5h', '7h', '8h']);
  });
  test('settings recorded before the evaluate and recommend stages existed get their defaults', () => {
    expect(stageDeadline(recorded, 'evaluate')).toBe('12h');
    expect(stageDeadline(recorded, 'recommend')).toBe('6h');
    expect(stageDeadline(recorded, 'training')).toBe('4h');
  });
});
