/**
 * A minimal HTTP/1.1 keep-alive client connection for the load client: one request at a time on
 * one TCP socket, the request's bytes written once, the answer read by its Content-Length (or
 * chunks, or until close). Node's http.request costs about as much CPU per call as the gateway
 * itself does, and on a 2-core machine the load client then measures itself; this costs a
 * fraction of it and still speaks real HTTP to the real server (which parses it fully).
 */
import * as net from 'node:net';

export interface Answer {
  status: number;
  text: string;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CHUNKS_END = Buffer.from('\r\n0\r\n\r\n');

/** The request's bytes: request line, headers, body. */
export function wireRequest(opts: { path: string; host: string; headers: Record<string, string>; body: string }): Buffer {
  const body = Buffer.from(opts.body);
  let head = `POST ${opts.path} HTTP/1.1\r\nhost: ${opts.host}\r\nconnection: keep-alive\r\ncontent-length: ${body.length}\r\n`;
  for (const [k, v] of Object.entries(opts.headers)) head += `${k}: ${v}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`), body]);
}

/** Decodes a chunked body (it is complete: it ends with the last chunk). */
function unchunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    const size = parseInt(raw.toString('latin1', at, eol), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

export class HttpConnection {
  private socket: net.Socket | undefined;
  private buf: Buffer | undefined;
  private waiting: ((a: Answer) => void) | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    /** A socket silent this long is dropped and the request answered with status 0 (the caller retries). */
    private readonly idleMs = 30_000
  ) {}

  /** Sends `wire` and resolves with the answer; status 0 when the connection broke (never rejects). */
  request(wire: Buffer): Promise<Answer> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.buf = undefined;
      (this.socket ??= this.connect()).write(wire);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private connect(): net.Socket {
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    socket.setTimeout(this.idleMs, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
      this.parse(false);
    });
    socket.on('error', () => {}); // answered in 'close'
    socket.on('close', () => {
      if (this.socket !== undefined && this.socket !== socket) return; // an old socket, already answered
      this.socket = undefined;
      if (!this.parse(true)) this.answer({ status: 0, text: 'the connection closed before the answer' });
    });
    return socket;
  }

  private answer(a: Answer): void {
    const w = this.waiting;
    this.waiting = undefined;
    this.buf = undefined;
    w?.(a);
  }

  /** Answers the request once its response is complete; true if it did. */
  private parse(closed: boolean): boolean {
    const buf = this.buf;
    if (!buf || !this.waiting) return false;
    const headEnd = buf.indexOf(HEAD_END);
    if (headEnd < 0) return false;
    const head = buf.toString('latin1', 0, headEnd).toLowerCase();
    const status = Number(head.slice(9, 12));
    const start = headEnd + 4;
    const length = /\r\ncontent-length: *(\d+)/.exec(head);
    let body: Buffer;
    if (length) {
      const end = start + Number(length[1]);
      if (buf.length < end) return false;
      body = buf.subarray(start, end);
    } else if (/\r\ntransfer-encoding: *chunked/.test(head)) {
      if (buf.indexOf(CHUNKS_END, start - 2) < 0) return false;
      body = unchunk(buf.subarray(start));
    } else {
      if (!closed) return false; // the body ends with the connection
      body = buf.subarray(start);
    }
    if (/\r\nconnection: *close/.test(head)) this.close();
    this.answer({ status, text: body.toString('utf8') });
    return true;
  }
}
