/** Small file helpers shared by the local backends. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** file:///abs/path/ or a plain path → an absolute path. */
export function fileUriToPath(uri: string): string {
  if (uri.startsWith('file://')) return fileURLToPath(uri.replace(/^file:\/\/(?!\/)/, 'file:///'));
  if (/^[a-z0-9]+:\/\//i.test(uri)) throw new Error(`the local backend reads file:// URIs or paths, not ${uri}`);
  return path.resolve(uri);
}

/** Write then rename, so a reader never sees half a file (and a crash leaves the old one). */
export function writeFileAtomic(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

export function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
