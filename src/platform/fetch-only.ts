// The transport of runtimes without Node's TLS and proxy controls (browsers, workers): the given or global fetch.
import type { Platform } from '../client';
import { DeepfenceConfigurationError } from '../errors';

export const fetchOnlyPlatform: Platform = {
  transport(options) {
    if (options.tls !== undefined || (options.proxy !== undefined && options.proxy !== false)) {
      throw new DeepfenceConfigurationError('tls and proxy need Node.js; in this runtime, configure trust and proxies in the browser or the system');
    }
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new DeepfenceConfigurationError('no global fetch in this runtime: pass options.fetch');
    return { fetch: fetchImpl };
  },
};
