/** `/healthz` (200 while the worker runs, 503 while it drains or after) and `/metrics` (run counters). */
import * as http from 'node:http';
import type { RunMetrics } from './telemetry';

export async function startHealthServer(port: number, state: () => string, metrics: RunMetrics): Promise<{ close: () => Promise<void>; port: number }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      const s = state();
      res.writeHead(s === 'RUNNING' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ state: s }));
    } else if (req.url === '/metrics') {
      metrics.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text))
        .catch((err: Error) => res.writeHead(500).end(err.message));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
