/**
 * How the local backends keep an asynchronous job the way Personalize does: one JSON record per job
 * with its status and times (CREATE PENDING → CREATE IN_PROGRESS → ACTIVE | CREATE FAILED), written
 * atomically and re-read before each step, and its work run in the background of this process.
 */
import { ApplicationFailure } from '@temporalio/common';
import { readJson, writeJsonAtomic } from './files';

/** Personalize's rule for the names of jobs and resources. */
export const JOB_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,62}$/;
/** A job in one of these statuses still has work to do (and is run again when nobody runs it). */
export const UNFINISHED = new Set(['CREATE PENDING', 'CREATE IN_PROGRESS']);

export interface Timestamps {
  creationDateTime: string;
  lastUpdatedDateTime: string;
}

export interface JobRecord extends Timestamps {
  status: string;
  failureReason?: string;
}

export function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'InvalidInputException');
}

export function notFound(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'ResourceNotFoundException');
}

/** Refuses a name Personalize would refuse, with the message it gives. */
export function checkJobName(field: string, name: string): void {
  if (!JOB_NAME.test(name)) throw invalidInput(`${field} ${name} must match ^[a-zA-Z0-9][a-zA-Z0-9\\-_]*$ (1-63 characters)`);
}

/** Writes records stamped with one clock's times. */
export class JobRecords {
  constructor(private readonly now: () => number) {}

  stamp(): string {
    return new Date(this.now()).toISOString();
  }

  /** A new job's record, written: its fields, then CREATE PENDING, created and updated now. */
  create<T extends JobRecord>(file: string, fields: Omit<T, 'status' | 'creationDateTime' | 'lastUpdatedDateTime'>): T {
    const created = this.stamp();
    const record = { ...fields, status: 'CREATE PENDING', creationDateTime: created, lastUpdatedDateTime: created } as T;
    writeJsonAtomic(file, record);
    return record;
  }

  save<T extends Timestamps>(file: string, record: T): T {
    record.lastUpdatedDateTime = this.stamp();
    writeJsonAtomic(file, record);
    return record;
  }

  /** Re-reads the record, applies the change and saves it: how a runner moves its job on. */
  advance<T extends Timestamps>(file: string, change: Partial<T>): T {
    return this.save(file, Object.assign(readJson<T>(file)!, change));
  }
}

/** Work started in the background, so that an instance can wait for all of its own (tests, shutdown). */
export class BackgroundJobs {
  private readonly tasks = new Set<Promise<void>>();

  /**
   * Runs `work` from the next turn of the event loop (the caller sees the job's first status
   * first); its errors are what the record says, so they go no further. `done` runs after it.
   */
  start(work: () => Promise<void>, done: () => void): void {
    const task = (async () => {
      await new Promise((r) => setImmediate(r));
      await work();
    })()
      .catch(() => undefined)
      .finally(() => {
        done();
        this.tasks.delete(task);
      });
    this.tasks.add(task);
  }

  async idle(): Promise<void> {
    while (this.tasks.size) await Promise.allSettled([...this.tasks]);
  }
}
