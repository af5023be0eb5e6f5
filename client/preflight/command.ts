/** The `preflight` subcommand, and the check `schedule apply` runs before touching any schedule. */
import type { Command } from 'commander';
import type { Config } from '../../common/config';
import { namedPipeline, type CommandContext } from '../command-context';
import { EXIT } from '../exit-codes';
import { formatReports, preflight, problemCount, type PreflightOptions } from './index';

/** Exit code when preflight finds problems. */
export const PREFLIGHT_FAILED = EXIT.preflight;

/** Runs preflight on the config's AWS pipelines (all, or one), prints the report, returns the problem count. */
export async function runPreflight(
  config: Config,
  out: (line: string) => void,
  opts: PreflightOptions & { pipeline?: string } = {}
): Promise<number> {
  const pipelines = config.pipelines.filter((p) => !opts.pipeline || p.name === opts.pipeline);
  const reports = await preflight(config, pipelines, opts);
  formatReports(reports).forEach((l) => out(l));
  return problemCount(reports);
}

export function registerPreflight(program: Command, { loadConfig, out }: CommandContext): void {
  program
    .command('preflight')
    .description(
      `read-only checks of each AWS pipeline (schema, auto-training, roles, bucket policy, tables, permissions); exit ${PREFLIGHT_FAILED} on problems`
    )
    .argument('[pipeline]', 'only this pipeline')
    .option('--principal <arn>', "the worker's IAM role to simulate (default: the caller's own identity)")
    .action(async (name: string | undefined, o: { principal?: string }) => {
      const config = loadConfig();
      if (name) namedPipeline(config, name);
      const problems = await runPreflight(config, out, { pipeline: name, principal: o.principal });
      if (problems > 0) process.exitCode = PREFLIGHT_FAILED;
    });
}
