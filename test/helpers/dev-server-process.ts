/**
 * A Temporal dev server as a plain child process with a SQLite file, so a test can SIGKILL it and
 * start it again on the same port and state (TestWorkflowEnvironment owns its server and cannot).
 * Every port is free-picked on loopback; the Web UI is off.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectable, freePort } from '../../infra/temporal/net';
import { resolveCli } from '../../infra/temporal/servers';

export interface KillableDevServer {
  address: string;
  /** SIGKILL, then wait for the process to be gone. */
  kill(): Promise<void>;
  /** Start again on the same port and database. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** The server process's id while it runs (CPU accounting in the benchmarks). */
  pid(): number | undefined;
}

export async function startKillableDevServer(dir: string): Promise<KillableDevServer> {
  const { executable } = await resolveCli({ progress: (l) => process.stderr.write(`[temporal] ${l}\n`) });
  if (executable.type !== 'existing-path')
    throw new Error(
      'the Temporal CLI is not on disk: run "npm run temporal:servers -- ensure" or set TEMPORAL_CLI_PATH'
    );
  const binary = executable.path;
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    path.join(dir, 'temporal.sqlite'),
    '--search-attribute',
    'RetrainPhase=Keyword',
    '--search-attribute',
    'RetrainPipeline=Keyword',
    '--log-level',
    'error',
  ];
  let child: ChildProcess | undefined;
  const exited = () => !child || child.exitCode !== null || child.signalCode !== null;

  async function start(): Promise<void> {
    const log = fs.openSync(path.join(dir, 'server.log'), 'a');
    child = spawn(binary, args, { stdio: ['ignore', log, log] });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await connectable('127.0.0.1', port, 200);
        return;
      } catch {
        if (exited()) throw new Error(`the dev server exited; see ${path.join(dir, 'server.log')}`);
        if (Date.now() > deadline) throw new Error(`the dev server did not listen on ${address} within 30 s`);
      }
    }
  }
  async function signal(sig: NodeJS.Signals): Promise<void> {
    if (exited()) return;
    const gone = new Promise((r) => child!.once('exit', r));
    child!.kill(sig);
    await gone;
  }
  await start();
  return { address, kill: () => signal('SIGKILL'), restart: start, stop: () => signal('SIGTERM'), pid: () => (exited() ? undefined : child!.pid) };
}
