/**
 * The embedded event log: JSON-lines segment files under `<root>events/YYYY/MM/DD/HH/` (arrival
 * hour, UTC), the layout an `events` source reads, so the daily retrain trains on the same files.
 * A segment is written to a hidden temporary name, fsync'd, renamed into place and its directory
 * fsync'd before `append` returns: once the gateway acknowledges, a process kill or a power cut
 * cannot take the events back. Readers never see a partial segment (they skip hidden files).
 *
 * Next to the segments: `dead-letters/` (records delivery refused for good, with the reason) and
 * `ledger/` (what delivery sent of each segment; see LocalDeliveryLedger).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DeadLetter, DeadLetterStore, DeliveryLedger, EventLog, LedgerEntry, LogRecord, SegmentRef } from '../ports';
import { DurableWriter } from './durable-writer';

const SEGMENT = /^(\d{13})-s(\d+)-[a-z0-9-]+\.jsonl$/;

/** `YYYY/MM/DD/HH` of a time (UTC). */
export function hourPath(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}`;
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function parseLines(text: string, source: string): LogRecord[] {
  const out: LogRecord[] = [];
  text.split('\n').forEach((line, n) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as LogRecord);
    } catch {
      // Kept, so delivery dead-letters it with a reason instead of failing the segment forever.
      out.push({ messageId: `unreadable:${source}:${n + 1}`, type: '(unreadable line)', receivedAt: '', line: line.slice(0, 1000) });
    }
  });
  return out;
}

function sortedEntries(dir: string, dirs: boolean): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => (dirs ? e.isDirectory() && /^\d+$/.test(e.name) : e.isFile() && !e.name.startsWith('.')))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Files under `root/YYYY/MM/DD/HH/` in path order, from the hour of `after` on, until `limit` are taken. */
function walkHours(root: string, afterRel: string[] | undefined, accept: (file: string) => boolean, limit: number): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number, bounded: boolean): void => {
    if (out.length >= limit) return;
    if (depth === 4) {
      for (const f of sortedEntries(dir, false)) {
        const file = path.join(dir, f);
        if (bounded && afterRel && f <= afterRel[4]!) continue;
        if (accept(file)) out.push(file);
        if (out.length >= limit) return;
      }
      return;
    }
    for (const d of sortedEntries(dir, true)) {
      const bound = bounded && afterRel ? afterRel[depth]! : undefined;
      if (bound !== undefined && d < bound) continue;
      walk(path.join(dir, d), depth + 1, bound !== undefined && d === bound);
      if (out.length >= limit) return;
    }
  };
  walk(root, 0, true);
  return out;
}

export class LocalEventLog implements EventLog {
  private readonly writer = `${process.pid.toString(36)}-${randomBytes(3).toString('hex')}`;
  /** Segments and dead letters are written on a thread of their own (durable-writer.ts says why). */
  private readonly durable = new DurableWriter();
  private seq = 0;
  readonly eventsRoot: string;
  readonly deadLettersRoot: string;
  readonly deadLetters: DeadLetterStore;

  /** `root`: the pipeline's log directory; segments go under `<root>/events/`. */
  constructor(readonly root: string) {
    this.eventsRoot = path.join(root, 'events');
    this.deadLettersRoot = path.join(root, 'dead-letters');
    this.deadLetters = { put: (letters) => this.putDeadLetters(letters) };
  }

  async append(records: LogRecord[], opts: { shard?: number } = {}): Promise<SegmentRef> {
    const now = Date.now();
    const name = `${String(now).padStart(13, '0')}-s${opts.shard ?? 0}-${this.writer}-${String(this.seq++).padStart(6, '0')}.jsonl`;
    const file = path.join(this.eventsRoot, hourPath(now), name);
    const body = Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const bytes = body.length; // the buffer itself moves to the writing thread
    await this.durable.write(file, body);
    return { uri: file, count: records.length, bytes };
  }

  async read(ref: Pick<SegmentRef, 'uri'>): Promise<LogRecord[]> {
    return parseLines(await fs.promises.readFile(ref.uri, 'utf8'), path.basename(ref.uri));
  }

  async list(req: { after?: string; since?: number; shard?: number; limit: number }): Promise<SegmentRef[]> {
    const afterRel = req.after
      ? path.relative(this.eventsRoot, req.after).split(path.sep)
      : req.since !== undefined
        ? [...hourPath(req.since).split('/'), String(req.since - 1).padStart(13, '0') + '~']
        : undefined;
    if (req.after && afterRel && (afterRel.length !== 5 || afterRel[0] === '..')) throw new Error(`${req.after} is not a segment of ${this.eventsRoot}`);
    const files = walkHours(
      this.eventsRoot,
      afterRel,
      (file) => {
        const m = SEGMENT.exec(path.basename(file));
        return !!m && (req.shard === undefined || Number(m[2]) === req.shard);
      },
      req.limit
    );
    return files.map((uri) => {
      const text = fs.readFileSync(uri, 'utf8');
      return { uri, count: text.split('\n').filter((l) => l.trim()).length, bytes: Buffer.byteLength(text) };
    });
  }

  private async putDeadLetters(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const now = Date.now();
    const file = path.join(this.deadLettersRoot, hourPath(now), `${now}-${this.writer}-${String(this.seq++).padStart(6, '0')}.jsonl`);
    await this.durable.write(file, letters.map((l) => JSON.stringify(l)).join('\n') + '\n');
  }

  async listDeadLetters(): Promise<string[]> {
    return walkHours(this.deadLettersRoot, undefined, (f) => f.endsWith('.jsonl'), Number.MAX_SAFE_INTEGER);
  }

  async readDeadLetters(uri: string): Promise<DeadLetter[]> {
    const text = await fs.promises.readFile(uri, 'utf8');
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as DeadLetter);
  }

  async markReplayed(uri: string): Promise<void> {
    await fs.promises.rename(uri, `${uri}.replayed`);
    await fsyncDir(path.dirname(uri));
  }
}

/** Ledger files one delivery keeps open at most (a delivery takes at most 64 segments). */
const MAX_OPEN_LEDGER_FILES = 128;

/**
 * The delivery ledger next to the log: one small append-only file per segment under
 * `<root>/ledger/` (a line before each call is sent and one once it is settled; the last line
 * is the state), and a watermark per shard. Lines are appended without fsync: the page cache
 * survives a killed process, and after a machine crash a call is at worst sent again, which
 * Personalize ignores by eventId.
 */
export class LocalDeliveryLedger implements DeliveryLedger {
  private readonly dir: string;
  private readonly made = new Set<string>();
  private readonly durable = new DurableWriter();

  constructor(root: string) {
    this.dir = path.join(root, 'ledger');
  }

  private fileOf(segmentUri: string): string {
    return path.join(this.dir, `${path.basename(segmentUri, '.jsonl')}.log`);
  }

  /**
   * Ledger files of the segments being delivered, kept open: a segment takes a line before and
   * after each of its calls, and opening the file for each line cost more than writing it.
   */
  private readonly fds = new Map<string, number>();

  private async appendLine(file: string, value: unknown, last = false): Promise<void> {
    if (!this.made.has(this.dir)) {
      await fs.promises.mkdir(this.dir, { recursive: true });
      this.made.add(this.dir);
    }
    let fd = this.fds.get(file);
    if (fd === undefined) {
      fd = fs.openSync(file, 'a');
      this.fds.set(file, fd);
      if (this.fds.size > MAX_OPEN_LEDGER_FILES) this.closeFile(this.fds.keys().next().value!);
    }
    fs.writeSync(fd, `${JSON.stringify(value)}\n`);
    if (last) this.closeFile(file);
  }

  private closeFile(file: string): void {
    const fd = this.fds.get(file);
    if (fd === undefined) return;
    this.fds.delete(file);
    fs.closeSync(fd);
  }

  async get(segmentUri: string): Promise<LedgerEntry | null> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.fileOf(segmentUri), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    let entry: LedgerEntry | null = null;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let v: { begin?: number } & Partial<LedgerEntry>;
      try {
        v = JSON.parse(line) as typeof v;
      } catch {
        continue; // a torn last line: the call it announced is treated as in flight below
      }
      if (typeof v.begin === 'number') entry = { ...(entry ?? { callsDone: 0, delivered: 0, deadLettered: 0, done: false }), inFlight: v.begin };
      else entry = { callsDone: v.callsDone ?? 0, delivered: v.delivered ?? 0, deadLettered: v.deadLettered ?? 0, done: !!v.done };
    }
    return entry;
  }

  async begin(segmentUri: string, call: number): Promise<void> {
    await this.appendLine(this.fileOf(segmentUri), { begin: call });
  }

  async settle(segmentUri: string, entry: LedgerEntry): Promise<void> {
    const { inFlight: _, ...settled } = entry;
    await this.appendLine(this.fileOf(segmentUri), settled, settled.done);
  }

  async watermark(shard: number): Promise<string | undefined> {
    try {
      return (JSON.parse(await fs.promises.readFile(path.join(this.dir, `watermark-s${shard}.json`), 'utf8')) as { after: string }).after;
    } catch {
      return undefined;
    }
  }

  async setWatermark(shard: number, segmentUri: string): Promise<void> {
    await this.durable.write(path.join(this.dir, `watermark-s${shard}.json`), JSON.stringify({ after: segmentUri }));
  }
}
