/** The object store on a directory: file:// URIs (or plain paths); writes are atomic. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore } from '../ports';
import { fileUriToPath, writeFileAtomic } from './files';

export class FileObjectStore implements ObjectStore {
  async getText(uri: string): Promise<string | null> {
    try {
      return await fs.promises.readFile(fileUriToPath(uri), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async putText(uri: string, body: string): Promise<void> {
    writeFileAtomic(fileUriToPath(uri), body);
  }

  async openRead(uri: string): Promise<NodeJS.ReadableStream> {
    const file = fileUriToPath(uri);
    await fs.promises.access(file, fs.constants.R_OK);
    return fs.createReadStream(file);
  }

  async write(uri: string, body: NodeJS.ReadableStream | AsyncIterable<string | Uint8Array>): Promise<void> {
    const file = fileUriToPath(uri);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    const source = body instanceof Readable ? body : Readable.from(body as AsyncIterable<string | Uint8Array>);
    try {
      await pipeline(source, fs.createWriteStream(tmp));
      await fs.promises.rename(tmp, file);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
  }

  async exists(uri: string): Promise<boolean> {
    return fs.existsSync(fileUriToPath(uri));
  }
}
