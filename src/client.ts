// The facade: four methods named after the spec's operations, on top of openapi-fetch and the generated
// types. Each method picks its credential from the session, sends through the transport, and on a 401
// recovers the session once and tries once more.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { operations, paths } from '../generated/schema';
import { AuthenticationError, DeepfenceConfigurationError, InvalidResponseError, type OperationId } from './errors';
import { createLog } from './logger';
import { resolveCallOptions, resolveOptions, type CallOptions, type Clock, type ResolvedOptions } from './options';
import { MASK, SecretRegistry } from './redact';
import { Session } from './session';
import { memoryTokenStore } from './token-store';
import { send, type Operation, type Perform, type TransportSettings } from './transport';

/** The envelope's `data` of an operation's 200 answer, as the spec defines it. */
export type SuccessData<Op extends OperationId> = operations[Op]['responses'][200]['content']['application/json']['data'];
/** `authenticateApi()`: the access token (24 h) and the refresh token (30 days). */
export type TokenPair = SuccessData<'authenticateApi'>;
/** `getUserDetails()`: the user the access token was issued to. */
export type UserDetails = SuccessData<'getUserDetails'>;
/** `refreshJwtToken()`: a new access token. */
export type RefreshedAccessToken = SuccessData<'refreshJwtToken'>;
/** `resetApiKey()`: the user with the new `api_key`, and a fresh token pair. */
export type ResetApiKeyResult = SuccessData<'resetApiKey'>;

/** The openapi-fetch client underneath, typed from the spec. */
export type RawClient = Client<paths>;

const PREFIX = '/deepfence/v1.5';
const OPERATIONS = {
  authenticateApi: { id: 'authenticateApi', method: 'POST', path: `${PREFIX}/users/auth`, retry: 'unsent-only' },
  getUserDetails: { id: 'getUserDetails', method: 'GET', path: `${PREFIX}/users/me`, retry: 'idempotent' },
  refreshJwtToken: { id: 'refreshJwtToken', method: 'POST', path: `${PREFIX}/users/refresh/token`, retry: 'unsent-only' },
  resetApiKey: { id: 'resetApiKey', method: 'POST', path: `${PREFIX}/users/reset-api-key`, retry: 'never' },
} as const satisfies Record<OperationId, Operation>;

/** How a runtime sends requests: the Node entry adds TLS and proxy support, the browser entry does not. */
export interface Platform {
  /** The fetch to use for these options; throws a configuration error for options the runtime lacks. */
  transport(options: ResolvedOptions, warn: ((message: string) => void) | undefined): { fetch: typeof fetch };
}

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

function requireStrings(op: OperationId, data: unknown, fields: readonly string[]): void {
  for (const field of fields) {
    const value = (data as Record<string, unknown>)[field];
    if (typeof value !== 'string' || value === '') {
      throw new InvalidResponseError(`${op}: the answer has no ${field}; is baseUrl a Deepfence 1.x console?`, { operation: op, status: 200 });
    }
  }
}

/**
 * A client for the console's authentication API that keeps its own session. Create it with
 * `createDeepfenceClient`.
 */
export class DeepfenceClient {
  readonly #session: Session;
  readonly #http: RawClient;
  readonly #settings: TransportSettings;
  readonly #timeoutMs: number;
  readonly #onApiKeyRotated: ResolvedOptions['onApiKeyRotated'];
  #raw: RawClient | undefined;
  readonly #makeRaw: () => RawClient;
  /** The console's origin every request goes to. */
  readonly baseUrl: string;

