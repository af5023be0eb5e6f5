/**
 * The Temporal dev server for the embedded default: `temporal server start-dev` with the Web UI,
 * a SQLite file (so schedules, runs and history survive restarts) and our search attributes.
 *
 * The server runs in its own process group, so a Ctrl-C in the terminal reaches only the launcher,
 * which stops the worker first and the server after it. A pid file in the state directory names the
 * server and the launcher that owns it: a server whose launcher died (SIGKILL, a crash) is found
 * and stopped by the next start instead of being reused without a word, and a server that a
 * running `npm start -- --keep` owns is reused, saying so. Anything else on the port is refused.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectable } from '../infra/temporal/net';
import { resolveCli } from '../infra/temporal/servers';
import { pidAlive } from '../activities/local/process-alive';

export interface DevServer {
  address: string;
  uiUrl: string;
  /** Started by us (and stopped by stop()), or owned by another running launcher. */
  owned: boolean;
  /** What start found and did besides starting, for the launcher to say. */
  notes: string[];
  /** The server's process id, when known. */
  pid?: number;
  stop(): Promise<void>;
  /** Stops at once (SIGKILL): for a second Ctrl-C, or when the launcher exits abnormally. */
  kill(): void;
}

export interface DevServerOptions {
  dataDir: string;
  port?: number;
  uiPort?: number;
  namespace?: string;
  progress?: (line: string) => void;
}

/** The server's port is taken by something this launcher cannot account for. */
export class PortTakenError extends Error {
  override name = 'PortTakenError';
}

interface PidFile {
  serverPid: number;
  launcherPid: number;
  port: number;
  uiPort: number;
  startedAt: string;
}

export function pidFilePath(dataDir: string): string {
  return path.join(dataDir, 'server.json');
}

async function answers(port: number): Promise<boolean> {
  try {
    await connectable('127.0.0.1', port, 300);
    return true;
  } catch {
    return false;
  }
}

/** The process's command line (Linux and macOS), to tell our dev server from a reused pid. */
function commandLine(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

function readPidFile(dataDir: string): PidFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(pidFilePath(dataDir), 'utf8')) as PidFile;
  } catch {
    return undefined;
  }
}

async function waitUntil(ok: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return ok();
}

/** Stops a server by pid: SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await waitUntil(() => !pidAlive(pid), graceMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await waitUntil(() => !pidAlive(pid), 5000);
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const port = opts.port ?? 7233;
  const uiPort = opts.uiPort ?? 8233;
  const address = `127.0.0.1:${port}`;
  const uiUrl = `http://localhost:${uiPort}`;
  const notes: string[] = [];

  if ((await answers(port)) || (await answers(uiPort))) {
    const known = readPidFile(opts.dataDir);
    const ours = known && known.port === port && pidAlive(known.serverPid) && /temporal/.test(commandLine(known.serverPid)) ? known : undefined;
    if (ours && ours.launcherPid !== process.pid && pidAlive(ours.launcherPid)) {
      return {
        address,
        uiUrl,
        owned: false,
        pid: ours.serverPid,
        notes: [`it belongs to the npm start running as pid ${ours.launcherPid}, and stops with that one`],
        stop: async () => undefined,
        kill: () => undefined,
      };
    }
    if (ours) {
      await stopPid(ours.serverPid);
      notes.push(`stopped the one (pid ${ours.serverPid}) an earlier start had left running, and started a new one`);
      await waitUntil(async () => !(await answers(port)) && !(await answers(uiPort)), 10_000);
    }
    const taken = (await answers(port)) ? port : (await answers(uiPort)) ? uiPort : undefined;
    if (taken !== undefined) {
      throw new PortTakenError(
        `port ${taken} on this machine is taken by a process this command did not start (another Temporal server?).\n` +
          `  Stop it, or start on other ports: npm start -- --port ${port + 10} --ui-port ${uiPort + 10}`
      );
    }
  }

  const { executable } = await resolveCli({ progress: opts.progress });
  if (executable.type !== 'existing-path') {
    throw new Error('the demo needs the Temporal CLI on disk; run "npm run temporal:servers -- ensure" or set TEMPORAL_CLI_PATH');
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const logFile = path.join(opts.dataDir, 'temporal-server.log');
  const log = fs.openSync(logFile, 'a');
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
    // Its own process group: the terminal's Ctrl-C goes to the launcher, which stops the worker first.
    { stdio: ['ignore', log, log], detached: true }
  );
  fs.closeSync(log);
  let exited: number | null = null;
  const gone = new Promise<void>((resolve) => child.once('exit', (code, signal) => ((exited = code ?? (signal ? 128 : -1)), resolve())));
  const pidFile = pidFilePath(opts.dataDir);
  const record: PidFile = { serverPid: child.pid!, launcherPid: process.pid, port, uiPort, startedAt: new Date().toISOString() };
  fs.writeFileSync(pidFile, JSON.stringify(record, null, 2));
  const forget = () => {
    if (readPidFile(opts.dataDir)?.serverPid === record.serverPid) fs.rmSync(pidFile, { force: true });
  };
  const kill = () => {
    if (exited === null) child.kill('SIGKILL');
    forget();
  };
  // Whatever ends this process (an uncaught error, process.exit), the server goes with it.
  process.once('exit', kill);

  const deadline = Date.now() + 30_000;
  while (!(await answers(port))) {
    if (exited !== null) {
      forget();
      throw new Error(`the Temporal dev server exited with ${exited}; see ${logFile}`);
    }
    if (Date.now() > deadline) {
      kill();
      throw new Error(`the Temporal dev server did not listen on ${address} within 30 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    address,
    uiUrl,
    owned: true,
    pid: child.pid,
    notes,
    kill,
    stop: async () => {
      if (exited === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await gone;
        clearTimeout(timer);
      }
      forget();
      process.removeListener('exit', kill);
    },
  };
}
