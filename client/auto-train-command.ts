/**
 * `auto-train [pipeline]` (local backend): the local recommender trains a version on its own, as
 * Personalize's automatic training would (trainingType AUTOMATIC), for trying personalize.autoTraining: gate.
 */
import type { Command } from 'commander';
import { buildRegistry } from '../worker/backends';
import type { CommandContext } from './command-context';
import { EXIT, ExitError } from './exit-codes';

export function registerAutoTrainCommand(program: Command, { loadConfig, out }: CommandContext): void {
  program
    .command('auto-train')
    .description("local backend: train a version as Personalize's automatic training would (AUTOMATIC), for personalize.autoTraining: gate")
    .argument('[pipeline]')
    .action(async (name: string | undefined) => {
      const config = loadConfig();
      const p = name ? config.pipelines.find((x) => x.name === name) : config.pipelines.length === 1 ? config.pipelines[0] : undefined;
      if (!p) throw new ExitError(`name a pipeline of the config: ${config.pipelines.map((x) => x.name).join(', ')}`, EXIT.usage);
      const registry = buildRegistry(config);
      const recommender = registry.localRecommender(p.name);
      if (!recommender) throw new ExitError(`pipeline ${p.name} runs on AWS: there Personalize trains on the solution's own schedule`, EXIT.usage);
      try {
        const { solutionVersionArn } = await recommender.trainAutomatically(registry.settings(p.name)!.solutionArn);
        out(`${solutionVersionArn}: training (AUTOMATIC); the next run of ${p.name} with personalize.autoTraining: gate puts it through the gate`);
      } finally {
        await recommender.close();
      }
    });
}
