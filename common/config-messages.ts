/**
 * The wording of config errors: every zod issue said as a person would fix it ("required", "expected
 * a number, got the text "2%"", "unknown key "lookbakDays" – did you mean lookbackDays?"), never a
 * raw pattern or "Invalid input". Messages written on the schema itself win over these.
 */
import type { z } from 'zod';

type RawIssue = Parameters<z.core.$ZodErrorMap>[0];

function shown(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `the text "${v.length > 60 ? `${v.slice(0, 57)}…` : v}"`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v === 'number' ? 'the number' : typeof v} ${String(v)}`;
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value lines)',
  record: 'a mapping (key: value lines)',
};

/** Levenshtein distance, for "did you mean" on misspelt keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(
        row[j]! + 1,
        row[j - 1]! + 1,
        prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1)
      );
      prev = cur;
    }
  }
  return row[b.length]!;
}

export function closestKey(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(key, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function knownKeys(issue: RawIssue): string[] {
  const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

const list = (values: readonly unknown[]) => values.map((v) => String(v)).join(', ');

/** zod error map for the config: returns the message, or undefined to keep zod's. */
export function configIssueMessage(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${shown(issue.input)}`;
    case 'invalid_value':
      return issue.input === undefined
        ? `required: one of ${list(issue.values)}`
        : `expected one of ${list(issue.values)}, got ${shown(issue.input)}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `at most ${issue.maximum} ${issue.origin === 'array' ? 'entries' : 'characters'}`
        : `at most ${issue.maximum}${issue.inclusive === false ? ' (exclusive)' : ''}, got ${String(issue.input)}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `at least ${issue.minimum} ${issue.origin === 'array' ? (issue.minimum === 1 ? 'entry' : 'entries') : issue.minimum === 1 ? 'character' : 'characters'}`
        : `at least ${issue.minimum}${issue.inclusive === false ? ' (exclusive)' : ''}, got ${String(issue.input)}`;
    case 'unrecognized_keys': {
      const known = knownKeys(issue);
      return issue.keys
        .map((k) => {
          const near = closestKey(k, known);
          return `unknown key "${k}"${near ? ` – did you mean ${near}?` : known.length ? ` (known: ${known.join(', ')})` : ''}`;
        })
        .join('; ');
    }
    case 'invalid_union':
      if (issue.discriminator) {
        const input = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator];
        const options = list((issue.options as unknown[] | undefined) ?? []);
        return input === undefined ? `required: one of ${options}` : `expected one of ${options}, got ${shown(input)}`;
      }
      return `not a valid value: ${shown(issue.input)}`;
    case 'invalid_format':
      if (issue.format === 'url')
        return `expected a URL such as https://hooks.example.com/…, got ${shown(issue.input)}`;
      if (issue.format === 'regex') return `not in the expected form: ${shown(issue.input)}`;
      return `expected ${issue.format}, got ${shown(issue.input)}`;
    default:
      return undefined;
  }
}
