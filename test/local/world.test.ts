import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeWorldDay } from '../../activities/local/generator/sessions';
import { SessionWorld, type SessionWorldOptions } from '../../activities/local/generator/world';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

afterAll(removeScratchDirs);

const BASE: SessionWorldOptions = { startDate: '2026-03-01', seed: 5, users: 600, items: 300, clusters: 6, days: 6 };

test('pure and seeded: the same options give the same events, in whatever order days are asked for', () => {
  const a = new SessionWorld({ ...BASE, driftShare: 0.2, newItemsPerDay: 5 });
  const b = new SessionWorld({ ...BASE, driftShare: 0.2, newItemsPerDay: 5 });
  const late = b.day(4);
  expect(a.day(2)).toEqual(b.day(2));
  expect(a.day(4)).toEqual(late);
  expect(new SessionWorld({ ...BASE, seed: 6 }).day(2)).not.toEqual(new SessionWorld(BASE).day(2));
  expect(a.date(0)).toBe('2026-03-01');
  expect(a.date(5)).toBe('2026-03-06');
  expect(() => a.day(6)).toThrow(/not one of the world's days/);
});

test('sessions: views mostly follow a few transitions per item, over a long-tail catalog', () => {
  const w = new SessionWorld({ ...BASE, users: 2000 });
  const next = new Map<string, Map<string, number>>();
  const views = new Map<string, number>();
  const bySession = new Map<string, string[]>();
  for (const e of w.day(0)) {
    if (e.event !== 'Product Viewed') continue;
    views.set(e.itemId, (views.get(e.itemId) ?? 0) + 1);
    const list = bySession.get(e.sessionId) ?? bySession.set(e.sessionId, []).get(e.sessionId)!;
    list.push(e.itemId);
  }
  for (const list of bySession.values()) {
    for (let k = 1; k < list.length; k++) {
      const m = next.get(list[k - 1]!) ?? next.set(list[k - 1]!, new Map()).get(list[k - 1]!)!;
      m.set(list[k]!, (m.get(list[k]!) ?? 0) + 1);
    }
  }
  // Share of an item's next views that go to its three most frequent successors (300 items: 1 % if random).
  let top3 = 0;
  let all = 0;
  for (const m of next.values()) {
    const counts = [...m.values()].sort((x, y) => y - x);
    if (counts.reduce((s, c) => s + c, 0) < 20) continue;
    top3 += counts.slice(0, 3).reduce((s, c) => s + c, 0);
    all += counts.reduce((s, c) => s + c, 0);
  }
  expect(top3 / all).toBeGreaterThan(0.4);
  const sorted = [...views.values()].sort((x, y) => y - x);
  const total = sorted.reduce((s, c) => s + c, 0);
  expect(sorted.slice(0, 30).reduce((s, c) => s + c, 0) / total).toBeGreaterThan(0.35); // top 10 % of items
});

test('drift: a share of users change taste cluster each day, and new items appear and draw views', () => {
  const w = new SessionWorld({ ...BASE, users: 4000, driftShare: 0.1, newItemsPerDay: 10 });
  let moved = 0;
  for (let u = 0; u < w.users; u++) if (w.clusterOf(u, 3) !== w.clusterOf(u, 2)) moved++;
  expect(moved / w.users).toBeGreaterThan(0.08);
  expect(moved / w.users).toBeLessThan(0.12);
  expect(w.itemCount(0)).toBe(300);
  expect(w.itemCount(3)).toBe(330);
  const fresh = w.day(3).filter((e) => Number(e.itemId.slice(5)) >= 320).length; // born on day 3
  expect(fresh / w.day(3).length).toBeGreaterThan(0.02);
  const still = new SessionWorld({ ...BASE, users: 4000 });
  for (let u = 0; u < still.users; u++) expect(still.clusterOf(u, 5)).toBe(still.clusterOf(u, 0));
});

test('a bot burst on one obscure item on the poisoned day, and only then', () => {
  const w = new SessionWorld({ ...BASE, poison: { day: 3, kind: 'bot-burst', bots: 200, eventsPerBot: 6 } });
  const bots = w.day(3).filter((e) => w.isBot(e.userId));
  expect(bots).toHaveLength(1200);
  expect(new Set(bots.map((e) => e.itemId)).size).toBe(1);
  expect(new Set(bots.map((e) => e.userId)).size).toBe(200);
  const real = w.day(3).filter((e) => !w.isBot(e.userId) && e.itemId === bots[0]!.itemId).length;
  expect(real).toBeLessThan(20); // the least popular item
  for (const d of [2, 4]) expect(w.day(d).some((e) => w.isBot(e.userId))).toBe(false);
  expect(w.day(2)).toEqual(new SessionWorld(BASE).day(2));
  expect(() => new SessionWorld({ ...BASE, poison: { day: 9, kind: 'bot-burst' } })).toThrow(/poisoned day/);
});

test('a broken producer sends one event type for everything on the poisoned day', () => {
  const w = new SessionWorld({ ...BASE, poison: { day: 1, kind: 'one-event-type', eventType: 'Order Completed' } });
  expect(new Set(w.day(1).map((e) => e.event))).toEqual(new Set(['Order Completed']));
  expect(new Set(w.day(2).map((e) => e.event))).toEqual(
    new Set(['Product Viewed', 'Product Added', 'Order Completed'])
  );
});

test('a day written as RudderStack track events in the hour layout, one line per event', () => {
  const dir = scratchDir('po-world-');
  const w = new SessionWorld(BASE);
  const written = writeWorldDay(dir, w, 1);
  const lines = fs
    .readdirSync(path.join(dir, 'events'), { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .flatMap((f) => fs.readFileSync(path.join(f.parentPath, f.name), 'utf8').trim().split('\n'));
  expect(lines).toHaveLength(written.events);
  expect(written.events).toBe(w.day(1).length);
  const first = JSON.parse(lines[0]!) as Record<string, unknown>;
  expect(first).toMatchObject({
    type: 'track',
    properties: { product_id: expect.stringMatching(/^item-/) },
    userId: expect.stringMatching(/^user-/),
  });
  expect(fs.existsSync(path.join(dir, 'events', '2026', '03', '02'))).toBe(true);
});
