// The options of `createDeepfenceClient`, and their validation. Every option is checked once, at
// construction; a wrong one throws a DeepfenceConfigurationError that names the option and the fix.
import { DeepfenceConfigurationError } from './errors';
import type { TokenStore } from './token-store';
import type { Logger, LogLevel } from './logger';

/** Time source and sleeper. Inject one in tests or simulations; the default is the real clock. */
export interface Clock {
  /** Milliseconds since the epoch, like `Date.now()`. */
  now(): number;
  /** Resolves after `ms` milliseconds, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Supplies the API key when the client needs it. */
export type ApiKeySource = () => string | Promise<string>;

/** TLS settings for a self-hosted console (Node only). */
export interface TlsOptions {
  /** PEM certificate(s) to trust in addition to the system store, e.g. the console's self-signed certificate. */
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  /** PEM client certificate, for consoles behind a proxy that checks client certificates. Needs `key`. */
  cert?: string | Uint8Array;
  /** PEM private key of `cert`. */
  key?: string | Uint8Array;
  /**
   * SHA-256 fingerprint(s) of the console's certificate (hex, colons optional). When set, a certificate
   * with this fingerprint is accepted even if self-signed, and every other certificate is refused.
   */
  pinnedSha256?: string | string[];
  /**
   * `false` accepts any certificate: anyone on the network path can then read the API key and tokens.
   * Prefer `ca` or `pinnedSha256`. Logs a warning once per client.
   */
  rejectUnauthorized?: boolean;
}

/** Back-off between retries. Delays are exponential with up to 25% jitter. */
export interface BackoffOptions {
  /** Delay before the first retry. Default 500 ms. */
  initialDelayMs?: number;
  /** Largest delay between two attempts. Default 8 s. */
  maxDelayMs?: number;
  /** A `Retry-After` longer than this is not slept on; the normal back-off is used instead. Default 60 s. */
  maxRetryAfterMs?: number;
}

export interface DeepfenceClientOptions {
  /** The console's origin, e.g. `https://console.example.com` or `https://10.0.0.5:8443`. No path. */
  baseUrl: string;
  /**
   * The API key of a console user (Settings → User Management). Sent only to `/users/auth`. May be a
   * function, called only when the client must authenticate (so a session kept in `tokenStore` can be used
   * without the key at hand); what it returns is checked then.
   */
  apiKey: string | ApiKeySource;
  /** A fetch implementation, for tests and special runtimes. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Time limit of one attempt, headers and body included. Default 30 000 ms. Overridable per call. */
  timeoutMs?: number;
  /** How many times a failed call is retried where that is safe. Default 2; 0 disables retries. */
  maxRetries?: number;
  /** Back-off between retries. */
  backoff?: BackoffOptions;
  /** Where the session's tokens live. Default: in memory, for this client only. */
  tokenStore?: TokenStore;
  /**
   * Called with the new API key after `resetApiKey()` succeeded. Persist it: the old key no longer works,
   * and losing the new one locks automation out. The client itself switches to the new key at once.
   */
  onApiKeyRotated?: (newApiKey: string) => void | Promise<void>;
  /** Refresh the access token this long before its `exp`, to absorb clock skew. Default 5 minutes. */
  refreshMarginMs?: number;
  /** A console-compatible logger. Default: `console`. */
  logger?: Logger;
  /** `off`, `error`, `warn` (default), `info` or `debug`. */
  logLevel?: LogLevel;
  /** Time source and sleeper, for tests. */
  clock?: Clock;
  /** TLS settings (Node only). */
  tls?: TlsOptions;
  /** An http(s) proxy URL (Node only). Default: `HTTPS_PROXY` / `HTTP_PROXY`, honouring `NO_PROXY`. `false` disables. */
  proxy?: string | false;
}

/** The last argument of every call. */
export interface CallOptions {
  /** Aborts the call, retries included. */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
}

const MAX_TIMEOUT_MS = 2_147_483_647; // setTimeout's limit (about 24.8 days)

export const DEFAULTS = {
  timeoutMs: 30_000,
  maxRetries: 2,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  refreshMarginMs: 5 * 60_000,
  logLevel: 'warn' as LogLevel,
};

const CLIENT_OPTIONS = [
  'baseUrl', 'apiKey', 'fetch', 'timeoutMs', 'maxRetries', 'backoff', 'tokenStore', 'onApiKeyRotated',
  'refreshMarginMs', 'logger', 'logLevel', 'clock', 'tls', 'proxy',
] as const;
const CALL_OPTIONS = ['signal', 'timeoutMs'] as const;
const BACKOFF_OPTIONS = ['initialDelayMs', 'maxDelayMs', 'maxRetryAfterMs'] as const;
export const LOG_LEVELS = ['off', 'error', 'warn', 'info', 'debug'] as const;

export function fail(message: string): never {
  throw new DeepfenceConfigurationError(message);
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.trim() === '' ? 'an empty string' : 'a string';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function squash(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

export function rejectUnknown(where: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const near = known.find((k) => squash(k) === squash(key));
    const hint = near ? `did you mean '${near}'?` : `known options: ${known.join(', ')}`;
    fail(`${where}: unknown option '${key}'; ${hint}`);
  }
}

export function requireObject(where: string, value: unknown): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${where} must be an object, got ${describe(value)}`);
  }
}

function checkNumber(name: string, value: unknown, min: number, max: number, fix: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`${name} must be a whole number from ${min} to ${max}, got ${describe(value)}; ${fix}`);
  }
  return value;
}

function checkFunction(name: string, value: unknown, fix: string): void {
  if (value !== undefined && typeof value !== 'function') fail(`${name} must be a function, got ${describe(value)}; ${fix}`);
}

/** Parses `baseUrl` into the console's origin, or throws a message that says how to write it. */
export function parseBaseUrl(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    fail(`baseUrl is required: pass the console's origin, e.g. baseUrl: 'https://console.example.com' (got ${describe(value)})`);
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    fail(`baseUrl must be an absolute http(s) URL such as 'https://console.example.com'; got a value that is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    fail(`baseUrl must use https:// (or http://), got '${url.protocol}'; pass e.g. 'https://console.example.com'`);
  }
  if (url.username || url.password) fail('baseUrl must not contain a user name or password; authenticate with apiKey instead');
  if (url.search || url.hash) fail(`baseUrl must not have a query or fragment; pass only the origin, e.g. '${url.origin}'`);
  if (url.pathname !== '/') {
    fail(`baseUrl must be the console's origin without a path (the SDK adds /deepfence/v1.5); pass '${url.origin}'`);
  }
  return url.origin;
}

/** Checks an API key and returns it without surrounding white space (which the console strips too). */
export function parseApiKey(value: unknown): string {
  if (typeof value !== 'string') {
    fail(`apiKey is required and must be a string (or a function returning one), got ${describe(value)}; copy it from Settings → User Management in the console`);
  }
  const key = value.trim();
  if (key === '') fail('apiKey must not be empty or white space; copy it from Settings → User Management in the console');
  if (/\s/.test(key)) fail('apiKey must not contain white space; check that it was copied whole');
  return key;
}

export interface ResolvedOptions {
  baseUrl: string;
  apiKey: string | ApiKeySource;
  fetch: typeof fetch | undefined;
  timeoutMs: number;
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  tokenStore: TokenStore | undefined;
  onApiKeyRotated: ((newApiKey: string) => void | Promise<void>) | undefined;
  refreshMarginMs: number;
  logger: Logger | undefined;
  logLevel: LogLevel;
  clock: Clock | undefined;
  tls: TlsOptions | undefined;
  proxy: string | false | undefined;
}

/** Validates the options of `createDeepfenceClient` and fills in the defaults. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined) fail("createDeepfenceClient needs options: { baseUrl: 'https://console.example.com', apiKey }");
  requireObject('createDeepfenceClient options', options);
  rejectUnknown('createDeepfenceClient', options, CLIENT_OPTIONS);
  const o = options as Partial<DeepfenceClientOptions>;
  const baseUrl = parseBaseUrl(o.baseUrl);
  const apiKey = typeof o.apiKey === 'function' ? o.apiKey : parseApiKey(o.apiKey);
  checkFunction('fetch', o.fetch, 'pass a fetch implementation, or leave it out to use the global fetch');
  checkFunction('onApiKeyRotated', o.onApiKeyRotated, 'pass (newApiKey) => { /* store it */ }');
  const backoff: BackoffOptions = o.backoff ?? {};
  requireObject('backoff', backoff);
  rejectUnknown('backoff', backoff, BACKOFF_OPTIONS);
  const initialDelayMs = checkNumber('backoff.initialDelayMs', backoff.initialDelayMs, 0, 600_000, 'e.g. 500') ?? DEFAULTS.initialDelayMs;
  const maxDelayMs = checkNumber('backoff.maxDelayMs', backoff.maxDelayMs, 0, 600_000, 'e.g. 8000') ?? DEFAULTS.maxDelayMs;
  if (maxDelayMs < initialDelayMs) fail('backoff.maxDelayMs must not be smaller than backoff.initialDelayMs');
  if (o.tokenStore !== undefined) {
    requireObject('tokenStore', o.tokenStore);
    for (const method of ['get', 'set', 'clear'] as const) {
      if (typeof o.tokenStore[method] !== 'function') fail(`tokenStore must have get, set and clear methods; '${method}' is missing`);
    }
  }
  if (o.logger !== undefined) {
    requireObject('logger', o.logger);
    for (const method of ['debug', 'info', 'warn', 'error'] as const) {
      if (typeof o.logger[method] !== 'function') fail(`logger must be console-compatible; '${method}' is not a function`);
    }
  }
  if (o.logLevel !== undefined && !LOG_LEVELS.includes(o.logLevel)) {
    fail(`logLevel must be one of ${LOG_LEVELS.join(', ')}; got ${describe(o.logLevel)}`);
  }
  if (o.clock !== undefined) {
    requireObject('clock', o.clock);
    if (typeof o.clock.now !== 'function' || typeof o.clock.sleep !== 'function') fail('clock must have now() and sleep(ms, signal) methods');
  }
  // tls and proxy are checked by the platform: the Node one validates them, the browser one refuses them.
  return {
    baseUrl,
    apiKey,
    fetch: o.fetch,
    timeoutMs: checkNumber('timeoutMs', o.timeoutMs, 1, MAX_TIMEOUT_MS, 'e.g. 30000 for 30 s') ?? DEFAULTS.timeoutMs,
    maxRetries: checkNumber('maxRetries', o.maxRetries, 0, 10, 'use 0 to disable retries') ?? DEFAULTS.maxRetries,
    initialDelayMs,
    maxDelayMs,
    maxRetryAfterMs: checkNumber('backoff.maxRetryAfterMs', backoff.maxRetryAfterMs, 0, 3_600_000, 'e.g. 60000') ?? DEFAULTS.maxRetryAfterMs,
    tokenStore: o.tokenStore,
    onApiKeyRotated: o.onApiKeyRotated,
    refreshMarginMs: checkNumber('refreshMarginMs', o.refreshMarginMs, 0, 12 * 3_600_000, 'e.g. 300000 for 5 minutes') ?? DEFAULTS.refreshMarginMs,
    logger: o.logger,
    logLevel: o.logLevel ?? DEFAULTS.logLevel,
    clock: o.clock,
    tls: o.tls,
    proxy: o.proxy,
  };
}

/** Validates the last argument of a call. */
export function resolveCallOptions(options: unknown, defaultTimeoutMs: number): { signal: AbortSignal | undefined; timeoutMs: number } {
  if (options === undefined) return { signal: undefined, timeoutMs: defaultTimeoutMs };
  requireObject('call options', options);
  rejectUnknown('call options', options, CALL_OPTIONS);
  const { signal } = options;
  if (signal !== undefined && !(typeof AbortSignal !== 'undefined' && signal instanceof AbortSignal)) {
    fail('signal must be an AbortSignal, e.g. AbortSignal.timeout(5000) or new AbortController().signal');
  }
  return {
    signal: signal as AbortSignal | undefined,
    timeoutMs: checkNumber('timeoutMs', options.timeoutMs, 1, MAX_TIMEOUT_MS, 'e.g. 30000 for 30 s') ?? defaultTimeoutMs,
  };
}
