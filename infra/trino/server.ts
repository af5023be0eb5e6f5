/**
 * The Trino server the test suite runs the Athena SQL on (Trino is Athena engine v3's engine).
 * Obtained like the Temporal binaries (infra/temporal/servers.ts), in this order:
 *
 *   1. an explicit path from the environment: TRINO_SERVER_PATH, an unpacked trino-server-<v> folder;
 *   2. our cache outside the checkout (~/.cache/personalize-optimizer/trino-server-<v>);
 *   3. a fetch of `io.trino:trino-server:<v>:tar.gz` from Maven Central with Maven, unpacked into the
 *      cache with only the Hive connector kept (the tarball has ~60 plugins; ~400 MB instead of 2 GB).
 *
 * It runs on a JDK the launcher finds itself (never the user's JAVA_HOME, which is usually an older
 * JDK): TRINO_JAVA_HOME, else a JDK ≥ 24 under /usr/lib/jvm (these machines carry Temurin 25), else
 * `java` on PATH when it is new enough. startTrino() configures a single coordinator on a free
 * loopback port with a small heap and the Hive connector over a file metastore on the local file
 * system, the way Glue + S3 serve Athena.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheRoot } from '../temporal/servers';
import { freePort } from '../temporal/net';

export const TRINO_ARTIFACT = 'io.trino:trino-server';
/** Runs on Temurin 25 with the Hive connector's file metastore and local file system. */
export const TRINO_VERSION = process.env.TRINO_VERSION ?? '476';
/** Trino 476 needs Java 24 or later. */
const MIN_JAVA = 24;
const KEEP_PLUGINS = ['hive'];

export type Progress = (line: string) => void;

export class TrinoUnavailableError extends Error {
  override name = 'TrinoUnavailableError';
}

export interface TrinoResolution {
  /** The unpacked server: lib/ and plugin/. */
  home: string;
  source: 'env' | 'cache' | 'fetched';
  /** Seconds the first-time fetch and unpack took, when source = 'fetched'. */
  fetchSeconds?: number;
}

export function cachedTrinoHome(root = cacheRoot()): string {
  return path.join(root, `trino-server-${TRINO_VERSION}`);
}

function looksLikeTrino(home: string): boolean {
  return fs.existsSync(path.join(home, 'lib')) && fs.existsSync(path.join(home, 'plugin', 'hive'));
}

function canWrite(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function javaMajor(javaBin: string): number | null {
  const r = spawnSync(javaBin, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)/.exec(`${r.stderr ?? ''}${r.stdout ?? ''}`);
  return m ? Number(m[1]) : null;
}

/** A java binary new enough for Trino, found without relying on JAVA_HOME. */
export function findTrinoJava(): string {
  const candidates: string[] = [];
  if (process.env.TRINO_JAVA_HOME) candidates.push(path.join(process.env.TRINO_JAVA_HOME, 'bin', 'java'));
  const jvmDir = '/usr/lib/jvm';
  if (fs.existsSync(jvmDir)) {
    const versioned = fs
      .readdirSync(jvmDir)
      .map((d) => ({ d, v: Number(/(\d+)/.exec(d.replace(/^java-1\./, 'java-'))?.[1] ?? 0) }))
      .filter((x) => x.v >= MIN_JAVA)
      .sort((a, b) => b.v - a.v);
    candidates.push(...versioned.map((x) => path.join(jvmDir, x.d, 'bin', 'java')));
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) candidates.push(path.join(dir, 'java'));
  const tried: string[] = [];
  for (const c of candidates) {
    if (!fs.existsSync(c)) continue;
    const v = javaMajor(c);
    tried.push(`${c} (${v ?? 'unknown version'})`);
    if (v !== null && v >= MIN_JAVA) return c;
  }
  throw new TrinoUnavailableError(
    `Trino ${TRINO_VERSION} needs Java ${MIN_JAVA} or later; found ${tried.join(', ') || 'no java'}.\n` +
      `To fix: install a JDK ≥ ${MIN_JAVA} (e.g. Temurin 25 under /usr/lib/jvm) or set TRINO_JAVA_HOME to one.`
  );
}

function run(cmd: string, args: string[], opts: { cwd?: string; progress?: Progress }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      // eslint-disable-next-line no-control-regex
      for (const line of text.replace(/\x1b\[[0-9;]*m/g, '').split('\n')) if (line.trim()) opts.progress?.(line.trim());
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => reject(new Error(`cannot run ${cmd}: ${err.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}\n${tail}`))
    );
  });
}

