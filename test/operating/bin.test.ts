/**
 * The installed command: `npx personalize-optimizer` in the checkout runs the client, and its help
 * lists every command of the program (and of `schedule`), with the exit codes.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { buildProgram } from '../../client/cli';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');

test('package.json names the bin, and the bin file is an executable node script', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  expect(pkg.bin).toEqual({ 'personalize-optimizer': 'bin/personalize-optimizer.js' });
  const file = path.join(root, pkg.bin['personalize-optimizer']!);
  expect(fs.readFileSync(file, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  expect(fs.statSync(file).mode & 0o111).not.toBe(0);
});

test('npx personalize-optimizer --help and … schedule --help list every command', async () => {
  const program = buildProgram();
  const env = { ...process.env, npm_config_yes: 'true', npm_config_update_notifier: 'false' };
  const top = await run('npx', ['--no-install', 'personalize-optimizer', '--help'], {
    cwd: root,
    env,
    timeout: 90_000,
  });
  for (const c of program.commands) expect(top.stdout).toMatch(new RegExp(`^ {2}${c.name()}\\b`, 'm'));
  expect(top.stdout).toMatch(/Exit codes: 0 ok .* 5 run cancelled · 6 cannot reach Temporal/);
  const schedule = await run('npx', ['--no-install', 'personalize-optimizer', 'schedule', '--help'], {
    cwd: root,
    env,
    timeout: 90_000,
  });
  const sub = program.commands.find((c) => c.name() === 'schedule')!;
  expect(sub.commands.map((c) => c.name())).toEqual([
    'apply',
    'describe',
    'pause',
    'unpause',
    'trigger',
    'backfill',
    'delete',
  ]);
  for (const c of sub.commands) expect(schedule.stdout).toMatch(new RegExp(`^ {2}${c.name()}\\b.*\\S`, 'm'));
}, 200_000);

test('the bin exits with the client’s codes: a bad config file is 2, with the message', async () => {
  const err = await run(
    process.execPath,
    [path.join(root, 'bin/personalize-optimizer.js'), '--config', '/nonexistent/config.yaml', 'runs'],
    { cwd: root }
  ).catch((e: { code: number; stderr: string }) => e);
  expect((err as { code: number }).code).toBe(2);
  expect((err as { stderr: string }).stderr).toMatch(/^cannot read the config file \/nonexistent\/config\.yaml:/);
}, 60_000);

test('`personalize-optimizer --help | head -1`: a reader that stops early ends the command quietly', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [path.join(root, 'bin/personalize-optimizer.js'), '--help'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  expect(stderr).not.toMatch(/EPIPE|Unhandled/);
  expect(code).toBe(0);
}, 60_000);
