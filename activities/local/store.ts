/**
 * The object store on a directory: file:// URIs (or plain absolute paths). Every write goes to a
 * temporary file beside the target and is renamed over it, so a reader sees the old object or the
 * new one, never half of one, and a failed write leaves the old object in place.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore, ObjectVersion } from '../ports';
import { fileUriToPath } from './files';

function tempBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

export class FileObjectStore implements ObjectStore {
  async getText(uri: string): Promise<string | null> {
    try {
      return await fs.promises.readFile(fileUriToPath(uri), 'utf8');
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async putText(uri: string, body: string): Promise<void> {
    await this.write(uri, Readable.from([body]));
  }

  /** Opens the file first, so a missing object fails here rather than on the stream's first read. */
  async openRead(uri: string): Promise<NodeJS.ReadableStream> {
    const handle = await fs.promises.open(fileUriToPath(uri), 'r');
    return handle.createReadStream();
  }

  async write(uri: string, body: NodeJS.ReadableStream | AsyncIterable<string | Uint8Array>): Promise<void> {
    const file = fileUriToPath(uri);
    const tmp = tempBeside(file);
    const source = body instanceof Readable ? body : Readable.from(body as AsyncIterable<string | Uint8Array>);
    // Synchronous up to the pipeline: the source has its listeners before the caller can fail it.
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      await pipeline(source, fs.createWriteStream(tmp, { flush: true }));
      await fs.promises.rename(tmp, file);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
  }

  /**
   * A whole-file copy, then a rename. A hard link where the file system allows one: no file of the
   * store is ever changed in place (every write renames a new file over the old one), so a link is
   * as good as a copy, and instant (0.7 s saved on a 580 MB interactions file). Elsewhere the
   * kernel copies (copy_file_range / reflink).
   */
  async copy(sourceUri: string, targetUri: string): Promise<void> {
    const file = fileUriToPath(targetUri);
    const tmp = tempBeside(file);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      await fs.promises.link(fileUriToPath(sourceUri), tmp).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') throw err;
        await fs.promises.copyFile(fileUriToPath(sourceUri), tmp);
      });
      await fs.promises.rename(tmp, file);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const dir = fileUriToPath(prefix);
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
    // Temporary files of writes in progress are not objects yet.
    return entries
      .filter((e) => e.isFile() && !(e.name.startsWith('.') && e.name.endsWith('.tmp')))
      .map((e) => `${base}${e.name}`)
      .sort();
  }

  /** A file has no ETag here: its content hash stands in for one (a rewrite with the same bytes is no change). */
  async objectVersions(uri: string): Promise<ObjectVersion[]> {
    const uris = uri.endsWith('/') ? await this.list(uri) : (await this.exists(uri)) ? [uri] : [];
    const out: ObjectVersion[] = [];
    for (const u of uris) {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of fs.createReadStream(fileUriToPath(u))) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      out.push({ uri: u, size, etag: hash.digest('hex') });
    }
    return out;
  }

  async exists(uri: string): Promise<boolean> {
    try {
      await fs.promises.access(fileUriToPath(uri));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }
}
