/**
 * The files of a batch inference job, in the format Personalize reads and writes (and the local
 * recommender copies): the input is JSON Lines of `{"userId":"…"}`; the output, written as
 * `<outputPrefix><input file name>.out`, has one line per input user,
 * `{"input":{"userId":"…"},"output":{"recommendedItems":[…],"scores":[…]},"error":null}`, with
 * `error` set (and `output` absent or empty) for a user the job could not answer.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { BatchRecommendation, ObjectStore } from './ports';

/** Personalize's limit on a user id (USER_ID is a string of at most 256 characters). */
export const MAX_USER_ID_LENGTH = 256;

/** Where the job writes its output for `inputUri`: the input file's name plus `.out`, under the prefix. */
export function batchOutputUri(outputPrefix: string, inputUri: string): string {
  const prefix = outputPrefix.endsWith('/') ? outputPrefix : `${outputPrefix}/`;
  const name = inputUri.slice(inputUri.lastIndexOf('/') + 1);
  return `${prefix}${name}.out`;
}

/** One input line; a user id Personalize would refuse is refused here, before a job is paid for. */
export function batchInputLine(userId: string): string {
  if (userId.length === 0 || userId.length > MAX_USER_ID_LENGTH) {
    throw new RangeError(`a user id must have 1 to ${MAX_USER_ID_LENGTH} characters; got ${JSON.stringify(userId.slice(0, 40))} (${userId.length})`);
  }
  return JSON.stringify({ userId });
}

/**
 * Writes the input file: each distinct user once, in the order given (a user listed twice would be
 * answered twice and messaged twice). Returns how many users it holds.
 */
export async function writeBatchInput(store: ObjectStore, uri: string, userIds: Iterable<string>): Promise<{ users: number }> {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const id of userIds) {
    if (seen.has(id)) continue;
    lines.push(batchInputLine(id));
    seen.add(id);
  }
  await store.write(uri, Readable.from(lines.map((l) => `${l}\n`)));
  return { users: lines.length };
}

/** A line of the output file that is not a job's answer (torn, not JSON, no user id). */
export class UnreadableOutputLine extends Error {
  override name = 'UnreadableOutputLine';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses one output line; scores are empty when the recipe gives none, `error` set when the user got nothing. */
export function parseBatchOutputLine(line: string): BatchRecommendation {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new UnreadableOutputLine(`not JSON: ${line.slice(0, 80)}`);
  }
  if (!isRecord(parsed) || !isRecord(parsed.input) || typeof parsed.input.userId !== 'string') {
    throw new UnreadableOutputLine(`no input.userId: ${line.slice(0, 80)}`);
  }
  const userId = parsed.input.userId;
  const output = isRecord(parsed.output) ? parsed.output : {};
  const items = Array.isArray(output.recommendedItems) ? output.recommendedItems.filter((i): i is string => typeof i === 'string') : [];
  const scores = Array.isArray(output.scores) ? output.scores.filter((s): s is number => typeof s === 'number') : [];
  const error = parsed.error === null || parsed.error === undefined ? undefined : typeof parsed.error === 'string' ? parsed.error : JSON.stringify(parsed.error);
  if (error !== undefined) return { userId, itemIds: items, scores, error };
  if (items.length === 0) return { userId, itemIds: [], scores: [], error: 'no recommendations in the output' };
  return { userId, itemIds: items, scores: scores.length === items.length ? scores : [] };
}

export interface BatchOutputCounts {
  /** Users with recommendations. */
  users: number;
  /** Users the job answered with an error. */
  errors: number;
  /** Lines that could not be read at all. */
  unreadable: number;
}

/**
 * Streams the output file, calling `onRecommendation` for each user's line (errors included) in
 * file order; unreadable lines are counted, not fatal: one torn line must not lose every other user.
 */
export async function readBatchOutput(
  store: ObjectStore,
  uri: string,
  onRecommendation: (r: BatchRecommendation) => void | Promise<void>
): Promise<BatchOutputCounts> {
  const counts: BatchOutputCounts = { users: 0, errors: 0, unreadable: 0 };
  const lines = createInterface({ input: await store.openRead(uri), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let r: BatchRecommendation;
    try {
      r = parseBatchOutputLine(line);
    } catch (err) {
      if (!(err instanceof UnreadableOutputLine)) throw err;
      counts.unreadable++;
      continue;
    }
    if (r.error !== undefined) counts.errors++;
    else counts.users++;
    await onRecommendation(r);
  }
  return counts;
}
