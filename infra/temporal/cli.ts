/**
 * `npm run temporal:servers -- ensure` obtains both Temporal binaries (see servers.ts) and prints
 * where they are; `paths` prints them without building. `npm test` runs `ensure` first, so a first
 * build shows its progress once instead of timing out inside a test.
 */
import { Command } from 'commander';
import { resolveCli, resolveTestServer, TemporalServerUnavailableError, type Resolution } from './servers';

function describe(name: string, r: Resolution): string {
  const where = r.executable.type === 'existing-path' ? r.executable.path : `SDK download into ${r.executable.downloadDir}`;
  const built = r.buildSeconds !== undefined ? ` (built in ${r.buildSeconds.toFixed(1)} s)` : '';
  return `${name}: ${where} [${r.source}]${built}`;
}

async function main(): Promise<void> {
  const program = new Command('temporal-servers').description('Obtain the Temporal CLI (dev server) and the time-skipping test server');
  const progress = (line: string) => process.stderr.write(`[temporal] ${line}\n`);
  program
    .command('ensure')
    .description('find or build both binaries (cached under ~/.cache/personalize-optimizer)')
    .action(async () => {
      const cli = await resolveCli({ progress });
      const testServer = await resolveTestServer({ progress });
      console.log(describe('temporal CLI', cli));
      console.log(describe('test server', testServer));
    });
  program
    .command('paths')
    .description('print where the binaries are, without building')
    .action(async () => {
      console.log(describe('temporal CLI', await resolveCli({ build: false })));
      console.log(describe('test server', await resolveTestServer({ build: false })));
    });
  await program.parseAsync();
}

main().catch((err: unknown) => {
  if (err instanceof TemporalServerUnavailableError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
