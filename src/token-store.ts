// Where a session's tokens live. The default keeps them in memory; pass your own store to share one session
// between clients or processes (a Redis hash, a secret manager, the CLI's file store).

/** The tokens of one session. */
export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
}

/** A place to keep the session's tokens. Each method may be synchronous or return a promise. */
export interface TokenStore {
  get(): SessionTokens | undefined | Promise<SessionTokens | undefined>;
  set(tokens: SessionTokens): void | Promise<void>;
  clear(): void | Promise<void>;
}

/** The default store: the tokens live in this object only. */
export function memoryTokenStore(): TokenStore {
  let tokens: SessionTokens | undefined;
  return {
    get: () => tokens,
    set: (next) => {
      tokens = next;
    },
    clear: () => {
      tokens = undefined;
    },
  };
}
