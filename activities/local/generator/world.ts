/**
 * A seeded, pure synthetic shop whose users browse in sessions, and whose world can drift.
 *
 * Session structure (the generator's session mode): a long-tail (Zipf) catalog split into hidden
 * taste clusters; each item leads to a few others (item-to-item transitions, drawn by popularity in
 * its cluster); a session starts at a popular item of the user's cluster or of the whole shop and
 * then mostly follows transitions, sometimes jumps. Views may lead to adds to cart and orders.
 *
 * Drift (the loop simulator's world): each day a share of users move to another taste cluster and
 * new items appear (fresh items draw extra attention for a few days, and existing items start to
 * lead to them). One day may be poisoned: a bot burst on one item, or a broken producer that sends
 * one event type for everything.
 *
 * Pure: the same options give the same events, whatever order days are asked for in. Each day's
 * events come from their own seeded stream; the state (clusters, catalog) evolves from a separate
 * stream, so asking for day 9 only replays the cheap daily drift steps of days 1–8.
 */
import { itemId, rng, userId } from './pinpoint';

export const FUNNEL_EVENTS = ['Product Viewed', 'Product Added', 'Order Completed'] as const;
export type FunnelEvent = (typeof FUNNEL_EVENTS)[number];

/** EVENT_VALUE of each funnel step (the `scoring` of an events source reading this world). */
export const FUNNEL_SCORING: Record<FunnelEvent, number> = {
  'Product Viewed': 1,
  'Product Added': 3,
  'Order Completed': 5,
};

export type PoisonSpec =
  /** Bot accounts hammer one obscure item within an hour. */
  | { day: number; kind: 'bot-burst'; bots?: number; eventsPerBot?: number }
  /** A broken producer sends every event of the day with one event type. */
  | { day: number; kind: 'one-event-type'; eventType?: string };

export interface SessionWorldOptions {
  seed?: number;
  users?: number;
  /** Items on day 1 (new ones are added with `newItemsPerDay`). */
  items?: number;
  clusters?: number;
  days?: number;
  /** First day, YYYY-MM-DD (UTC). */
  startDate: string;
  /** Share of users active on a day (each user's own activity level scales it). */
  activeShare?: number;
  /** Mean sessions of an active user per day. */
  sessionsPerDay?: number;
  /** Mean items viewed per session. */
  sessionSteps?: number;
  /** Probability that the next view follows one of the current item's transitions. */
  follow?: number;
  /** Probability that a session is about the user's own taste cluster (else: where a popular item leads). */
  taste?: number;
  /** Probability that a jump within a session stays in the session's cluster (else: anything popular). */
  focus?: number;
  /** Zipf exponent of item popularity (1 = classic long tail). */
  zipf?: number;
  /** Share of users who move to another taste cluster at the start of each day after the first. */
  driftShare?: number;
  /** Items added at the start of each day after the first. */
  newItemsPerDay?: number;
  /** A new item's extra attention: weight × (1 + boost · e^(−age/days)). */
  freshness?: { boost: number; days: number };
  poison?: PoisonSpec;
}

export interface WorldEvent {
  userId: string;
  itemId: string;
  event: FunnelEvent | string;
  /** Epoch milliseconds. */
  at: number;
  sessionId: string;
  messageId: string;
}

const DAY = 86_400_000;
const SUCCESSOR_WEIGHTS = [0.5, 0.3, 0.2];

/** A well-spread 32-bit seed from several integers (each day and stream its own random sequence). */
function mix(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
  }
  return (h ^ (h >>> 16)) >>> 0;
}

