/**
 * How the client and the worker reach Temporal: @temporalio/envconfig (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS, profiles in ~/.config/temporalio/temporal.toml), with
 * the config file's `temporal.address` / `namespace` taking precedence. The namespace is passed
 * through everywhere.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { Client, Connection } from '@temporalio/client';
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

export async function connectClient(config: Config): Promise<{ client: Client; close: () => Promise<void>; namespace: string }> {
  const target = temporalTarget(config);
  const { address, tls, apiKey, metadata } = target.connectionOptions;
  const connection = await Connection.connect({ address, tls, apiKey: apiKey as string | undefined, metadata });
  return { client: new Client({ connection, namespace: target.namespace }), close: () => connection.close(), namespace: target.namespace };
}
