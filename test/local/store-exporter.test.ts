import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync, gunzipSync } from 'node:zlib';
import { LocalEndpointExporter } from '../../activities/local/exporter';
import { FileObjectStore } from '../../activities/local/store';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

afterAll(removeScratchDirs);

function tmp(): string {
  return scratchDir('po-store-');
}

async function readAll(s: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

describe('FileObjectStore', () => {
  const store = new FileObjectStore();

  test('file:// URIs and plain paths name the same object; missing objects read as null', async () => {
    const dir = tmp();
    const uri = `file://${dir}/a/b.json`;
    expect(await store.getText(uri)).toBeNull();
    expect(await store.exists(uri)).toBe(false);
    await store.putText(uri, '{"x":1}');
    expect(await store.getText(path.join(dir, 'a', 'b.json'))).toBe('{"x":1}');
    expect(await store.exists(uri)).toBe(true);
    await expect(store.getText('s3://bucket/key')).rejects.toThrow(/file:\/\//);
  });


  test('a copy keeps its bytes when the source is written again or removed; a missing source fails it', async () => {
    const dir = tmp();
    const source = `file://${dir}/result.csv`;
    const target = `file://${dir}/import/interactions.csv`;
    await store.putText(source, 'USER_ID\nu1\n');
    await store.copy(source, target);
    expect(await store.getText(target)).toBe('USER_ID\nu1\n');
    await store.putText(source, 'USER_ID\nu2\n');
    expect(await store.getText(target)).toBe('USER_ID\nu1\n');
    fs.rmSync(path.join(dir, 'result.csv'));
    expect(await store.getText(target)).toBe('USER_ID\nu1\n');
    await expect(store.copy(source, `file://${dir}/other.csv`)).rejects.toThrow(/ENOENT/);
    expect(fs.readdirSync(dir).sort()).toEqual(['import']);
  });
  test('a failed write leaves the old object whole and no temporary file behind', async () => {
    const dir = tmp();
    const uri = `file://${dir}/a/b.json`;
    await store.putText(uri, '{"x":1}');
    async function* failing() {
      yield 'partial';
      throw new Error('disk gone');
    }
    await expect(store.write(uri, failing())).rejects.toThrow('disk gone');
    expect(await store.getText(uri)).toBe('{"x":1}');
    expect(fs.readdirSync(path.join(dir, 'a'))).toEqual(['b.json']);
  });

  test('a source failed by its producer right after write() starts rejects the write, nothing left behind', async () => {
    const dir = tmp();
    const source = new PassThrough();
    const writing = store.write(`file://${dir}/out/x.csv`, source);
    source.destroy(new Error('bad header'));
    await expect(writing).rejects.toThrow('bad header');
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual([]);
  });

  test('a reader never sees a half-written object', async () => {
    const dir = tmp();
    const uri = `file://${dir}/big.txt`;
    await store.putText(uri, 'old');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow() {
      yield 'new-';
      await gate;
      yield 'content';
    }
    const writing = store.write(uri, slow());
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.getText(uri)).toBe('old');
    release();
    await writing;
    expect(await store.getText(uri)).toBe('new-content');
  });

  test('openRead streams the bytes and fails at once on a missing object', async () => {
    const dir = tmp();
    const uri = `file://${dir}/x.csv`;
    await store.write(uri, (async function* () {
      for (let n = 0; n < 1000; n++) yield `${n}\n`;
    })());
    const text = await readAll(await store.openRead(uri));
    expect(text.split('\n')).toHaveLength(1001);
    await expect(store.openRead(`file://${dir}/missing.csv`)).rejects.toThrow(/ENOENT/);
  });
});

describe('LocalEndpointExporter', () => {
  test('copies the endpoint export to the prefix as a job: PROCESSING → COMPLETED, adopted by prefix', async () => {
    const dataDir = tmp();
    const source = path.join(dataDir, 'exports', 'endpoints');
    fs.mkdirSync(source, { recursive: true });
    const endpoints = [{ Id: 'e1', ChannelType: 'EMAIL' }, { Id: 'e2', ChannelType: 'EMAIL' }];
    fs.writeFileSync(path.join(source, 'part-0.gz'), gzipSync(endpoints.map((e) => JSON.stringify(e)).join('\n')));
    const exporter = new LocalEndpointExporter({ dataDir });
    const prefix = `file://${dataDir}/runs/2030-01-01/endpoints/`;
    const { jobId } = await exporter.startExport({ prefix });
    expect((await exporter.startExport({ prefix })).jobId).toBe(jobId);
    expect(await exporter.describeExport(jobId)).toEqual({ status: 'PROCESSING' });
    await exporter.idle();
    expect(await exporter.describeExport(jobId)).toEqual({ status: 'COMPLETED' });
    const copied = gunzipSync(fs.readFileSync(path.join(dataDir, 'runs', '2030-01-01', 'endpoints', 'part-0.gz'))).toString('utf8');
    expect(copied.split('\n').map((l) => (JSON.parse(l) as { Id: string }).Id)).toEqual(['e1', 'e2']);
    // A new instance (a restarted worker) sees the persisted status.
    expect(await new LocalEndpointExporter({ dataDir }).describeExport(jobId)).toEqual({ status: 'COMPLETED' });
  });

  test('fails with a reason when there is no endpoint export', async () => {
    const dataDir = tmp();
    const exporter = new LocalEndpointExporter({ dataDir });
    const { jobId } = await exporter.startExport({ prefix: `file://${dataDir}/out/` });
    await exporter.idle();
    const s = await exporter.describeExport(jobId);
    expect(s.status).toBe('FAILED');
    expect(s.reason).toMatch(/no endpoint export/);
  });
});
