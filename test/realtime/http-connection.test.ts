/**
 * The load client's connection against a real Node HTTP server: many requests on one keep-alive
 * socket, a chunked answer, an answer that closes the connection (the next request reconnects),
 * and a connection the server drops (status 0, so the caller retries).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpConnection, wireRequest } from './http-connection';

let server: http.Server;
let port = 0;
const sockets = new Set<unknown>();
beforeAll(async () => {
  server = http.createServer((req, res) => {
    sockets.add(req.socket);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      if (req.url === '/chunked') {
        res.writeHead(201, { 'content-type': 'text/plain' });
        res.write('part one, ');
        res.end(`then ${body}`);
      } else if (req.url === '/close') res.writeHead(413, { connection: 'close', 'content-length': 3 }).end('big');
      else if (req.url === '/drop') req.socket.destroy();
      else res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const wire = (path: string, body: string) => wireRequest({ path, host: `127.0.0.1:${port}`, headers: { 'content-type': 'text/plain' }, body });

test('requests share one keep-alive socket; chunked and closing answers are read whole; a dropped connection is status 0', async () => {
  const conn = new HttpConnection('127.0.0.1', port);
  try {
    for (let i = 0; i < 20; i++) expect(await conn.request(wire('/echo', `hello ${i} é`))).toEqual({ status: 200, text: `hello ${i} é` });
    expect(sockets.size).toBe(1);
    expect(await conn.request(wire('/chunked', 'the rest'))).toEqual({ status: 201, text: 'part one, then the rest' });
    expect(await conn.request(wire('/close', 'x'))).toEqual({ status: 413, text: 'big' });
    expect(await conn.request(wire('/echo', 'again'))).toEqual({ status: 200, text: 'again' });
    expect(sockets.size).toBe(2); // reconnected after the close
    expect((await conn.request(wire('/drop', 'x'))).status).toBe(0);
    expect(await conn.request(wire('/echo', 'after the drop'))).toEqual({ status: 200, text: 'after the drop' });
  } finally {
    conn.close();
  }
});
