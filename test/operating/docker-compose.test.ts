/** docker-compose.yml is written for users (no Docker engine runs in CI): check what it promises. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

interface Service {
  image?: string;
  build?: unknown;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: unknown };
  environment?: Record<string, string>;
  stop_grace_period?: string;
}
const root = path.resolve(__dirname, '../..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const s = compose.services;

test('the services: Temporal on PostgreSQL, Web UI, admin tools, the worker', () => {
  expect(Object.keys(s).sort()).toEqual(['postgresql', 'temporal', 'temporal-admin-tools', 'temporal-ui', 'worker']);
  expect(s.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
  expect(s.worker!.build).toBe('.');
});

test('every image tag is pinned (no latest, no bare names)', () => {
  for (const [name, svc] of Object.entries(s)) {
    if (!svc.image || name === 'worker') continue;
    expect(svc.image).toMatch(/^[\w./-]+:\d[\w.-]*$/);
    expect(svc.image).not.toMatch(/:latest$/);
  }
});

test('every service has a healthcheck, and the worker waits for a healthy server', () => {
  for (const svc of Object.values(s)) expect(svc.healthcheck?.test).toBeDefined();
  expect(s.worker!.depends_on).toMatchObject({ temporal: { condition: 'service_healthy' } });
  expect(s.temporal!.depends_on).toMatchObject({ postgresql: { condition: 'service_healthy' } });
  expect(s.worker!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
});

test('the worker image: Node 22 Debian slim (not Alpine), non-root, prebuilt bundle, grace for running activities', () => {
  const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(/^FROM node:22[\d.]*-bookworm-slim/m);
  for (const from of dockerfile.match(/^FROM .*$/gm) ?? []) expect(from).not.toMatch(/alpine/i);
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/npm run build:bundle/);
  expect(dockerfile).toMatch(/NODE_ENV=production/);
  expect(s.worker!.stop_grace_period).toBe('90s');
});

test('the worker publishes its metrics and health ports, and none clashes with another service on the host', () => {
  const published = (svc: Service & { ports?: string[] }) => (svc.ports ?? []).map((p) => String(p).split(':').at(-2));
  const all = Object.values(s).flatMap((svc) => published(svc as Service & { ports?: string[] }));
  expect(new Set(all).size).toBe(all.length);
  const worker = s.worker as Service & { ports?: string[]; healthcheck?: { test: string[] } };
  expect(published(worker)).toEqual(expect.arrayContaining(['9464', '9465']));
  const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const healthPort = /HEALTH_PORT=(\d+)/.exec(dockerfile)![1]!;
  expect(published(worker)).toContain(healthPort);
  expect(JSON.stringify(worker.healthcheck!.test)).toContain(`127.0.0.1:${healthPort}/healthz`);
  expect(published(s['temporal-ui'] as Service & { ports?: string[] })).toEqual(['8080']);
});
