// The session against a fake console that behaves like the real one, through `prism proxy --errors`.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AuthenticationError,
  NotFoundError,
  fileTokenStore,
  memoryTokenStore,
  type SessionTokens,
  type TokenStore,
} from '../../src/index';
import { ACCESS_LIFETIME_S } from '../fake-console/server';
import { FakeClock } from '../fake-console/clock';
import { useFakeConsole, violations } from './harness';

const h = useFakeConsole({ behindPrism: true });

describe('lazy authentication', () => {
  it('authenticates on the first protected call, then sends the access token', async () => {
    const client = h.client();
    const me = await client.getUserDetails();
    expect(me.email).toBe('ada@example.com');
    expect(h.fake.requests.map((r) => [r.endpoint, r.tokenType])).toEqual([
      ['auth', 'none'],
      ['me', 'access'],
    ]);
  });

  it('shares one authentication between concurrent first calls', async () => {
    const client = h.client();
    const results = await Promise.all(Array.from({ length: 50 }, () => client.getUserDetails()));
    expect(results).toHaveLength(50);
    expect(h.fake.seen('auth')).toHaveLength(1);
    expect(h.fake.seen('me', 'access')).toHaveLength(50);
  });
});

describe('early refresh before exp', () => {
  it('refreshes when the access token is within the margin of its expiry, before the server refuses it', async () => {
    const client = h.client({ refreshMarginMs: 5 * 60_000 });
    await client.getUserDetails();
    h.fake.clock.advance(ACCESS_LIFETIME_S * 1000 - 4 * 60_000); // 4 minutes left
    await client.getUserDetails();
    expect(h.fake.requests.map((r) => [r.endpoint, r.status])).toEqual([
      ['auth', 200],
      ['me', 200],
      ['refresh', 200],
      ['me', 200],
    ]);
  });

  it('does not refresh a token with more time left than the margin', async () => {
    const client = h.client({ refreshMarginMs: 5 * 60_000 });
    await client.getUserDetails();
    h.fake.clock.advance(ACCESS_LIFETIME_S * 1000 - 6 * 60_000);
    await client.getUserDetails();
    expect(h.fake.seen('refresh')).toHaveLength(0);
  });

  it('tolerates a client clock that runs behind the server by less than the margin', async () => {
    const lagging = new FakeClock(h.fake.clock.now() - 2 * 60_000);
    const client = h.client({ clock: lagging, refreshMarginMs: 5 * 60_000 });
    await client.getUserDetails();
    // The server thinks 3 minutes are left; the client thinks 5: it must still refresh, without a 401.
    h.fake.clock.advance(ACCESS_LIFETIME_S * 1000 - 3 * 60_000);
    lagging.advance(ACCESS_LIFETIME_S * 1000 - 3 * 60_000);
    await client.getUserDetails();
    expect(h.fake.requests.map((r) => r.status)).not.toContain(401);
    expect(h.fake.seen('refresh')).toHaveLength(1);
  });

  it('uses a token it cannot decode until the server answers 401, then refreshes once', async () => {
    const pair = h.fake.issuePair();
    const store = memoryTokenStore();
    store.set({ accessToken: 'opaque-token-that-is-no-jwt', refreshToken: pair.refresh_token });
    const client = h.client({ tokenStore: store });
    await client.getUserDetails();
    expect(h.fake.requests.map((r) => [r.endpoint, r.tokenType, r.status])).toEqual([
      ['me', 'invalid', 401],
      ['refresh', 'refresh', 200],
      ['me', 'access', 200],
    ]);
  });

  it('gives 1,000 concurrent calls on an expired access token exactly one refresh, and all succeed', async () => {
    const client = h.client();
    await client.getUserDetails();
    h.fake.clock.advance(ACCESS_LIFETIME_S * 1000 + 1000);
    const results = await Promise.all(Array.from({ length: 1000 }, () => client.getUserDetails()));
    expect(results.every((me) => me.email === 'ada@example.com')).toBe(true);
    expect(h.fake.seen('refresh')).toHaveLength(1);
    expect(h.fake.seen('auth')).toHaveLength(1);
    expect(h.fake.seen('me').filter((r) => r.status !== 200)).toEqual([]);
  });
});

