// deepfence-runtime-api: a typed client for the Deepfence console's authentication API (Runtime API v1.5).
// Everything public is exported from this file.
import { DeepfenceClient } from './client';
import type { DeepfenceClientOptions } from './options';
import { nodePlatform } from './platform/node';

/**
 * Creates a client for one console and one API key. The options are checked here: a missing API key, a
 * `baseUrl` that is not an absolute http(s) origin or an unknown option throws a
 * `DeepfenceConfigurationError` at once.
 *
 * @example
 * const client = createDeepfenceClient({ baseUrl: 'https://console.example.com', apiKey: process.env.DEEPFENCE_API_KEY! });
 * const me = await client.getUserDetails();
 */
export function createDeepfenceClient(options: DeepfenceClientOptions): DeepfenceClient {
  return new DeepfenceClient(options, nodePlatform);
}

export { DeepfenceClient };
export type { RawClient, RefreshedAccessToken, ResetApiKeyResult, SuccessData, TokenPair, UserDetails } from './client';
export * from './errors';
export type { BackoffOptions, CallOptions, Clock, DeepfenceClientOptions, TlsOptions } from './options';
export type { Logger, LogLevel } from './logger';
export { memoryTokenStore, type SessionTokens, type TokenStore } from './token-store';
export { fileTokenStore } from './node/file-token-store';
export type { components, operations, paths } from '../generated/schema';