  /** @internal Use `createDeepfenceClient`. */
  constructor(options: unknown, platform: Platform) {
    const resolved = resolveOptions(options);
    const secrets = new SecretRegistry();
    const redact = (text: string) => secrets.redact(text);
    const log = createLog(resolved.logger ?? console, resolved.logLevel, redact);
    const clock = resolved.clock ?? realClock;
    const { fetch: transportFetch } = platform.transport(resolved, log.warn);
    this.baseUrl = resolved.baseUrl;
    this.#timeoutMs = resolved.timeoutMs;
    this.#onApiKeyRotated = resolved.onApiKeyRotated;
    this.#settings = { ...resolved, origin: resolved.baseUrl, clock, random: Math.random, log, redact };
    // Redirects are never followed: a credential must not travel to wherever a Location header points.
    const clientOptions = { baseUrl: resolved.baseUrl, fetch: transportFetch, redirect: 'manual' as const };
    this.#http = createClient<paths>(clientOptions);
    this.#session = new Session({
      apiKey: resolved.apiKey,
      store: resolved.tokenStore ?? memoryTokenStore(),
      clock,
      refreshMarginMs: resolved.refreshMarginMs,
      secrets,
      log,
      authenticate: async (apiKey, signal) => {
        const pair = await this.#authenticateWith(apiKey, { signal, timeoutMs: this.#timeoutMs });
        return { accessToken: pair.access_token, refreshToken: pair.refresh_token };
      },
      refresh: async (refreshToken, signal) => (await this.#refreshWith(refreshToken, { signal, timeoutMs: this.#timeoutMs })).access_token,
    });
    this.#makeRaw = () => {
      const raw = createClient<paths>(clientOptions);
      raw.use(this.#authMiddleware());
      return raw;
    };
  }

  /** Exchanges the API key for a new token pair and keeps it as the session. */
  async authenticateApi(options?: CallOptions): Promise<TokenPair> {
    const call = resolveCallOptions(options, this.#timeoutMs);
    const tokens = await this.#session.authenticate(call.signal);
    return { access_token: tokens.accessToken, refresh_token: tokens.refreshToken };
  }

  /** The user the session's access token was issued to (a snapshot taken when the token was issued). */
  async getUserDetails(options?: CallOptions): Promise<UserDetails> {
    const call = resolveCallOptions(options, this.#timeoutMs);
    return this.#withAccessToken(OPERATIONS.getUserDetails, call, (init) => this.#http.GET(OPERATIONS.getUserDetails.path, { ...init, parseAs: 'text' })) as Promise<UserDetails>;
  }

  /**
   * Gets a new access token with the refresh token (authenticating first when no session is held) and keeps
   * it. A dead refresh token is reported as an error, not repaired: call `authenticateApi()` then.
   */
  async refreshJwtToken(options?: CallOptions): Promise<RefreshedAccessToken> {
    const call = resolveCallOptions(options, this.#timeoutMs);
    return { access_token: await this.#session.refresh(call.signal) };
  }

  /**
   * Rotates the API key. **The old key stops working at once**, for this client and for every sensor or
   * script that uses it. The client switches to the new key and tokens and calls `onApiKeyRotated`; the
   * result holds the new `api_key` too. A reset is never retried automatically (a second one would rotate
   * the key again), except after a 401, which the server sends before it changes anything.
   */
  async resetApiKey(options?: CallOptions): Promise<ResetApiKeyResult> {
    const call = resolveCallOptions(options, this.#timeoutMs);
    const op = OPERATIONS.resetApiKey;
    const data = (await this.#withAccessToken(op, call, (init) => this.#http.POST(op.path, { ...init, body: {}, parseAs: 'text' }))) as ResetApiKeyResult;
    requireStrings(op.id, data, ['api_key', 'access_token', 'refresh_token']);
    await this.#session.rotated(data.api_key, { accessToken: data.access_token, refreshToken: data.refresh_token });
    try {
      await this.#onApiKeyRotated?.(data.api_key);
    } catch (error) {
      this.#settings.log.error?.(`onApiKeyRotated failed (${error instanceof Error ? error.message : 'unknown error'}); the new key is in the result of resetApiKey(): store it now`);
    }
    return data;
  }

  /** Drops the session from this client and its token store. The next call authenticates again. */
  async logout(): Promise<void> {
    await this.#session.logout();
  }

  /**
   * The openapi-fetch client underneath, typed from the spec, for calls the facade does not wrap. Requests to
   * the console's origin get the session's credential for their path (the refresh token for
   * `/users/refresh/token`, nothing for `/users/auth`, the access token otherwise). No retries or 401
   * recovery happen here.
   */
  get raw(): RawClient {
    this.#raw ??= this.#makeRaw();
    return this.#raw;
  }

  #authMiddleware(): Middleware {
    return {
      onRequest: async ({ request }) => {
        const url = new URL(request.url);
        if (url.pathname === OPERATIONS.authenticateApi.path && request.body === null) {
          // The spec requires the body; the console would answer 400 "Missing JSON in request".
          throw new DeepfenceConfigurationError("POST /users/auth needs the body { api_key }; or call client.authenticateApi()");
        }
        if (url.origin !== this.baseUrl || request.headers.has('authorization') || url.pathname === OPERATIONS.authenticateApi.path) return undefined;
        const token = url.pathname === OPERATIONS.refreshJwtToken.path ? await this.#session.refreshToken() : await this.#session.accessToken();
        request.headers.set('Authorization', `Bearer ${token}`);
        return request;
      },
    };
  }

  async #authenticateWith(apiKey: string, call: { signal: AbortSignal | undefined; timeoutMs: number }): Promise<TokenPair> {
    const op = OPERATIONS.authenticateApi;
    const data = await this.#send(op, call, {}, (init) => this.#http.POST(op.path, { ...init, body: { api_key: apiKey }, parseAs: 'text' }));
    requireStrings(op.id, data, ['access_token', 'refresh_token']);
    return data as TokenPair;
  }

  async #refreshWith(refreshToken: string, call: { signal: AbortSignal | undefined; timeoutMs: number }): Promise<RefreshedAccessToken> {
    const op = OPERATIONS.refreshJwtToken;
    const data = await this.#send(op, call, bearer(refreshToken), (init) => this.#http.POST(op.path, { ...init, parseAs: 'text' }));
    requireStrings(op.id, data, ['access_token']);
    return data as RefreshedAccessToken;
  }

  /** Sends with the access token; after a 401, recovers the session once and sends once more. */
  async #withAccessToken(op: Operation, call: { signal: AbortSignal | undefined; timeoutMs: number }, perform: Perform): Promise<unknown> {
    const token = await this.#session.accessToken(call.signal);
    try {
      return await this.#send(op, call, bearer(token), perform);
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      this.#settings.log.info?.(`${op.id}: the access token was refused (${error.serverMessage ?? error.status}); recovering the session`);
      const fresh = await this.#session.recover(token, call.signal);
      return this.#send(op, call, bearer(fresh), perform);
    }
  }

  #send(op: Operation, call: { signal: AbortSignal | undefined; timeoutMs: number }, headers: Record<string, string>, perform: Perform): Promise<unknown> {
    return send(op, perform, { signal: call.signal, timeoutMs: call.timeoutMs, headers }, this.#settings);
  }

  /** Shows the origin, never a secret (and reads no private field, so that it also works through a Proxy). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `DeepfenceClient { baseUrl: '${this.baseUrl}', apiKey: ${MASK} }`;
  }

  toJSON(): { baseUrl: string } {
    return { baseUrl: this.baseUrl };
  }
}

function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

