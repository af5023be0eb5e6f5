/**
 * Polls `f` every 10 ms until `done` holds, or fails with the last value after `ms`. Each new
 * `status` seen is appended to `seen`, so a test can assert the states a local job went through.
 */
export async function until<T extends { status?: string }>(f: () => Promise<T>, done: (v: T) => boolean, seen: string[] = [], ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v.status && seen.at(-1) !== v.status) seen.push(v.status);
    if (done(v)) return v;
    if (Date.now() > end) throw new Error(`still ${JSON.stringify(v)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
