// Fault injection against the fake console: each fault asserts the typed outcome and the exact number of
// requests the server saw. Back-off sleeps go to the fake clock, so no test waits on wall-clock back-off.
import {
  AbortError,
  ConnectionError,
  InvalidResponseError,
  RateLimitError,
  RedirectError,
  ServerError,
  TimeoutError,
  type DeepfenceClientOptions,
} from '../../src/index';
import { getEventListeners } from 'node:events';
import { FakeConsole } from '../fake-console/server';
import { createTestClient } from '../support/test-client';

let fake: FakeConsole;
let elsewhere: FakeConsole;
beforeAll(async () => {
  fake = await FakeConsole.start();
  elsewhere = await FakeConsole.start();
});
afterAll(async () => {
  await Promise.all([fake.close(), elsewhere.close()]);
});
beforeEach(() => {
  fake.reset();
  elsewhere.reset();
});

const backoff = { initialDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60_000 };
function client(options: Partial<DeepfenceClientOptions> = {}) {
  return createTestClient({ baseUrl: fake.url, apiKey: fake.apiKey, clock: fake.clock, logLevel: 'off', backoff, ...options });
}

/** A client that already holds a session, and the number of requests that cost. */
async function signedIn(options: Partial<DeepfenceClientOptions> = {}) {
  const c = client(options);
  await c.authenticateApi();
  return c;
}
const after = (skip: number) => fake.requests.slice(skip).map((r) => `${r.endpoint} ${r.status}`);

describe('connection reset', () => {
  it('is retried on /users/me (idempotent) up to maxRetries, then a ConnectionError', async () => {
    const c = await signedIn({ maxRetries: 2 });
    fake.fail('me', { kind: 'reset' }, 3);
    const error = await c.getUserDetails().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).message).toMatch(/getUserDetails: the connection to http:\/\/127\.0\.0\.1:\d+ was reset/);
    expect(after(1)).toEqual(['me 0', 'me 0', 'me 0']);
  });

  it('is not retried on /users/auth, since the request was sent', async () => {
    fake.fail('auth', { kind: 'reset' });
    await expect(client({ maxRetries: 2 }).authenticateApi()).rejects.toBeInstanceOf(ConnectionError);
    expect(after(0)).toEqual(['auth 0']);
  });

  it('is retried on /users/auth when the connection was refused before sending', async () => {
    const closed = await FakeConsole.start();
    const url = closed.url;
    await closed.close();
    const sleeps = fake.clock.sleeps.length;
    const error = await createTestClient({ baseUrl: url, apiKey: 'k-1234', clock: fake.clock, logLevel: 'off', maxRetries: 2 })
      .authenticateApi()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).beforeSend).toBe(true);
    expect((error as Error).message).toMatch(/connection refused; check baseUrl/);
    expect(fake.clock.sleeps.length - sleeps).toBe(2);
  });
});

