/**
 * The durable-write thread on the real file system: a write lands whole under its final name with
 * no temporary file left, new directories are made, many writes in flight all land, a failed write
 * rejects only itself (with the file system's code) and leaves nothing behind, and the thread does
 * not keep a finished process alive.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DurableWriter } from '../../activities/local/durable-writer';

let dir: string;
let writer: DurableWriter;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'po-durable-'));
  writer = new DurableWriter();
});
afterEach(async () => {
  await writer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a write lands under its final name, in directories it creates, with no temporary file left', async () => {
  const file = path.join(dir, '2026', '12', '02', '18', 'a.jsonl');
  await writer.write(file, '{"a":1}\n{"b":"ü"}\n');
  expect(fs.readFileSync(file, 'utf8')).toBe('{"a":1}\n{"b":"ü"}\n');
  expect(fs.readdirSync(path.dirname(file))).toEqual(['a.jsonl']);
});

test('small pooled buffers and large own buffers are written byte for byte', async () => {
  const small = Buffer.from('tiny\n'); // a view of Node's shared pool
  const large = Buffer.alloc(3 * 1024 * 1024, 'x');
  const a = path.join(dir, 'small.jsonl');
  const b = path.join(dir, 'large.jsonl');
  await Promise.all([writer.write(a, small), writer.write(b, large)]);
  expect(fs.readFileSync(a, 'utf8')).toBe('tiny\n');
  expect(fs.statSync(b).size).toBe(3 * 1024 * 1024);
  // The pooled buffer was copied, not taken: the caller's view still reads.
  expect(small.toString()).toBe('tiny\n');
});

test('200 writes in flight at once all land, each with its own content', async () => {
  const files = Array.from({ length: 200 }, (_, i) => path.join(dir, String(i % 4), `f${i}.jsonl`));
  await Promise.all(files.map((f, i) => writer.write(f, `line ${i}\n`)));
  for (const [i, f] of files.entries()) expect(fs.readFileSync(f, 'utf8')).toBe(`line ${i}\n`);
});

test('a failed write rejects with the file system code, leaves nothing behind, and the next write works', async () => {
  fs.writeFileSync(path.join(dir, 'not-a-dir'), 'x');
  const bad = path.join(dir, 'not-a-dir', 'seg.jsonl');
  await expect(writer.write(bad, 'a\n')).rejects.toMatchObject({ code: expect.stringMatching(/^E(EXIST|NOTDIR)$/) });
  const good = path.join(dir, 'ok', 'seg.jsonl');
  await writer.write(good, 'b\n');
  expect(fs.readFileSync(good, 'utf8')).toBe('b\n');
  expect(fs.readdirSync(dir).sort()).toEqual(['not-a-dir', 'ok']);
});

test('a process that has written and has nothing left to do exits', () => {
  const file = path.join(dir, 'exit.jsonl');
  const script = `const { DurableWriter } = require(${JSON.stringify(path.resolve(__dirname, '../../activities/local/durable-writer.ts'))});
new DurableWriter().write(${JSON.stringify(file)}, 'done\\n').then(() => console.log('written'));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { timeout: 20_000, encoding: 'utf8' });
  expect(out.trim()).toBe('written');
  expect(fs.readFileSync(file, 'utf8')).toBe('done\n');
});