describe('recovery after a 401', () => {
  it('refreshes once and retries once when the access token was revoked', async () => {
    const client = h.client();
    await client.getUserDetails();
    h.fake.revoke(h.fake.seen('me')[0]!.token!);
    await client.getUserDetails();
    expect(h.fake.requests.map((r) => [r.endpoint, r.status])).toEqual([
      ['auth', 200],
      ['me', 200],
      ['me', 401],
      ['refresh', 200],
      ['me', 200],
    ]);
  });

  it('shares one refresh between 200 concurrent callers that all got a 401', async () => {
    const client = h.client();
    await client.getUserDetails();
    h.fake.revoke(h.fake.seen('me')[0]!.token!);
    await Promise.all(Array.from({ length: 200 }, () => client.getUserDetails()));
    expect(h.fake.seen('refresh')).toHaveLength(1);
    expect(h.fake.seen('me').filter((r) => r.status === 200)).toHaveLength(201);
  });

  it('re-authenticates exactly once when the refresh token was revoked too', async () => {
    const client = h.client();
    await client.getUserDetails();
    h.fake.flushAllowList(); // a Redis restart: every token is revoked
    await client.getUserDetails();
    expect(h.fake.requests.map((r) => [r.endpoint, r.status])).toEqual([
      ['auth', 200],
      ['me', 200],
      ['me', 401],
      ['refresh', 401],
      ['auth', 200],
      ['me', 200],
    ]);
  });

  it('gives a deactivated user a clear error after a bounded number of requests', async () => {
    const client = h.client();
    await client.getUserDetails();
    h.fake.deactivateUser();
    h.fake.clock.advance(ACCESS_LIFETIME_S * 1000 + 1000);
    const error = await client.getUserDetails().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).message).toMatch(/no active user has this API key/);
    expect((error as NotFoundError).message).not.toContain(h.fake.apiKey);
    expect(h.fake.requests.slice(2).map((r) => [r.endpoint, r.status])).toEqual([
      ['refresh', 404],
      ['auth', 404],
    ]);
  });

  it('gives up with an AuthenticationError when even fresh tokens are refused, without looping', async () => {
    const client = h.client();
    await client.getUserDetails();
    // Every answer of /users/me is a 401 from now on.
    h.fake.fail('me', { kind: 'status', status: 401, body: JSON.stringify({ msg: 'Token has been revoked' }) }, 10);
    const error = await client.getUserDetails().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).serverMessage).toBe('Token has been revoked');
    expect(h.fake.requests.slice(2).map((r) => r.endpoint)).toEqual(['me', 'refresh', 'me']);
  });

});

describe('credentials go only where they belong', () => {
  it('sends the API key only to /users/auth, the refresh token only to refresh, the access token elsewhere', async () => {
    const client = h.client();
    await client.getUserDetails();
    await client.refreshJwtToken();
    h.fake.flushAllowList();
    await client.getUserDetails();
    await client.resetApiKey();
    await client.getUserDetails();
    const apiKeys = h.fake.seen('auth').map((r) => (JSON.parse(r.body) as { api_key: string }).api_key);
    expect(apiKeys.length).toBeGreaterThan(0);
    for (const r of h.fake.requests) {
      const sent = JSON.stringify(r.headers) + (r.endpoint === 'auth' ? '' : r.body);
      for (const key of apiKeys) expect(sent).not.toContain(key);
      const expected = { auth: 'none', me: 'access', reset: 'access', refresh: 'refresh', unknown: 'none' }[r.endpoint];
      // A revoked token still decodes: its type shows which credential went where.
      expect([r.endpoint, r.tokenType]).toEqual([r.endpoint, expected]);
    }
  });

  it('gives the raw client the right credential per path, and none for another origin', async () => {
    const client = h.client();
    const me = await client.raw.GET('/deepfence/v1.5/users/me');
    expect(me.data?.data.email).toBe('ada@example.com');
    const refreshed = await client.raw.POST('/deepfence/v1.5/users/refresh/token');
    expect(refreshed.response.status).toBe(200);
    const elsewhere = await client.raw.GET('/deepfence/v1.5/users/me', { baseUrl: h.fake.url });
    expect(elsewhere.response.status).toBe(401);
    expect(h.fake.requests.map((r) => [r.endpoint, r.tokenType])).toEqual([
      ['auth', 'none'],
      ['me', 'access'],
      ['refresh', 'refresh'],
      ['me', 'none'],
    ]);
  });
});