describe('a hang', () => {
  it('times out each attempt after timeoutMs; /users/me is tried 1 + maxRetries times', async () => {
    const c = await signedIn({ maxRetries: 1, timeoutMs: 100 });
    fake.fail('me', { kind: 'hang' }, 2);
    const error = await c.getUserDetails().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/getUserDetails timed out after 100 ms \(attempt 2\); raise timeoutMs/);
    expect(after(1)).toEqual(['me 0', 'me 0']);
    await fake.allHangsClosed(); // the client closed both sockets: nothing is left open
  });

  it('honours a per-call timeoutMs', async () => {
    const c = await signedIn({ maxRetries: 0, timeoutMs: 60_000 });
    fake.fail('me', { kind: 'hang' });
    await expect(c.getUserDetails({ timeoutMs: 50 })).rejects.toThrow(/timed out after 50 ms/);
    await fake.allHangsClosed();
  });

  it("stops at once when the caller's signal aborts, with an AbortError and no retry", async () => {
    const c = await signedIn({ maxRetries: 2 });
    fake.fail('me', { kind: 'hang' }, 3);
    const controller = new AbortController();
    const pending = c.getUserDetails({ signal: controller.signal });
    await new Promise<void>((resolve) => {
      const poll = () => (fake.seen('me').length > 0 ? resolve() : setImmediate(poll));
      poll();
    });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(after(1)).toEqual(['me 0']);
    await fake.allHangsClosed();
  });

  it('leaves no timer and no listener behind after a call that succeeds, times out or is aborted', async () => {
    // An injected fetch, so that only the SDK's own timers are counted (undici keeps timers of its own).
    let hang = false;
    const hangOrAnswer: typeof fetch = async (input) => {
      const request = input as Request;
      if (hang && new URL(request.url).pathname.endsWith('/users/me')) {
        return new Promise((_, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason), { once: true }));
      }
      return fake.fetch(request);
    };
    const c = client({ fetch: hangOrAnswer, maxRetries: 0, timeoutMs: 60_000 });
    await c.authenticateApi();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const controller = new AbortController();
    await c.getUserDetails({ signal: controller.signal });
    expect(timers()).toBe(before);
    hang = true;
    await expect(c.getUserDetails({ timeoutMs: 30, signal: controller.signal })).rejects.toBeInstanceOf(TimeoutError);
    expect(timers()).toBe(before);
    const pending = c.getUserDetails({ signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(timers()).toBe(before);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('bodies that are not the promised JSON', () => {
  it('turns an HTML 500 into a ServerError with a short, safe excerpt; 500 is not retried', async () => {
    const c = await signedIn({ maxRetries: 2 });
    fake.fail('me', { kind: 'html', status: 500 });
    const error = (await c.getUserDetails().catch((e: unknown) => e)) as ServerError;
    expect(error).toBeInstanceOf(ServerError);
    expect(error.status).toBe(500);
    expect(error.serverMessage).toBeUndefined();
    expect(error.bodyExcerpt).toMatch(/^500 Internal Server Error Internal Server Error The server encountered/);
    expect(error.bodyExcerpt!.length).toBeLessThanOrEqual(161);
    expect(after(1)).toEqual(['me 500']);
  });

  it('turns truncated JSON into an InvalidResponseError, not a SyntaxError', async () => {
    fake.fail('auth', { kind: 'truncated' });
    const error = (await client().authenticateApi().catch((e: unknown) => e)) as InvalidResponseError;
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toMatch(/authenticateApi: the server answered 200 with a body that is not JSON; is baseUrl/);
    expect(after(0)).toEqual(['auth 200']);
  });

  it('turns a wrong content type into an InvalidResponseError', async () => {
    const c = await signedIn();
    fake.fail('me', { kind: 'status', status: 200, body: '{"data": {}, "error": null, "success": true}', contentType: 'text/plain' });
    await expect(c.getUserDetails()).rejects.toThrow(/answered 200 with content type 'text\/plain' instead of application\/json/);
    expect(after(1)).toEqual(['me 200']);
  });

  it('turns the HTML 404 of a wrong path prefix into a NotFoundError that asks about baseUrl', async () => {
    fake.fail('auth', { kind: 'html', status: 404 });
    await expect(client().authenticateApi()).rejects.toThrow(/answered 404; is baseUrl the origin of a Deepfence 1\.x console\?/);
  });
});

describe('retries that the server asks for', () => {
  it('honours Retry-After on a 429, then succeeds: two requests', async () => {
    const c = await signedIn();
    fake.fail('me', { kind: 'status', status: 429, headers: { 'Retry-After': '2' } });
    await expect(c.getUserDetails()).resolves.toMatchObject({ email: 'ada@example.com' });
    expect(fake.clock.sleeps).toEqual([2000]);
    expect(after(1)).toEqual(['me 429', 'me 200']);
  });

  it('does not sleep on a Retry-After beyond the cap, and uses the back-off instead', async () => {
    const c = await signedIn();
    fake.fail('me', { kind: 'status', status: 429, headers: { 'Retry-After': '86400' } });
    await c.getUserDetails();
    expect(fake.clock.sleeps).toHaveLength(1);
    expect(fake.clock.sleeps[0]).toBeGreaterThanOrEqual(375);
    expect(fake.clock.sleeps[0]).toBeLessThanOrEqual(500);
  });

  it('gives up with a RateLimitError after maxRetries', async () => {
    const c = await signedIn({ maxRetries: 2 });
    fake.fail('me', { kind: 'status', status: 429, headers: { 'Retry-After': '1' } }, 3);
    await expect(c.getUserDetails()).rejects.toBeInstanceOf(RateLimitError);
    expect(after(1)).toEqual(['me 429', 'me 429', 'me 429']);
  });

  it('retries a 503 on /users/me with back-off, then succeeds', async () => {
    const c = await signedIn();
    fake.fail('me', { kind: 'status', status: 503 });
    await c.getUserDetails();
    expect(after(1)).toEqual(['me 503', 'me 200']);
    expect(fake.clock.sleeps).toHaveLength(1);
  });

  it('never retries a 503 on reset: exactly one request, a ServerError, the key unchanged', async () => {
    const c = await signedIn({ maxRetries: 2 });
    const key = fake.apiKey;
    fake.fail('reset', { kind: 'status', status: 503, headers: { 'X-Request-Id': 'req-42' } }, 3);
    const error = (await c.resetApiKey().catch((e: unknown) => e)) as ServerError;
    expect(error).toBeInstanceOf(ServerError);
    expect([error.status, error.requestId, error.serverMessage]).toEqual([503, 'req-42', 'scripted failure']);
    expect(after(1)).toEqual(['reset 503']);
    expect(fake.apiKey).toBe(key);
  });
});

describe('redirects', () => {
  it('are never followed to another origin: nothing reaches it', async () => {
    fake.fail('auth', { kind: 'status', status: 307, body: '', headers: { Location: `${elsewhere.url}/deepfence/v1.5/users/auth` } });
    const error = await client().authenticateApi().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedirectError);
    expect((error as Error).message).toContain(`does not follow redirects with credentials; set baseUrl to the console's real origin (it pointed to ${elsewhere.url})`);
    expect(elsewhere.requests).toEqual([]);
    expect(after(0)).toEqual(['auth 307']);
  });

  it('from http:// to https:// tell the user to use the https URL', async () => {
    const https = fake.url.replace('http://', 'https://');
    fake.fail('auth', { kind: 'status', status: 302, body: '', headers: { Location: `${https}/deepfence/v1.5/users/auth` } });
    await expect(client().authenticateApi()).rejects.toThrow(`the console redirects to https: use baseUrl '${https}'`);
  });
});
