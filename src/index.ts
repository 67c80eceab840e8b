// deepfence-runtime-api: a typed client for the Deepfence console's authentication API (Runtime API v1.5).
// This is the Node entry; `browser.ts` is the same without TLS, proxy and file store.
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

export * from './api';
export { fileTokenStore } from './node/file-token-store';
