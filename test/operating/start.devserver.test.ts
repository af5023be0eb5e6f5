/**
 * `npm start` as a person meets it, as its own process: Ctrl-C (SIGINT to the process group) and
 * SIGTERM stop the worker and then the dev server, which leaves no process behind and both ports
 * free; a run interrupted mid-way is followed by the next start; a server left running by a
 * launcher that was SIGKILLed is replaced, saying so; a port taken by something else is refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort } from '../../infra/temporal/net';
import { pidFilePath } from '../../client/dev-server';
import { pidAlive } from '../../activities/local/process-alive';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

const root = path.resolve(__dirname, '../..');
let dir: string;
let config: string;
let port: number;
let uiPort: number;
const started: ChildProcess[] = [];

beforeAll(async () => {
  dir = scratchDir('po-start-');
  config = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    config,
    `local:
  dataDir: data
pipelines:
  - name: demo
    backend: local
    source: { kind: pinpoint, eventsPrefix: data/events/, endpointExport: { enabled: true } }
    workPrefix: data/work/
`
  );
  port = await freePort();
  uiPort = await freePort();
});

afterAll(() => {
  // Bounded clean-up of anything a failed test left (never other processes).
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  const pf = pidFilePath(path.join(dir, 'data', 'temporal'));
  if (fs.existsSync(pf)) {
    const { serverPid } = JSON.parse(fs.readFileSync(pf, 'utf8')) as { serverPid: number };
    if (pidAlive(serverPid)) process.kill(serverPid, 'SIGKILL');
  }
  removeScratchDirs();
});

interface Demo {
  child: ChildProcess;
  output: () => string;
  waitFor: (text: string | RegExp, ms?: number) => Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startDemo(...args: string[]): Demo {
  // Its own process group, like a terminal's foreground job: a group SIGINT is what Ctrl-C sends.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(root, 'client/start.ts'),
      '--config',
      config,
      '--port',
      String(port),
      '--ui-port',
      String(uiPort),
      '--events',
      '30000',
      ...args,
    ],
    {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  );
  started.push(child);
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal }))
  );
  return {
    child,
    output: () => text,
    exit,
    waitFor: async (want, ms = 150_000) => {
      const end = Date.now() + ms;
      const seen = () => (typeof want === 'string' ? text.includes(want) : want.test(text));
      while (!seen()) {
        if (child.exitCode !== null)
          throw new Error(`npm start exited with ${child.exitCode} before "${String(want)}":\n${text}`);
        if (Date.now() > end) throw new Error(`no "${String(want)}" within ${ms} ms:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

function serverPid(): number {
  return (JSON.parse(fs.readFileSync(pidFilePath(path.join(dir, 'data', 'temporal')), 'utf8')) as { serverPid: number })
    .serverPid;
}

async function refused(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: p });
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

async function expectAllStopped(pid: number): Promise<void> {
  expect(pidAlive(pid)).toBe(false);
  expect(await refused(port)).toBe(true);
  expect(await refused(uiPort)).toBe(true);
  expect(fs.existsSync(pidFilePath(path.join(dir, 'data', 'temporal')))).toBe(false);
}

test('Ctrl-C in the middle of a run stops worker and server (exit 130); the next start --keep follows the run, and Ctrl-C stops it cleanly (exit 0)', async () => {
  const first = startDemo();
  await first.waitFor(/\n\s+[\d.]+ (ms|s)\s+TRAIN/);
  const pid = serverPid();
  process.kill(-first.child.pid!, 'SIGINT');
  expect(await first.exit).toEqual({ code: 130, signal: null });
  expect(first.output()).toMatch(/SIGINT: stopping before the run ended/);
  await expectAllStopped(pid);

  const second = startDemo('--keep');
  await second.waitFor('Stop with Ctrl-C');
  const out = second.output();
  expect(out).toMatch(/• run retrain-demo is still going from an earlier start: following it/);
  expect(out).toMatch(/Run demo-\d{4}-\d{2}-\d{2}-start1: SUCCEEDED/);
  // The link is live: this server keeps running.
  expect(out).toMatch(new RegExp(`Web UI {11}http://localhost:${uiPort}/namespaces/default/workflows/retrain-demo\\n`));
  expect(out).not.toMatch(/the server has stopped/);
  expect(out).not.toMatch(/^\{"msg"/m);
  // The summary of a run of an earlier start, followed to its end.
  expect(out).toMatch(/campaign serves {2}arn:\S+ \(the new model\)/);
  const pid2 = serverPid();
  // One Ctrl-C can arrive twice (the group's signal, then tsx relaying it): still one orderly stop.
  process.kill(-second.child.pid!, 'SIGINT');
  await new Promise((r) => setTimeout(r, 40));
  process.kill(second.child.pid!, 'SIGINT');
  expect(await second.exit).toEqual({ code: 0, signal: null });
  expect(second.output()).not.toMatch(/again: stopping at once/);
  expect(second.output()).toMatch(/SIGINT: stopping\n• stopped the worker and the Temporal dev server/);
  expect(second.output()).not.toMatch(/Not running|DRAINING/);
  await expectAllStopped(pid2);
}, 300_000);

test('start --keep, then SIGTERM to the node process: worker and server stop, exit 0, nothing left', async () => {
  const demo = startDemo('--keep');
  await demo.waitFor('Stop with Ctrl-C');
  expect(demo.output()).toMatch(/run key demo-\d{4}-\d{2}-\d{2}-start\d+\n/);
  expect(demo.output()).toContain(`(or kill -TERM ${demo.child.pid})`);
  const pid = serverPid();
  demo.child.kill('SIGTERM');
  expect(await demo.exit).toEqual({ code: 0, signal: null });
  expect(demo.output()).toMatch(/SIGTERM: stopping\n• stopped the worker and the Temporal dev server/);
  await expectAllStopped(pid);
}, 300_000);

test('a server left running by a killed launcher is stopped and replaced by the next start, which says so', async () => {
  const demo = startDemo('--keep');
  await demo.waitFor('• Temporal dev server started');
  const orphan = serverPid();
  demo.child.kill('SIGKILL');
  await demo.exit;
  expect(pidAlive(orphan)).toBe(true);

  const next = startDemo();
  await next.waitFor(`(stopped the one (pid ${orphan}) an earlier start had left running, and started a new one)`);
  expect(pidAlive(orphan)).toBe(false);
  // Stopped mid-run by SIGTERM this time: 128 + 15, and again nothing is left.
  await next.waitFor('• run retrain-demo');
  const replacement = serverPid();
  expect(replacement).not.toBe(orphan);
  next.child.kill('SIGTERM');
  expect(await next.exit).toEqual({ code: 143, signal: null });
  await expectAllStopped(replacement);
}, 300_000);

test('a port taken by something else is refused with exit code 3, naming the port and the way out', async () => {
  const squatter = net.createServer(() => undefined);
  await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
  try {
    const demo = startDemo();
    expect(await demo.exit).toEqual({ code: 3, signal: null });
    expect(demo.output()).toMatch(
      new RegExp(`port ${port} on this machine is taken by a process this command did not start`)
    );
    expect(demo.output()).toMatch(/npm start -- --port \d+ --ui-port \d+/);
  } finally {
    squatter.close();
  }
}, 60_000);
