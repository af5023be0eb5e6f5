/**
 * The Temporal dev server for the embedded default: `temporal server start-dev` with the Web UI,
 * a SQLite file (so schedules, runs and history survive restarts) and our search attributes.
 * If a server already answers on the port (a previous `npm start --keep`), it is reused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectable } from '../infra/temporal/net';
import { resolveCli } from '../infra/temporal/servers';

export interface DevServer {
  address: string;
  uiUrl: string;
  /** Started by us (and stopped by stop()), or found running. */
  owned: boolean;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  dataDir: string;
  port?: number;
  uiPort?: number;
  namespace?: string;
  progress?: (line: string) => void;
}

async function answers(port: number): Promise<boolean> {
  try {
    await connectable('127.0.0.1', port, 300);
    return true;
  } catch {
    return false;
  }
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const port = opts.port ?? 7233;
  const uiPort = opts.uiPort ?? 8233;
  const address = `127.0.0.1:${port}`;
  const uiUrl = `http://localhost:${uiPort}`;
  if (await answers(port)) return { address, uiUrl, owned: false, stop: async () => undefined };

  const { executable } = await resolveCli({ progress: opts.progress });
  if (executable.type !== 'existing-path') {
    throw new Error('the demo needs the Temporal CLI on disk; run "npm run temporal:servers -- ensure" or set TEMPORAL_CLI_PATH');
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const log = fs.openSync(path.join(opts.dataDir, 'temporal-server.log'), 'a');
  const child: ChildProcess = spawn(
    executable.path,
    [
      'server',
      'start-dev',
      '--ip', '127.0.0.1',
      '--port', String(port),
      '--ui-port', String(uiPort),
      '--namespace', opts.namespace ?? 'default',
      '--db-filename', path.join(opts.dataDir, 'temporal.sqlite'),
      '--search-attribute', 'RetrainPhase=Keyword',
      '--search-attribute', 'RetrainPipeline=Keyword',
      '--log-level', 'warn',
    ],
    { stdio: ['ignore', log, log] }
  );
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  const deadline = Date.now() + 30_000;
  while (!(await answers(port))) {
    if (exited !== null) throw new Error(`the Temporal dev server exited with ${exited}; see ${path.join(opts.dataDir, 'temporal-server.log')}`);
    if (Date.now() > deadline) throw new Error(`the Temporal dev server did not listen on ${address} within 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    address,
    uiUrl,
    owned: true,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
