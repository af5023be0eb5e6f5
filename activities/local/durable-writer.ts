/**
 * Durable whole-file writes on a thread of their own: each write is one message to the thread,
 * which runs the whole sequence (mkdir, temporary file, write, fsync, rename, fsync of the
 * directory, and of each parent it created) with synchronous calls, and one message back.
 *
 * Why a thread: the gateway acknowledges a segment's requests only once it is durable, so its
 * write is on the critical path of every request. Written with fs.promises, each of the seven
 * steps went through the thread pool and back through an event loop busy with requests (a
 * segment took ~20 ms under load); written synchronously on the main thread, every fsync stalled
 * all requests, and a disk busy with another process's writes made each fsync take several ms.
 * Here the event loop only posts and receives, and the disk's latency costs only the waiting
 * requests.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

/** The thread's code, plain JavaScript so it runs the same under tsx and from compiled output. */
const THREAD = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const made = new Set();
function fsyncPath(p) {
  const fd = fs.openSync(p, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}
parentPort.on('message', ({ id, file, tmp, data }) => {
  try {
    const dir = path.dirname(file);
    if (!made.has(dir)) {
      const first = fs.mkdirSync(dir, { recursive: true });
      // Every directory from 'first' down is new: fsync its parent, so the entry itself is durable.
      if (first) for (let d = dir; d.length >= first.length; d = path.dirname(d)) fsyncPath(path.dirname(d));
      made.add(dir);
    }
    const fd = fs.openSync(tmp, 'w');
    try {
      for (let at = 0; at < data.length; ) at += fs.writeSync(fd, data, at);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    fsyncPath(dir);
    parentPort.postMessage({ id });
  } catch (err) {
    try { fs.rmSync(tmp, { force: true }); } catch {}
    parentPort.postMessage({ id, error: { message: String(err && err.message || err), code: err && err.code } });
  }
});
`;

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class DurableWriter {
  private thread: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /**
   * Writes `data` to `file` through a hidden temporary name beside it (its own for each write, so
   * two processes writing one file never share one); resolves once it is durable.
   */
  write(file: string, data: string | Uint8Array): Promise<void> {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    // A view of Node's shared buffer pool cannot be transferred: copy those into their own buffer.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : Uint8Array.prototype.slice.call(bytes);
    const thread = this.running();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) thread.ref();
      thread.postMessage({ id, file, tmp, data: own }, [own.buffer as ArrayBuffer]);
    });
  }

  /** Stops the thread once nothing is pending (tests, shutdown); a later write starts a new one. */
  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    if (thread) await thread.terminate();
  }

  private running(): Worker {
    if (this.thread) return this.thread;
    const thread = new Worker(THREAD, { eval: true });
    thread.unref(); // referenced only while a write is pending
    thread.on('message', (m: { id: number; error?: { message: string; code?: string } }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) thread.unref();
      if (m.error) p.reject(Object.assign(new Error(m.error.message), m.error.code ? { code: m.error.code } : {}));
      else p.resolve();
    });
    const fail = (err: Error) => {
      if (this.thread === thread) this.thread = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    thread.on('error', fail);
    thread.on('exit', (code) => fail(new Error(`the durable-write thread exited (code ${code})`)));
    this.thread = thread;
    return thread;
  }
}
