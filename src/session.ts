// The token lifecycle, in one place: lazy authentication, early refresh before `exp`, recovery after a 401,
// the switch to a new key after a reset, logout. At most one exchange (authentication or refresh) is in
// flight at a time, and every waiting caller shares its outcome, success or failure.
import { AbortError, AuthenticationError, DeepfenceConfigurationError, DeepfenceError, NotFoundError, TokenStoreError } from './errors';
import { needsRefresh, readJwtExpiry } from './jwt';
import type { Log } from './logger';
import { parseApiKey, type ApiKeySource, type Clock } from './options';
import type { SecretRegistry } from './redact';
import type { SessionTokens, TokenStore } from './token-store';

export interface SessionDeps {
  apiKey: string | ApiKeySource;
  store: TokenStore;
  clock: Clock;
  refreshMarginMs: number;
  secrets: SecretRegistry;
  log: Log;
  /** Exchanges the API key for a token pair (`POST /users/auth`). */
  authenticate(apiKey: string, signal: AbortSignal | undefined): Promise<SessionTokens>;
  /** Exchanges the refresh token for an access token (`POST /users/refresh/token`). */
  refresh(refreshToken: string, signal: AbortSignal | undefined): Promise<string>;
}

/** A refresh failing this way means the refresh token is dead; the API key may still work. */
function refreshTokenIsDead(error: unknown): boolean {
  return error instanceof AuthenticationError || error instanceof NotFoundError;
}

export class Session {
  #deps: SessionDeps;
  #apiKey: string | ApiKeySource;
  #tokens: SessionTokens | undefined;
  #loaded: Promise<void> | undefined;
  /** True once the first read of the store has finished: calls then skip awaiting it. */
  #ready = false;
  /** Bumped whenever the tokens change, so that a slower, older exchange never overwrites newer tokens. */
  #generation = 0;
  /** Bumped by logout and by a key rotation: a call that began before either must not bring old state back. */
  #epoch = 0;
  #flight: Promise<SessionTokens> | undefined;
  #expiryToken: string | undefined;
  #expiresAt: number | undefined;
  /** The epoch the flight belongs to: callers of a later epoch wait for it to end, then run their own. */
  #flightEpoch = 0;

  constructor(deps: SessionDeps) {
    this.#deps = deps;
    this.#apiKey = deps.apiKey;
    if (typeof deps.apiKey === 'string') deps.secrets.add(deps.apiKey);
  }

  /** The tokens held now, without any request. */
  async current(): Promise<SessionTokens | undefined> {
    await this.#load();
    return this.#tokens;
  }

