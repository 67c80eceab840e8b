// deepfence-runtime-api for browsers and other runtimes without Node's TLS and proxy controls: the same
// client without `tls`, `proxy` and the file token store. Bundlers pick this file through the `browser`
// condition of the package's exports.
import { DeepfenceClient } from './client';
import type { DeepfenceClientOptions } from './options';
import { fetchOnlyPlatform } from './platform/fetch-only';

/** Creates a client for one console and one API key (`tls` and `proxy` are Node-only and refused here). */
export function createDeepfenceClient(options: DeepfenceClientOptions): DeepfenceClient {
  return new DeepfenceClient(options, fetchOnlyPlatform);
}

export * from './api';
