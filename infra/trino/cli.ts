/**
 * `npm run trino:server -- ensure` obtains the Trino server the test suite runs the Athena SQL on
 * (see server.ts) and the JDK it runs on, and prints where they are; `paths` prints them without
 * fetching. `npm test` runs `ensure` first, so a first fetch shows its progress once instead of
 * timing out inside a test.
 */
import { Command } from 'commander';
import { findTrinoJava, resolveTrino, TRINO_VERSION, TrinoUnavailableError, type TrinoResolution } from './server';

function describe(r: TrinoResolution): string {
  const fetched = r.fetchSeconds !== undefined ? ` (fetched in ${r.fetchSeconds.toFixed(1)} s)` : '';
  return `trino server ${TRINO_VERSION}: ${r.home} [${r.source}]${fetched}\njava for trino: ${findTrinoJava()}`;
}

async function main(): Promise<void> {
  const program = new Command('trino-server').description('Obtain the Trino server the tests run the Athena SQL on');
  const progress = (line: string) => process.stderr.write(`[trino] ${line}\n`);
  program
    .command('ensure')
    .description('find or fetch the server (cached under ~/.cache/personalize-optimizer)')
    .action(async () => console.log(describe(await resolveTrino({ progress }))));
  program
    .command('paths')
    .description('print where the server and its JDK are, without fetching')
    .action(async () => console.log(describe(await resolveTrino({ fetch: false }))));
  await program.parseAsync();
}

main().catch((err: unknown) => {
  console.error(err instanceof TrinoUnavailableError ? err.message : err);
  process.exit(1);
});
