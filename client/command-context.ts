/**
 * What every command of the command-line client is handed (the config, a Temporal client for the
 * length of a call, where to print), and the pipeline lookup the commands share. Errors go up to
 * `main`, which turns them into a message and an exit code (exit-codes.ts).
 */
import type { Client } from '@temporalio/client';
import type { Config, PipelineConfig } from '../common/config';
import { EXIT, ExitError } from './exit-codes';

export interface CommandContext {
  /** The config named by --config, read when the command runs. */
  loadConfig: () => Config;
  /** Connects to the config's Temporal server for the length of `fn`. */
  withClient: <T>(config: Config, fn: (client: Client) => Promise<T>) => Promise<T>;
  out: (line?: string) => void;
}

/** The pipeline a command names; with a single pipeline the name may be left out. */
export function pipelineOf(config: Config, name: string | undefined): PipelineConfig {
  if (!name && config.pipelines.length === 1) return config.pipelines[0]!;
  if (!name) throw new ExitError(`the config has several pipelines (${config.pipelines.map((x) => x.name).join(', ')}): name one`, EXIT.usage);
  return namedPipeline(config, name);
}

/** The pipeline of that name, for commands where the name is never left out. */
export function namedPipeline(config: Config, name: string): PipelineConfig {
  const p = config.pipelines.find((x) => x.name === name);
  if (!p) throw new ExitError(`unknown pipeline "${name}"; the config has: ${config.pipelines.map((x) => x.name).join(', ')}`, EXIT.usage);
  return p;
}

/**
 * The shape of most commands: read the config, find the named pipeline, connect, act. A pipeline
 * the config lacks is refused before connecting, so it is a usage error even with no server.
 */
export async function withPipelineClient<T>(
  ctx: CommandContext,
  name: string | undefined,
  fn: (p: PipelineConfig, client: Client, config: Config) => Promise<T>
): Promise<T> {
  const config = ctx.loadConfig();
  const p = pipelineOf(config, name);
  return ctx.withClient(config, (client) => fn(p, client, config));
}