/** Index drawn from cumulative weights (binary search). */
function drawCumulative(cum: Float64Array, length: number, u: number): number {
  const target = u * cum[length - 1]!;
  let lo = 0;
  let hi = length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Geometric count with the given mean (≥ 1). */
function geometric(random: () => number, mean: number): number {
  const p = 1 / Math.max(1, mean);
  let n = 1;
  while (random() > p && n < 10 * mean) n++;
  return n;
}

interface WorldState {
  userCluster: Int32Array;
  itemCluster: number[];
  baseWeight: number[];
  /** Day an item appeared (−1: on day 1's catalog, no freshness boost). */
  born: number[];
  successors: number[][];
}

export class SessionWorld {
  readonly seed: number;
  readonly users: number;
  readonly clusters: number;
  readonly days: number;
  readonly startMs: number;
  private readonly o: Required<Omit<SessionWorldOptions, 'poison' | 'startDate'>> & { poison?: PoisonSpec };
  private readonly activity: Float64Array;
  private readonly states: WorldState[] = [];

  constructor(opts: SessionWorldOptions) {
    this.o = {
      seed: opts.seed ?? 42,
      users: opts.users ?? 2000,
      items: opts.items ?? 500,
      clusters: opts.clusters ?? 10,
      days: opts.days ?? 14,
      activeShare: opts.activeShare ?? 0.35,
      sessionsPerDay: opts.sessionsPerDay ?? 1.4,
      sessionSteps: opts.sessionSteps ?? 6,
      follow: opts.follow ?? 0.55,
      taste: opts.taste ?? 0.3,
      focus: opts.focus ?? 0.8,
      zipf: opts.zipf ?? 1,
      driftShare: opts.driftShare ?? 0,
      newItemsPerDay: opts.newItemsPerDay ?? 0,
      freshness: opts.freshness ?? { boost: 4, days: 2 },
      poison: opts.poison,
    };
    this.seed = this.o.seed;
    this.users = this.o.users;
    this.clusters = this.o.clusters;
    this.days = this.o.days;
    this.startMs = Date.parse(`${opts.startDate}T00:00:00Z`);
    if (!Number.isFinite(this.startMs)) throw new RangeError(`startDate must be YYYY-MM-DD, got "${opts.startDate}"`);
    if (this.o.poison && !(this.o.poison.day >= 0 && this.o.poison.day < this.days)) {
      throw new RangeError(`the poisoned day ${this.o.poison.day} is not one of the world's days 0…${this.days - 1}`);
    }
    // Users differ in how active they are (a few heavy users, many light ones).
    const r = rng(mix(this.seed, 1));
    this.activity = Float64Array.from({ length: this.users }, () => Math.exp(0.8 * (r() + r() + r() - 1.5)));
    this.states.push(this.initialState());
  }

  /** The day's date (YYYY-MM-DD); day 0 is the start date. */
  date(day: number): string {
    return new Date(this.startMs + day * DAY).toISOString().slice(0, 10);
  }

  get poison(): PoisonSpec | undefined {
    return this.o.poison;
  }

  /** Accounts that are no real users (the bot burst's). */
  isBot(user: string): boolean {
    return user.startsWith('bot-');
  }

  /** A user's taste cluster on a day (tests check models against the hidden structure). */
  clusterOf(user: number, day: number): number {
    return this.state(day).userCluster[user]!;
  }

  /** Items that exist on a day. */
  itemCount(day: number): number {
    return this.state(day).itemCluster.length;
  }

  private initialState(): WorldState {
    const r = rng(mix(this.seed, 2));
    const n = this.o.items;
    const itemCluster = Array.from({ length: n }, () => Math.floor(r() * this.clusters));
    // Popularity ranks are shuffled over the catalog, so every cluster has head and tail items.
    const rank = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [rank[i], rank[j]] = [rank[j]!, rank[i]!];
    }
    const baseWeight = rank.map((k) => 1 / Math.pow(k + 1, this.o.zipf));
    const userCluster = Int32Array.from({ length: this.users }, () => Math.floor(r() * this.clusters));
    const state: WorldState = {
      userCluster,
      itemCluster,
      baseWeight,
      born: new Array<number>(n).fill(-1),
      successors: [],
    };
    for (let i = 0; i < n; i++) state.successors.push(this.pickSuccessors(state, i, r));
    return state;
  }

  /** Three items of the same cluster, drawn by popularity: where a view of `i` tends to lead. */
  private pickSuccessors(s: WorldState, i: number, r: () => number): number[] {
    const same = s.itemCluster.map((c, j) => (c === s.itemCluster[i] && j !== i ? j : -1)).filter((j) => j >= 0);
    const out: number[] = [];
    if (same.length === 0) return out;
    const cum = new Float64Array(same.length);
    let acc = 0;
    same.forEach((j, k) => (cum[k] = acc += s.baseWeight[j]!));
    for (let tries = 0; out.length < Math.min(3, same.length) && tries < 50; tries++) {
      const j = same[drawCumulative(cum, same.length, r())]!;
      if (!out.includes(j)) out.push(j);
    }
    return out;
  }

  /** The state at the start of `day`: day 0's, then one drift step per later day. */
  private state(day: number): WorldState {
    while (this.states.length <= day) {
      const d = this.states.length;
      const prev = this.states[d - 1]!;
      const r = rng(mix(this.seed, 3, d));
      const s: WorldState = {
        userCluster: prev.userCluster.slice(),
        itemCluster: prev.itemCluster.slice(),
        baseWeight: prev.baseWeight.slice(),
        born: prev.born.slice(),
        successors: prev.successors.map((x) => x.slice()),
      };
      for (let u = 0; u < this.users; u++) {
        if (r() < this.o.driftShare)
          s.userCluster[u] = (s.userCluster[u]! + 1 + Math.floor(r() * (this.clusters - 1))) % this.clusters;
      }
      for (let k = 0; k < this.o.newItemsPerDay; k++) {
        const i = s.itemCluster.length;
        s.itemCluster.push(Math.floor(r() * this.clusters));
        // A new item is as popular as a random catalog item, plus its freshness boost.
        s.baseWeight.push(s.baseWeight[Math.floor(r() * this.o.items)]!);
        s.born.push(d);
        s.successors.push(this.pickSuccessors(s, i, r));
        // Some items of its cluster start to lead to it (it replaces their weakest transition).
        const same = s.itemCluster.map((c, j) => (c === s.itemCluster[i] && j !== i ? j : -1)).filter((j) => j >= 0);
        for (let m = 0; m < Math.min(3, same.length); m++) {
          const j = same[Math.floor(r() * same.length)]!;
          const succ = s.successors[j]!;
          if (succ.length < 3) succ.push(i);
          else succ[succ.length - 1] = i;
        }
      }
      this.states.push(s);
    }
    return this.states[day]!;
  }

  /** Every event of a day, in time order. */
  day(day: number): WorldEvent[] {
    if (!(Number.isInteger(day) && day >= 0 && day < this.days))
      throw new RangeError(`day ${day} is not one of the world's days 0…${this.days - 1}`);
    const s = this.state(day);
    const o = this.o;
    const r = rng(mix(this.seed, 4, day));
    const n = s.itemCluster.length;
    const weight = s.baseWeight.map((w, i) =>
      s.born[i]! >= 0 ? w * (1 + o.freshness.boost * Math.exp(-(day - s.born[i]!) / o.freshness.days)) : w
    );
    const global = new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) global[i] = acc += weight[i]!;
    const byCluster: { items: number[]; cum: Float64Array }[] = Array.from({ length: this.clusters }, () => ({
      items: [],
      cum: new Float64Array(0),
    }));
    s.itemCluster.forEach((c, i) => byCluster[c]!.items.push(i));
    for (const c of byCluster) {
      c.cum = new Float64Array(c.items.length);
      let a = 0;
      c.items.forEach((i, k) => (c.cum[k] = a += weight[i]!));
    }
    /** A jump: mostly within the session's intent, sometimes to anything popular. */
    const jump = (cluster: number) => {
      const c = byCluster[cluster]!;
      if (r() < o.focus && c.items.length) return c.items[drawCumulative(c.cum, c.items.length, r())]!;
      return drawCumulative(global, n, r());
    };

    const dayStart = this.startMs + day * DAY;
    const events: WorldEvent[] = [];
    for (let u = 0; u < this.users; u++) {
      if (r() >= Math.min(0.95, o.activeShare * this.activity[u]!)) continue;
      const sessions = geometric(r, o.sessionsPerDay);
      for (let k = 0; k < sessions; k++) {
        const sessionId = `s-${this.seed}-${day}-${u}-${k}`;
        let at = dayStart + Math.floor(r() * (DAY - 2 * 3_600_000));
        const steps = geometric(r, o.sessionSteps);
        // A session has one intent: the user's taste, or whatever drew them in (a popular item's cluster).
        const intent = r() < o.taste ? s.userCluster[u]! : s.itemCluster[drawCumulative(global, n, r())]!;
        let item = jump(intent);
        for (let step = 0; step < steps; step++) {
          if (step > 0) {
            const succ = s.successors[item]!;
            let next = item;
            if (succ.length && r() < o.follow) {
              const x = r();
              let m = 0;
              for (let cut = SUCCESSOR_WEIGHTS[0]!; m < succ.length - 1 && x > cut; cut += SUCCESSOR_WEIGHTS[++m]!);
              next = succ[m]!;
            } else next = jump(intent);
            if (next === item) continue;
            item = next;
          }
          at += 20_000 + Math.floor(r() * 100_000);
          const liked = s.itemCluster[item] === s.userCluster[u];
          const base = { userId: userId(u), itemId: itemId(item), sessionId };
          events.push({ ...base, event: 'Product Viewed', at, messageId: `${sessionId}-${step}-v` });
          if (r() < (liked ? 0.25 : 0.08)) {
            events.push({ ...base, event: 'Product Added', at: at + 15_000, messageId: `${sessionId}-${step}-a` });
            if (r() < 0.4)
              events.push({ ...base, event: 'Order Completed', at: at + 60_000, messageId: `${sessionId}-${step}-o` });
          }
        }
      }
    }
    if (o.poison?.day === day) this.poisonDay(events, o.poison, s, dayStart, r);
    return events.sort((a, b) => a.at - b.at || (a.messageId < b.messageId ? -1 : 1));
  }

  private poisonDay(events: WorldEvent[], p: PoisonSpec, s: WorldState, dayStart: number, r: () => number): void {
    if (p.kind === 'one-event-type') {
      for (const e of events) e.event = p.eventType ?? 'Product Viewed';
      return;
    }
    // An obscure item: the least popular of the catalog.
    let target = 0;
    for (let i = 1; i < s.baseWeight.length; i++) if (s.baseWeight[i]! < s.baseWeight[target]!) target = i;
    const bots = p.bots ?? Math.round(this.users / 5);
    const each = p.eventsPerBot ?? 8;
    const burstAt = dayStart + 12 * 3_600_000;
    for (let b = 0; b < bots; b++) {
      const user = `bot-${String(b).padStart(5, '0')}`;
      for (let k = 0; k < each; k++) {
        const at = burstAt + Math.floor(r() * 3_600_000);
        events.push({
          userId: user,
          itemId: itemId(target),
          event: 'Product Viewed',
          at,
          sessionId: `${user}-s`,
          messageId: `${user}-${k}`,
        });
      }
    }
  }
}
