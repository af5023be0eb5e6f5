/** Wording helpers for what people read. */

/** `1 check`, `2 checks`, `1,000 rows`; `many` when the plural is not just an added "s". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