async function fetchTrino(target: string, progress: Progress): Promise<number> {
  const started = Date.now();
  const staging = `${target}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  progress(
    `fetching ${TRINO_ARTIFACT}:${TRINO_VERSION} (tar.gz, ~800 MB) from Maven Central with Maven (first time only)…`
  );
  const timer = setInterval(
    () => progress(`trino: still fetching (${Math.round((Date.now() - started) / 1000)} s)`),
    15_000
  );
  try {
    // A throw-away local repository: the unpacked server is the cache, no second 800 MB copy in ~/.m2.
    const args = [
      '-B',
      '-q',
      'dependency:copy',
      `-Dartifact=${TRINO_ARTIFACT}:${TRINO_VERSION}:tar.gz`,
      `-DoutputDirectory=${staging}`,
      `-Dmaven.repo.local=${path.join(staging, 'm2')}`,
    ];
    await run('mvn', args, {
      progress: (l) => progress(`  mvn: ${l}`),
    });
    const tarball = path.join(staging, `trino-server-${TRINO_VERSION}.tar.gz`);
    progress(`unpacking ${path.basename(tarball)} (keeping the ${KEEP_PLUGINS.join(', ')} connector)…`);
    // Plugins share jars through hard links, so unpack everything, then drop what the tests do not use.
    await run('tar', ['xzf', tarball, '-C', staging], {});
    fs.rmSync(tarball);
    const home = path.join(staging, `trino-server-${TRINO_VERSION}`);
    for (const plugin of fs.readdirSync(path.join(home, 'plugin'))) {
      if (!KEEP_PLUGINS.includes(plugin))
        fs.rmSync(path.join(home, 'plugin', plugin), { recursive: true, force: true });
    }
    fs.rmSync(path.join(home, 'bin'), { recursive: true, force: true });
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(home, target);
  } finally {
    clearInterval(timer);
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return (Date.now() - started) / 1000;
}

const FIX_HINT = `
To fix, do one of:
  - point at an unpacked server: TRINO_SERVER_PATH=/path/to/trino-server-${TRINO_VERSION}
  - install Maven (it fetches ${TRINO_ARTIFACT}:${TRINO_VERSION}:tar.gz from Maven Central), then run: npm run trino:server -- ensure`;

/** Finds or fetches the Trino server. */
export async function resolveTrino(opts: { fetch?: boolean; progress?: Progress } = {}): Promise<TrinoResolution> {
  const progress = opts.progress ?? (() => undefined);
  const explicit = process.env.TRINO_SERVER_PATH;
  if (explicit) {
    if (!looksLikeTrino(explicit))
      throw new TrinoUnavailableError(
        `TRINO_SERVER_PATH=${explicit} holds no lib/ and plugin/hive/. Fix the path or unset TRINO_SERVER_PATH.`
      );
    return { home: explicit, source: 'env' };
  }
  const cached = cachedTrinoHome();
  if (looksLikeTrino(cached)) return { home: cached, source: 'cache' };
  if (opts.fetch === false)
    throw new TrinoUnavailableError(`No Trino server ${TRINO_VERSION} found in ${cached}.${FIX_HINT}`);
  try {
    const fetchSeconds = await fetchTrino(cached, progress);
    progress(`fetched Trino ${TRINO_VERSION} into ${cached} in ${fetchSeconds.toFixed(1)} s`);
    return { home: cached, source: 'fetched', fetchSeconds };
  } catch (err) {
    throw new TrinoUnavailableError(`Could not obtain Trino ${TRINO_VERSION}: ${(err as Error).message}${FIX_HINT}`);
  }
}

export interface TrinoServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The Hive catalog's file metastore (tables are registered by writing into it). */
  metastoreDir: string;
  /** Seconds from spawn to "SERVER STARTED". */
  startSeconds: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A scratch directory for configuration, metastore, logs. */
  dir: string;
  heap?: string;
  timeoutMs?: number;
  progress?: Progress;
}

/** Starts a single-node Trino with the `hive` catalog (file metastore, local file system). */
export async function startTrino(opts: StartOptions): Promise<TrinoServer> {
  const { home } = await resolveTrino({ progress: opts.progress });
  const java = findTrinoJava();
  const port = await freePort();
  const etc = path.join(opts.dir, 'etc');
  const metastoreDir = path.join(opts.dir, 'metastore');
  fs.mkdirSync(path.join(etc, 'catalog'), { recursive: true });
  fs.mkdirSync(metastoreDir, { recursive: true });
  fs.writeFileSync(
    path.join(etc, 'config.properties'),
    [
      'coordinator=true',
      'node-scheduler.include-coordinator=true',
      `http-server.http.port=${port}`,
      'node.bind-ip=127.0.0.1',
      `discovery.uri=http://127.0.0.1:${port}`,
      'node.environment=test',
      'node.internal-address=127.0.0.1',
      'query.max-memory=256MB',
      'query.max-memory-per-node=256MB',
      'web-ui.enabled=false',
      `plugin.dir=${path.join(home, 'plugin')}`,
      `catalog.config-dir=${path.join(etc, 'catalog')}`,
      '',
    ].join('\n')
  );
  fs.writeFileSync(
    path.join(etc, 'catalog', 'hive.properties'),
    [
      'connector.name=hive',
      'hive.metastore=file',
      `hive.metastore.catalog.dir=local://${metastoreDir}`,
      'fs.native-local.enabled=true',
      'local.location=/',
      // Partition projection yields every hour of the range; Athena reads a missing prefix as empty.
      'hive.ignore-absent-partitions=true',
      // Athena reads a table's subfolders too (every run's endpoint export is one).
      'hive.recursive-directories=true',
      '',
    ].join('\n')
  );
  // Class-data sharing: the first start records the loaded classes in the cache, later starts map
  // them instead of parsing thousands of jars' classes again. Skipped when the server folder is read-only.
  const archive = path.join(home, `trino-${TRINO_VERSION}-java${javaMajor(java)}.jsa`);
  const cds = canWrite(home) ? ['-XX:+AutoCreateSharedArchive', `-XX:SharedArchiveFile=${archive}`] : [];
  const logPath = path.join(opts.dir, 'server.log');
  const log = fs.openSync(logPath, 'w');
  const started = Date.now();
  const child: ChildProcess = spawn(
    java,
    [
      `-Xmx${opts.heap ?? '768m'}`,
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-XX:-UsePerfData',
      ...cds,
      '-Djdk.attach.allowAttachSelf=true',
      '-XX:+EnableDynamicAgentLoading',
      '--enable-native-access=ALL-UNNAMED',
      '-Dfile.encoding=UTF-8',
      '-Duser.timezone=UTC',
      `-Dconfig=${path.join(etc, 'config.properties')}`,
      '-cp',
      `${path.join(home, 'lib')}/*`,
      'io.trino.server.TrinoServer',
    ],
    { cwd: opts.dir, stdio: ['ignore', log, log] }
  );
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = started + (opts.timeoutMs ?? 120_000);
  for (;;) {
    const text = fs.readFileSync(logPath, 'utf8');
    if (text.includes('SERVER STARTED')) break;
    const failed = child.exitCode !== null || /Configuration is invalid|ERROR\s+main/.test(text);
    if (failed || Date.now() > deadline) {
      await stop();
      const tail = text.split('\n').slice(-25).join('\n');
      throw new TrinoUnavailableError(
        `Trino ${TRINO_VERSION} did not start ${failed ? '(it exited or reported an error)' : `within ${(opts.timeoutMs ?? 120_000) / 1000} s`}; ${logPath} ends with:\n${tail}`
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url: `http://127.0.0.1:${port}`, port, metastoreDir, startSeconds: (Date.now() - started) / 1000, stop };
}