describe('reset', () => {
  it('switches to the new key and tokens at once, reports the key, and the old key is dead', async () => {
    const rotated: string[] = [];
    const client = h.client({ onApiKeyRotated: (key) => void rotated.push(key) });
    const oldKey = h.fake.apiKey;
    const result = await client.resetApiKey();
    expect(result.api_key).toBe(h.fake.apiKey);
    expect(result.api_key).not.toBe(oldKey);
    expect(rotated).toEqual([result.api_key]);
    await client.getUserDetails();
    expect(h.fake.seen('me')[0]!.headers.authorization).toBe(`Bearer ${result.access_token}`);
    // The client now authenticates with the new key; the old one is refused.
    await client.logout();
    await client.getUserDetails();
    expect(JSON.parse(h.fake.seen('auth').at(-1)!.body)).toEqual({ api_key: result.api_key });
    const stale = h.client({ apiKey: oldKey });
    await expect(stale.authenticateApi()).rejects.toBeInstanceOf(NotFoundError);
  });

  it('still returns the new key when onApiKeyRotated throws, and logs that it must be stored', async () => {
    const lines: string[] = [];
    const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (line: string) => void lines.push(line) };
    const client = h.client({ logger, logLevel: 'error', onApiKeyRotated: () => Promise.reject(new Error('disk full')) });
    const result = await client.resetApiKey();
    expect(result.api_key).toBe(h.fake.apiKey);
    expect(lines).toEqual([expect.stringMatching(/onApiKeyRotated failed \(disk full\).*store it now/)]);
  });
});

describe('token stores and logout', () => {
  it('lets two clients share one session through an async store', async () => {
    let saved: SessionTokens | undefined;
    const store: TokenStore = {
      get: async () => saved,
      set: async (tokens) => void (saved = tokens),
      clear: async () => void (saved = undefined),
    };
    await h.client({ tokenStore: store }).getUserDetails();
    await h.client({ tokenStore: store }).getUserDetails();
    expect(h.fake.seen('auth')).toHaveLength(1);
    expect(h.fake.seen('me', 'access')).toHaveLength(2);
  });

  it('adopts a token another client refreshed into the shared store instead of refreshing again', async () => {
    const store = memoryTokenStore();
    const a = h.client({ tokenStore: store });
    const b = h.client({ tokenStore: store });
    await a.getUserDetails();
    await b.getUserDetails();
    h.fake.clock.advance(ACCESS_LIFETIME_S * 1000 + 1000);
    await a.getUserDetails();
    await b.getUserDetails();
    expect(h.fake.seen('refresh')).toHaveLength(1);
  });

  it('calls an apiKey function only when it must authenticate, and reports its failure as a configuration error', async () => {
    const store = memoryTokenStore();
    await h.client({ tokenStore: store }).authenticateApi();
    let asked = 0;
    const client = h.client({ tokenStore: store, apiKey: () => (asked++, h.fake.apiKey) });
    await client.getUserDetails();
    expect(asked).toBe(0);
    h.fake.flushAllowList();
    await client.getUserDetails();
    expect(asked).toBe(1);
    const failing = h.client({ apiKey: () => Promise.reject(new Error('vault sealed')) });
    await expect(failing.getUserDetails()).rejects.toMatchObject({ kind: 'configuration', message: 'apiKey() failed: vault sealed' });
    await expect(h.client({ apiKey: () => '  ' }).getUserDetails()).rejects.toThrow(/apiKey must not be empty/);
  });

  it('logout drops the session from the client and its store', async () => {
    const store = memoryTokenStore();
    const client = h.client({ tokenStore: store });
    await client.getUserDetails();
    expect(store.get()).toBeDefined();
    await client.logout();
    expect(store.get()).toBeUndefined();
    await client.getUserDetails();
    expect(h.fake.seen('auth')).toHaveLength(2);
  });

  it('reports a failing store as a TokenStoreError without its secrets', async () => {
    const store: TokenStore = { get: () => undefined, set: () => Promise.reject(new Error(`cannot write ${h.fake.apiKey}`)), clear: () => {} };
    const error = await h.client({ tokenStore: store }).getUserDetails().catch((e: unknown) => e as Error);
    expect(error.name).toBe('TokenStoreError');
    expect(error.message).toMatch(/tokenStore\.set\(\) failed: cannot write \*\*\*/);
  });

  describe('the file store', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'deepfence-store-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('keeps the session in a file only its owner can read, shared by a second client', async () => {
      const file = path.join(dir, 'nested', 'session.json');
      await h.client({ tokenStore: fileTokenStore(file) }).getUserDetails();
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
      await h.client({ tokenStore: fileTokenStore(file) }).getUserDetails();
      expect(h.fake.seen('auth')).toHaveLength(1);
    });

    it('writes atomically: no temporary file is left, and a rewrite replaces the whole file', async () => {
      const file = path.join(dir, 'session.json');
      const store = fileTokenStore(file);
      await store.set({ accessToken: 'a'.repeat(5000), refreshToken: 'r' });
      await store.set({ accessToken: 'b', refreshToken: 'r2' });
      expect(await store.get()).toEqual({ accessToken: 'b', refreshToken: 'r2' });
      expect(await readdir(dir)).toEqual(['session.json']);
      await store.clear();
      expect(await store.get()).toBeUndefined();
    });
  });
});

it('the proxy saw no spec violation in this file', () => {
  expect(violations(h.prism)).toEqual([]);
});