  /** An access token ready to send: authenticates when none is held, refreshes one that is about to expire. */
  async accessToken(signal?: AbortSignal): Promise<string> {
    const epoch = this.#epoch;
    if (!this.#ready) await this.#load();
    const tokens = this.#tokens;
    if (!tokens) return (await this.#exchange(epoch, () => this.#authenticate(signal))).accessToken;
    if (needsRefresh(this.#expiryOf(tokens.accessToken), this.#deps.clock.now(), this.#deps.refreshMarginMs)) {
      return (await this.#exchange(epoch, () => this.#renewEarly(tokens, signal))).accessToken;
    }
    return tokens.accessToken;
  }

  /** The refresh token, authenticating first when none is held. */
  async refreshToken(signal?: AbortSignal): Promise<string> {
    const epoch = this.#epoch;
    await this.#load();
    const tokens = this.#tokens ?? (await this.#exchange(epoch, () => this.#authenticate(signal)));
    return tokens.refreshToken;
  }

  /**
   * After the server refused `rejected` with a 401: a token someone else already obtained, or one refresh
   * (shared by every caller), or, when the refresh token is dead too, one re-authentication.
   */
  async recover(rejected: string, signal?: AbortSignal): Promise<string> {
    const epoch = this.#epoch;
    if (this.#flight && this.#flightEpoch === epoch) return (await this.#flight).accessToken;
    const latest = await this.#reload();
    if (latest && latest.accessToken !== rejected) return latest.accessToken;
    return (await this.#exchange(epoch, () => (latest ? this.#renew(latest, signal, false) : this.#authenticate(signal)))).accessToken;
  }

  /** An explicit authentication: always asks the server, shares a flight already under way. */
  async authenticate(signal?: AbortSignal): Promise<SessionTokens> {
    const epoch = this.#epoch;
    await this.#load();
    return this.#exchange(epoch, () => this.#authenticate(signal));
  }

  /** An explicit refresh: returns the new access token; a dead refresh token is the caller's to see. */
  async refresh(signal?: AbortSignal): Promise<string> {
    const epoch = this.#epoch;
    const refreshToken = await this.refreshToken(signal);
    const tokens = await this.#exchange(epoch, async () => ({ accessToken: await this.#deps.refresh(refreshToken, signal), refreshToken }));
    return tokens.accessToken;
  }

  /** The server rotated the key (reset): switch to the new key and tokens at once. */
  async rotated(apiKey: string, tokens: SessionTokens): Promise<void> {
    this.#epoch++;
    this.#apiKey = apiKey;
    this.#deps.secrets.add(apiKey);
    await this.#commit(tokens);
  }

  /** Drops the session here and in the store. An exchange still in flight will not bring it back. */
  async logout(): Promise<void> {
    this.#epoch++;
    this.#generation++;
    this.#tokens = undefined;
    this.#loaded = Promise.resolve();
    this.#ready = true;
    await this.#store('clear', () => this.#deps.store.clear());
  }

  /** The access token's expiry, decoded once per token: this runs on every call. */
  #expiryOf(accessToken: string): number | undefined {
    if (accessToken !== this.#expiryToken) {
      this.#expiryToken = accessToken;
      this.#expiresAt = readJwtExpiry(accessToken);
    }
    return this.#expiresAt;
  }

  /**
   * Runs one exchange at a time; callers that arrive meanwhile share its result or its failure. The result
   * is kept only if nothing newer happened since the exchange began, and no logout or rotation since the
   * caller began (`epoch`).
   */
  #exchange(epoch: number, run: () => Promise<SessionTokens>): Promise<SessionTokens> {
    if (this.#flight && this.#flightEpoch === epoch) return this.#flight;
    // A flight from before a logout or rotation may still be under way: never overlap it.
    const previous = this.#flight;
    const overtaken = (): SessionTokens => {
      if (this.#tokens) return this.#tokens;
      throw new AbortError('the session was logged out while this call waited for tokens; call again to start a new session');
    };
    const flight = (async () => {
      await previous?.catch(() => undefined);
      // A caller from before a logout or reset does not start an exchange of its own: the newer state wins.
      if (epoch !== this.#epoch) return overtaken();
      const generation = this.#generation;
      const tokens = await run();
      if (generation !== this.#generation || epoch !== this.#epoch) {
        // A newer exchange, a reset or a logout overtook this one: its tokens win, and these are dropped.
        this.#deps.log.debug?.('discarding tokens from an exchange that newer tokens, a reset or a logout overtook');
        return overtaken();
      }
      await this.#commit(tokens);
      return tokens;
    })();
    this.#flight = flight;
    this.#flightEpoch = epoch;
    const clear = () => {
      if (this.#flight === flight) this.#flight = undefined;
    };
    flight.then(clear, clear);
    return flight;
  }

  async #authenticate(signal: AbortSignal | undefined): Promise<SessionTokens> {
    return this.#deps.authenticate(await this.#resolveApiKey(), signal);
  }

  async #resolveApiKey(): Promise<string> {
    if (typeof this.#apiKey === 'string') return this.#apiKey;
    let supplied: unknown;
    try {
      supplied = await this.#apiKey();
    } catch (error) {
      if (error instanceof DeepfenceError) throw error;
      const message = error instanceof Error ? this.#deps.secrets.redact(error.message) : 'unknown error';
      throw new DeepfenceConfigurationError(`apiKey() failed: ${message}`);
    }
    const key = parseApiKey(supplied);
    this.#deps.secrets.add(key);
    return key;
  }

  /** An early refresh, unless another client sharing the store has refreshed already. */
  async #renewEarly(tokens: SessionTokens, signal: AbortSignal | undefined): Promise<SessionTokens> {
    const { clock, refreshMarginMs } = this.#deps;
    const stored = await this.#reload();
    if (stored && stored.accessToken !== tokens.accessToken && !needsRefresh(readJwtExpiry(stored.accessToken), clock.now(), refreshMarginMs)) {
      return stored;
    }
    return this.#renew(tokens, signal, true);
  }

  /** Refreshes `tokens`; re-authenticates when the refresh token is dead. (`recover` has just read the store.) */
  async #renew(tokens: SessionTokens, signal: AbortSignal | undefined, early: boolean): Promise<SessionTokens> {
    const { clock, log } = this.#deps;
    if (needsRefresh(readJwtExpiry(tokens.refreshToken), clock.now(), 0)) {
      log.info?.('refresh token expired: authenticating again with the API key');
      return this.#authenticate(signal);
    }
    try {
      return { accessToken: await this.#deps.refresh(tokens.refreshToken, signal), refreshToken: tokens.refreshToken };
    } catch (error) {
      if (refreshTokenIsDead(error)) {
        log.info?.('refresh token refused: authenticating again with the API key');
        return this.#authenticate(signal);
      }
      // An early refresh that failed for another reason (network, 5xx): the token still works until exp.
      const expiresAt = readJwtExpiry(tokens.accessToken);
      if (early && expiresAt !== undefined && expiresAt > clock.now()) {
        log.warn?.(`early refresh failed (${(error as Error).message}); using the current access token until it expires`);
        return tokens;
      }
      throw error;
    }
  }

  async #commit(tokens: SessionTokens): Promise<void> {
    this.#generation++;
    this.#tokens = tokens;
    this.#deps.secrets.add(tokens.accessToken);
    this.#deps.secrets.add(tokens.refreshToken);
    await this.#store('set', () => this.#deps.store.set(tokens));
  }

  #load(): Promise<void> {
    this.#loaded ??= this.#reload().then(() => {
      this.#ready = true;
    });
    return this.#loaded;
  }

  /** Reads the store again; adopts what it holds unless an exchange of ours is newer. */
  async #reload(): Promise<SessionTokens | undefined> {
    const generation = this.#generation;
    const stored = await this.#store('get', () => this.#deps.store.get());
    if (generation === this.#generation && stored !== undefined) {
      if (!isTokens(stored)) throw new TokenStoreError('tokenStore.get() returned something other than { accessToken, refreshToken } strings; clear the store');
      this.#tokens = stored;
      this.#deps.secrets.add(stored.accessToken);
      this.#deps.secrets.add(stored.refreshToken);
    }
    return this.#tokens;
  }

  async #store<T>(method: 'get' | 'set' | 'clear', run: () => T | Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const message = error instanceof Error ? this.#deps.secrets.redact(error.message) : 'unknown error';
      throw new TokenStoreError(`tokenStore.${method}() failed: ${message}`, { cause: error instanceof Error ? new Error(message) : undefined });
    }
  }
}

function isTokens(value: unknown): value is SessionTokens {
  const t = value as SessionTokens | null;
  return typeof t === 'object' && t !== null && typeof t.accessToken === 'string' && t.accessToken !== '' && typeof t.refreshToken === 'string' && t.refreshToken !== '';
}
