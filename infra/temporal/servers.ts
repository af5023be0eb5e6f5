/**
 * Where the Temporal binaries come from. The SDK downloads its test server and CLI at first use;
 * machines without a route to the internet cannot, so we resolve, in this order:
 *
 *   1. an explicit path from the environment (TEMPORAL_CLI_PATH, TEMPORAL_TEST_SERVER_PATH);
 *   2. our cache outside the checkout (~/.cache/personalize-optimizer, reused by every clone and CI run);
 *   3. the SDK's own download, when its download host resolves;
 *   4. a build from package registries: the CLI with `go install`, the Java test server from Maven Central.
 *
 * Used by the tests, the worker launcher and the client, so there is one answer everywhere.
 */
import { spawn } from 'node:child_process';
import { promises as dns } from 'node:dns';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
/** Later CLI tags carry a `replace` directive that `go install` refuses. */
export const TEMPORAL_CLI_VERSION = process.env.TEMPORAL_CLI_VERSION ?? 'v1.5.1';
export const TEST_SERVER_ARTIFACT = 'io.temporal:temporal-test-server';
export const TEST_SERVER_VERSION = process.env.TEMPORAL_TEST_SERVER_VERSION ?? '1.31.0';
const SDK_DOWNLOAD_HOST = 'temporal.download';

export type ServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download'; downloadDir: string };

export interface Resolution {
  executable: ServerExecutable;
  /** How it was found: 'env' | 'cache' | 'sdk-download' | 'built'. */
  source: 'env' | 'cache' | 'sdk-download' | 'built';
  /** Seconds spent building, when source = 'built'. */
  buildSeconds?: number;
}

export type Progress = (line: string) => void;

export class TemporalServerUnavailableError extends Error {
  override name = 'TemporalServerUnavailableError';
}

export function cacheRoot(): string {
  if (process.env.PERSONALIZE_OPTIMIZER_CACHE) return process.env.PERSONALIZE_OPTIMIZER_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'personalize-optimizer');
}

export function cachedCliPath(root = cacheRoot()): string {
  return path.join(root, `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

export function cachedTestServerPath(root = cacheRoot()): string {
  return path.join(root, `temporal-test-server-${TEST_SERVER_VERSION}`, 'temporal-test-server');
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function fromEnv(variable: string): ServerExecutable | undefined {
  const p = process.env[variable];
  if (!p) return undefined;
  if (!isExecutable(p)) {
    throw new TemporalServerUnavailableError(`${variable}=${p} is not an executable file. Fix the path or unset ${variable}.`);
  }
  return { type: 'existing-path', path: p };
}

/** True when the SDK's download host resolves; no request is sent to it. */
async function sdkDownloadReachable(): Promise<boolean> {
  if (process.env.TEMPORAL_NO_DOWNLOAD === '1') return false;
  const lookup = dns.lookup(SDK_DOWNLOAD_HOST).then(
    () => true,
    () => false
  );
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref());
  return Promise.race([lookup, timeout]);
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; progress?: Progress }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      // Maven prints bare colour codes; keep only lines with words in them.
      // eslint-disable-next-line no-control-regex
      for (const line of text.replace(/\x1b\[[0-9;]*m/g, '').split('\n')) if (line.trim()) opts.progress?.(line.trim());
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => reject(new Error(`cannot run ${cmd}: ${err.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}\n${tail}`))));
  });
}

/** Prints an elapsed-time line every few seconds so a minutes-long first build is visibly alive. */
function heartbeat(what: string, progress: Progress): () => void {
  const started = Date.now();
  const timer = setInterval(() => progress(`${what}: still building (${Math.round((Date.now() - started) / 1000)} s)`), 15_000);
  return () => clearInterval(timer);
}

async function buildCli(target: string, progress: Progress): Promise<number> {
  const started = Date.now();
  const dir = path.dirname(target);
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  progress(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (first time only, a few minutes)…`);
  const stop = heartbeat('temporal CLI', progress);
  try {
    await run('go', ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
      env: { GOBIN: staging, CGO_ENABLED: '0', GOFLAGS: '-trimpath' },
      progress: (l) => progress(`  go: ${l}`),
    });
  } finally {
    stop();
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);
  return (Date.now() - started) / 1000;
}

const JVM_FLAGS = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:-UsePerfData', '-Xshare:auto'];

function launcherScript(javaBin: string): string {
  // Class-data sharing and C1-only compilation keep JVM start well inside the SDK's 5-second window.
  return `#!/bin/sh
# Temporal time-skipping test server (${TEST_SERVER_ARTIFACT}:${TEST_SERVER_VERSION}); first argument: the port.
DIR=$(cd "$(dirname "$0")" && pwd)
JAVA="\${TEMPORAL_TEST_SERVER_JAVA:-${javaBin}}"
CDS=""
[ -f "$DIR/app.jsa" ] && CDS="-XX:SharedArchiveFile=$DIR/app.jsa"
exec "$JAVA" ${JVM_FLAGS.join(' ')} $CDS -cp "$DIR/lib/*" io.temporal.testserver.TestServer "$@"
`;
}

