import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { prepareInteractionsFile } from '../../activities/interactions-file';
import { FileObjectStore } from '../../activities/local/store';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

afterAll(removeScratchDirs);

const store = new FileObjectStore();
function file(text: string): { src: string; dst: string } {
  const dir = scratchDir('po-if-');
  fs.writeFileSync(path.join(dir, 'in.csv'), text);
  return { src: `file://${dir}/in.csv`, dst: `file://${dir}/out.csv` };
}

test("Athena's quoted lower-case header becomes Personalize's unquoted header; stats in one pass", async () => {
  const { src, dst } = file('"user_id","item_id","event_type","event_value","timestamp"\n"u1","i1","_email.open","50.0","1795428600"\n"u1","i2","_email.click","100.0","1795428700"\n"u2","i1","_email.open","50.0","1795428800"\n');
  const stats = await prepareInteractionsFile(store, src, dst);
  expect(stats).toEqual({ rows: 3, users: 2, usersWith2Plus: 1, items: 2, maxTimestamp: 1795428800, invalidRows: 0 });
  expect(fs.readFileSync(dst.slice(7), 'utf8')).toBe('USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP\nu1,i1,_email.open,50.0,1795428600\nu1,i2,_email.click,100.0,1795428700\nu2,i1,_email.open,50.0,1795428800\n');
});

test('rows with empty ids, "null", non-numeric values or timestamps are left out and counted', async () => {
  const { src, dst } = file('USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP\n,i1,t,1,1795428600\nnull,i1,t,1,1795428600\nu1,i1,t,3.4abc,1795428600\nu1,i1,t,1,2026-11-23\nu1,"i,1",t,1,1795428600\n');
  const stats = await prepareInteractionsFile(store, src, dst);
  expect(stats.invalidRows).toBe(4);
  expect(stats.rows).toBe(1);
  expect(fs.readFileSync(dst.slice(7), 'utf8')).toContain('u1,"i,1",t,1,1795428600');
});

test("a user's own SQL that lacks a column is refused before import, naming it", async () => {
  const { src, dst } = file('USER_ID,EVENT_TYPE,TIMESTAMP\nu1,t,1795428600\n');
  const err = await prepareInteractionsFile(store, src, dst).catch((e: ApplicationFailure) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).nonRetryable).toBe(true);
  expect((err as ApplicationFailure).message).toMatch(/lacks column\(s\) ITEM_ID/);
});

test('progress is reported every 1,000 rows read (the activity heartbeats it), bad rows included', async () => {
  const lines = ['USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP'];
  for (let i = 0; i < 2500; i++) lines.push(i % 10 === 0 ? `,i${i},e,1,1795428600` : `u${i % 50},i${i},e,1,1795428600`);
  const { src, dst } = file(`${lines.join('\n')}\n`);
  const seen: number[] = [];
  const stats = await prepareInteractionsFile(store, src, dst, { onProgress: (n) => seen.push(n) });
  expect(seen).toEqual([1000, 2000]);
  expect(stats.rows + stats.invalidRows).toBe(2500);
});
