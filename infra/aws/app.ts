/**
 * The AWS CDK app: `npm run cdk -- synth|diff|deploy [-c config=config/prod.yaml[,config/staging.yaml]]`.
 * One stack per config file (one environment each), built from the same file the worker reads:
 * its pipelines name the buckets, tables, roles and topic; its `deploy` block the rest. Synthesis
 * needs no AWS credentials (account and region come from the pipelines' ARNs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { ConfigError, interpolateEnv, loadConfig } from '../../common/config';
import { PersonalizeOptimizerStack } from './stack';
import { REPO_ROOT } from './constructs/services';

/** The variables a config file references that are set now: the worker's task gets the same values. */
export function referencedEnvironment(text: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const seen: Record<string, string> = {};
  const recording = new Proxy(env, {
    get(target, name: string) {
      const value = target[name];
      if (value !== undefined && value !== '') seen[name] = value;
      return value;
    },
  });
  interpolateEnv(text, recording, []);
  return seen;
}

export function buildApp(configFiles: string[], app = new App()): App {
  for (const file of configFiles) {
    const config = loadConfig(file);
    const configPath = path.relative(REPO_ROOT, path.resolve(file));
    if (config.deploy?.worker.enabled && configPath.startsWith('..')) {
      throw new Error(
        `${file}: the worker image carries the config file, so it must be inside the repository (${REPO_ROOT})`
      );
    }
    new PersonalizeOptimizerStack(app, {
      config,
      configPath,
      configEnvironment: referencedEnvironment(fs.readFileSync(file, 'utf8')),
    });
  }
  return app;
}

if (require.main === module) {
  try {
    const app = new App();
    const files = String(
      app.node.tryGetContext('config') ?? process.env.PERSONALIZE_OPTIMIZER_CONFIG ?? 'config/aws.example.yaml'
    )
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    buildApp(files, app).synth();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `${(err as Error).message}`);
    process.exit(2);
  }
}
