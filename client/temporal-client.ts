/**
 * How the client and the worker reach Temporal: @temporalio/envconfig (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS, profiles in ~/.config/temporalio/temporal.toml), with
 * the config file's `temporal.address` / `namespace` taking precedence. The namespace is passed
 * through everywhere.
 *
 * A server that is not there is reported at once, with its address and what to do: a TCP probe
 * answers "connection refused" in milliseconds, where the gRPC client would retry for 10 s.
 */
import * as net from 'node:net';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from '../common/config';

export interface TemporalTarget {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
}

export function temporalTarget(config: Config): TemporalTarget {
  const loaded = loadClientConnectConfig();
  const connectionOptions: NativeConnectionOptions = { ...loaded.connectionOptions };
  if (config.temporal.address) connectionOptions.address = config.temporal.address;
  if (!connectionOptions.address) connectionOptions.address = 'localhost:7233';
  return { connectionOptions, namespace: config.temporal.namespace ?? loaded.namespace ?? 'default' };
}

/** How long a silent (filtered) address gets before it counts as unreachable. */
const PROBE_TIMEOUT_MS = 3000;
const CONNECT_TIMEOUT_MS = 5000;

export class TemporalUnreachableError extends Error {
  override name = 'TemporalUnreachableError';
  constructor(
    readonly address: string,
    readonly detail: string
  ) {
    super(
      `cannot reach Temporal at ${address} (${detail}).\n` +
        `  On this machine, "npm start -- --keep" runs a dev server on localhost:7233. Elsewhere, point this command at\n` +
        `  your server: temporal.address in the config file, or TEMPORAL_ADDRESS (and TEMPORAL_API_KEY / TLS for Temporal Cloud).`
    );
  }
}

/** gRPC UNAVAILABLE: the server went away or was never there. */
export function isUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e) && e.code === 14) return true;
  }
  return false;
}

export function splitAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address.trim());
  if (!m) return { host: address.trim(), port: 7233 };
  return { host: m[1]!, port: Number(m[2]) };
}

/** Resolves when something accepts TCP connections at the address; rejects with the reason otherwise. */
export function probeTcp(address: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  const { host, port } = splitAddress(address);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TemporalUnreachableError(address, `no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const detail =
        err.code === 'ECONNREFUSED'
          ? 'connection refused: nothing listens there'
          : err.code === 'ENOTFOUND'
            ? `unknown host ${host}`
            : (err.code ?? err.message);
      reject(new TemporalUnreachableError(address, detail));
    });
  });
}

export async function connectClient(
  config: Config
): Promise<{ client: Client; close: () => Promise<void>; namespace: string; address: string }> {
  const target = temporalTarget(config);
  const { address, tls, apiKey, metadata } = target.connectionOptions;
  const where = address ?? 'localhost:7233';
  await probeTcp(where);
  let connection: Connection;
  try {
    connection = await Connection.connect({
      address: where,
      tls,
      apiKey: apiKey as string | undefined,
      metadata,
      connectTimeout: CONNECT_TIMEOUT_MS,
    });
  } catch (err) {
    // Refused credentials or a bad TLS setup are not "unreachable": they keep their own message.
    if (isUnavailable(err) || /deadline|failed to connect/i.test((err as Error).message))
      throw new TemporalUnreachableError(where, (err as Error).message);
    throw err;
  }
  return {
    client: new Client({ connection, namespace: target.namespace }),
    close: () => connection.close(),
    namespace: target.namespace,
    address: where,
  };
}