function pomXml(): string {
  const [groupId, artifactId] = TEST_SERVER_ARTIFACT.split(':');
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.personalize-optimizer</groupId>
  <artifactId>temporal-test-server-launcher</artifactId>
  <version>1</version>
  <dependencies>
    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${TEST_SERVER_VERSION}</version></dependency>
  </dependencies>
</project>
`;
}

async function whichJava(): Promise<string> {
  const home = process.env.JAVA_HOME;
  if (home && isExecutable(path.join(home, 'bin', 'java'))) return path.join(home, 'bin', 'java');
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'java');
    if (isExecutable(candidate)) return fs.realpathSync(candidate);
  }
  throw new Error('no java on PATH and JAVA_HOME is not set');
}

/** Starts the server once with -XX:ArchiveClassesAtExit so later starts load classes from a CDS archive. */
async function trainClassDataArchive(dir: string, javaBin: string): Promise<void> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(
    javaBin,
    [...JVM_FLAGS, `-XX:ArchiveClassesAtExit=${path.join(dir, 'app.jsa')}`, '-cp', `${dir}/lib/*`, 'io.temporal.testserver.TestServer', String(port)],
    { stdio: 'ignore' }
  );
  const { connectable } = await import('./net');
  await connectable('127.0.0.1', port, 30_000);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('close', resolve));
}

async function buildTestServer(target: string, progress: Progress): Promise<number> {
  const started = Date.now();
  const dir = path.dirname(target);
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  fs.writeFileSync(path.join(staging, 'pom.xml'), pomXml());
  progress(`fetching the Java time-skipping test server ${TEST_SERVER_ARTIFACT}:${TEST_SERVER_VERSION} with Maven (first time only)…`);
  const javaBin = await whichJava();
  const stop = heartbeat('temporal test server', progress);
  try {
    await run('mvn', ['-B', '-q', 'dependency:copy-dependencies', '-DoutputDirectory=lib', '-DincludeScope=runtime'], {
      cwd: staging,
      progress: (l) => progress(`  mvn: ${l}`),
    });
    fs.writeFileSync(path.join(staging, 'temporal-test-server'), launcherScript(javaBin), { mode: 0o755 });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
    // The archive records the class path, so it is made in the final directory.
    progress('creating a class-data sharing archive for fast JVM start…');
    await trainClassDataArchive(dir, javaBin).catch((err: Error) => progress(`  (no CDS archive: ${err.message})`));
  } finally {
    stop();
  }
  return (Date.now() - started) / 1000;
}

const FIX_HINT = `
To fix, do one of:
  - point at binaries you have: TEMPORAL_CLI_PATH=/path/to/temporal, TEMPORAL_TEST_SERVER_PATH=/path/to/temporal-test-server
  - install Go (>= 1.23) and Maven with a JDK (>= 11), then run: npm run temporal:servers -- ensure
    (it builds the CLI with "go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}" and fetches ${TEST_SERVER_ARTIFACT}:${TEST_SERVER_VERSION})
  - or give this machine a route to ${SDK_DOWNLOAD_HOST} so the SDK can download them.`;

export interface ResolveOptions {
  /** Build from registries when nothing else is available (default true). */
  build?: boolean;
  progress?: Progress;
}

async function resolve(
  kind: 'cli' | 'test-server',
  opts: ResolveOptions
): Promise<Resolution> {
  const progress = opts.progress ?? (() => undefined);
  const envVar = kind === 'cli' ? 'TEMPORAL_CLI_PATH' : 'TEMPORAL_TEST_SERVER_PATH';
  const explicit = fromEnv(envVar);
  if (explicit) return { executable: explicit, source: 'env' };

  const cached = kind === 'cli' ? cachedCliPath() : cachedTestServerPath();
  if (isExecutable(cached)) return { executable: { type: 'existing-path', path: cached }, source: 'cache' };

  if (await sdkDownloadReachable()) {
    return { executable: { type: 'cached-download', downloadDir: path.join(cacheRoot(), 'sdk-downloads') }, source: 'sdk-download' };
  }

  if (opts.build === false) {
    throw new TemporalServerUnavailableError(`No Temporal ${kind === 'cli' ? 'CLI (dev server)' : 'time-skipping test server'} found.${FIX_HINT}`);
  }
  try {
    const buildSeconds = kind === 'cli' ? await buildCli(cached, progress) : await buildTestServer(cached, progress);
    progress(`built ${cached} in ${buildSeconds.toFixed(1)} s`);
    return { executable: { type: 'existing-path', path: cached }, source: 'built', buildSeconds };
  } catch (err) {
    throw new TemporalServerUnavailableError(
      `Could not obtain the Temporal ${kind === 'cli' ? 'CLI (dev server)' : 'time-skipping test server'}: ${(err as Error).message}${FIX_HINT}`
    );
  }
}

/** The Temporal CLI, which runs the dev server (`temporal server start-dev`, Web UI included). */
export function resolveCli(opts: ResolveOptions = {}): Promise<Resolution> {
  return resolve('cli', opts);
}

/** The time-skipping test server. */
export function resolveTestServer(opts: ResolveOptions = {}): Promise<Resolution> {
  return resolve('test-server', opts);
}
