// Server fuzzing: an injected fetch plays a generated script of answers (every real body shape, corrupted
// ones, empty, huge, HTML, binary, truncated; any status; Retry-After in every form; redirects; delays,
// resets, refused connections and hangs). For every case: the call settles; a rejection is a DeepfenceError;
// the number of requests and the time slept stay within the documented bound; no secret appears in any
// view of the error or in any log line; no listener is left on the caller's signal; the session is usable
// afterwards. `npm run test:fuzz` runs many more cases (FUZZ_RUNS).
import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { DeepfenceError, type DeepfenceClient } from '../../src/index';
import { FakeClock } from '../fake-console/clock';
import { errorViews, findLeaks } from '../support/leak-sink';
import { captureLogger } from '../support/logger';
import { createTestClient } from '../support/test-client';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const API_KEY = 'fuzz-3f9c2a71-5b8e-4d0a-9e61-7c2b1a0f8e44';
const BACKOFF = { initialDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60_000 };
const TIMEOUT_MS = 10;

type BodyKind = 'valid' | 'tokenExpired' | 'flat' | 'errorEchoingKey' | 'html' | 'empty' | 'huge' | 'binary' | 'truncated' | 'wrongShape' | 'echoSecrets';
type Step =
  | { kind: 'answer'; status: number; body: BodyKind; contentType: string | null; retryAfter: string | null; location: string | null; delayMs: number; json: unknown }
  | { kind: 'reset' }
  | { kind: 'refused' }
  | { kind: 'hang' };

const retryAfterArb = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -5, max: 120 }).map(String),
  fc.constantFrom('0', '1.5', 'soon', '', '99999999999', 'Wed, 21 Oct 2015 07:28:00 GMT'),
  fc.integer({ min: -60, max: 600 }).map((s) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toUTCString()),
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record({
      kind: fc.constant('answer' as const),
      status: fc.oneof(fc.constantFrom(200, 200, 200, 201, 204, 301, 302, 307, 400, 401, 401, 403, 404, 405, 408, 409, 429, 500, 502, 503, 504), fc.integer({ min: 200, max: 599 })),
      body: fc.constantFrom<BodyKind>('valid', 'valid', 'valid', 'tokenExpired', 'flat', 'errorEchoingKey', 'html', 'empty', 'huge', 'binary', 'truncated', 'wrongShape', 'echoSecrets'),
      contentType: fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', 'text/html', 'text/plain', 'application/octet-stream', null),
      retryAfter: retryAfterArb,
      location: fc.constantFrom(null, 'https://127.0.0.1/deepfence/v1.5/users/auth', 'http://evil.example/steal', '/relative', '::not a url::'),
      delayMs: fc.constantFrom(0, 0, 0, 1, 3),
      json: fc.jsonValue({ maxDepth: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'reset' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'refused' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'hang' as const }) },
);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The server side of one case: plays the script, then answers healthily; remembers what the client knew. */
class ScriptedConsole {
  calls = 0;
  /** Secrets the client provably held: the API key, every token it sent, every token a call returned. */
  known = new Set<string>([API_KEY]);
  #serial = 0;

  constructor(private script: Step[], private seed: number) {}

  /** Drops what is left of the script: from now on every answer is healthy. */
  heal(): void {
    this.script.length = 0;
    this.calls = 0;
  }

  token(type: 'access' | 'refresh'): string {
    const payload = { fresh: false, iat: 1767225600, jti: `${this.seed}-${this.#serial++}-${Math.random()}`, type, sub: { api_key: API_KEY }, exp: 4102444800 };
    return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(payload)}.${Buffer.from(String(Math.random())).toString('base64url')}`;
  }

  validData(path: string): unknown {
    const user = { id: 1, first_name: 'F', last_name: 'L', email: 'f@example.com', company: 'C', role: 'admin', api_key: API_KEY, isActive: true, company_license_exists: true };
    if (path.endsWith('/users/auth')) return { access_token: this.token('access'), refresh_token: this.token('refresh') };
    if (path.endsWith('/users/refresh/token')) return { access_token: this.token('access') };
    if (path.endsWith('/users/reset-api-key')) return { ...user, access_token: this.token('access'), refresh_token: this.token('refresh') };
    return user;
  }

  body(kind: BodyKind, path: string, json: unknown): string | Uint8Array {
    const secrets = [...this.known];
    const secret = secrets[this.calls % secrets.length]!;
    switch (kind) {
      case 'valid':
        return JSON.stringify({ data: this.validData(path), error: null, success: true });
      case 'tokenExpired':
        return JSON.stringify({ data: null, error: { code: 'token_expired', message: 'The token has expired' }, success: false });
      case 'flat':
        return JSON.stringify({ msg: 'Token has been revoked' });
      case 'errorEchoingKey':
        return JSON.stringify({ data: null, error: { message: `user with api_key ${API_KEY} not found` }, success: false });
      case 'html':
        return `<!doctype html><title>500 Internal Server Error</title><h1>Internal Server Error</h1><p>${secret}</p>`;
      case 'empty':
        return '';
      case 'huge':
        return `{"data": null, "error": {"message": "${'x'.repeat(200_000)}${secret}"}, "success": false}`;
      case 'binary':
        return Uint8Array.from({ length: 512 }, (_, i) => (i * 7919 + this.seed) % 256);
      case 'truncated': {
        const full = JSON.stringify({ data: this.validData(path), error: null, success: true });
        return full.slice(0, (this.seed + this.calls * 31) % full.length);
      }
      case 'wrongShape':
        return JSON.stringify(json);
      case 'echoSecrets':
        return JSON.stringify({ data: null, error: { message: `bad ${secret} / ${secret.slice(5, 40)} / ${secret.slice(-30)}` }, msg: secret, success: false });
    }
  }

  fetch: typeof fetch = async (input) => {
    const request = input as Request;
    this.calls++;
    const bearer = request.headers.get('authorization')?.replace(/^Bearer /, '');
    if (bearer) this.known.add(bearer);
    const path = new URL(request.url).pathname;
    const step = this.script.shift() ?? { kind: 'answer', status: 200, body: 'valid', contentType: 'application/json', retryAfter: null, location: null, delayMs: 0, json: null };
    if (step.kind === 'reset' || step.kind === 'refused') {
      const code = step.kind === 'reset' ? 'ECONNRESET' : 'ECONNREFUSED';
      throw new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code} ${API_KEY}`), { code }) });
    }
    if (step.kind === 'hang') {
      return new Promise<Response>((_, reject) => {
        if (request.signal.aborted) return reject(request.signal.reason);
        request.signal.addEventListener('abort', () => reject(request.signal.reason), { once: true });
      });
    }
    if (step.delayMs) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
    const headers = new Headers();
    if (step.contentType) headers.set('content-type', step.contentType);
    if (step.retryAfter !== null) headers.set('retry-after', step.retryAfter);
    if (step.location) headers.set('location', step.location);
    const nullBody = [204, 205, 304].includes(step.status);
    return new Response(nullBody ? null : (this.body(step.body, path, step.json) as BodyInit), { status: step.status, headers });
  };
}

type Op = 'authenticateApi' | 'getUserDetails' | 'refreshJwtToken' | 'resetApiKey';
const run = (client: DeepfenceClient, op: Op, signal: AbortSignal) => client[op]({ signal });

/** One generated case, from the first request to the check that the session still works. */
async function playCase(script: Step[], op: Op, maxRetries: number, seed: number): Promise<void> {
  const server = new ScriptedConsole([...script], seed);
  const clock = new FakeClock();
  const logger = captureLogger();
  const client = createTestClient({ baseUrl: 'https://console.example.com', apiKey: API_KEY, fetch: server.fetch, clock, maxRetries, timeoutMs: TIMEOUT_MS, backoff: BACKOFF, logger, logLevel: 'debug' });
  const controller = new AbortController();
  const outcome = await run(client, op, controller.signal).then((value) => ({ value }), (error: unknown) => ({ error }));
  if ('error' in outcome) {
    expect(outcome.error).toBeInstanceOf(DeepfenceError);
    for (const view of errorViews(outcome.error)) expect(findLeaks(view, server.known)).toEqual([]);
  } else {
    for (const key of ['access_token', 'refresh_token', 'api_key']) {
      const secret = (outcome.value as Record<string, unknown>)[key];
      if (typeof secret === 'string') server.known.add(secret);
    }
  }
  // Bounds: at most 6 · (maxRetries + 1) attempts, and as many waits, each capped.
  expect(server.calls).toBeLessThanOrEqual(6 * (maxRetries + 1));
  expect(clock.sleeps.length).toBeLessThanOrEqual(6 * maxRetries);
  for (const ms of clock.sleeps) expect(ms).toBeLessThanOrEqual(Math.max(BACKOFF.maxDelayMs, BACKOFF.maxRetryAfterMs));
  expect(findLeaks(logger.lines.join('\n'), server.known)).toEqual([]);
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  // The session is usable afterwards: the script is spent, the server is healthy again.
  server.heal();
  await expect(client.getUserDetails()).resolves.toMatchObject({ email: 'f@example.com' });
  expect(server.calls).toBeLessThanOrEqual(4);
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

it(`settles with data or a DeepfenceError, within bounds and without leaking, for ${RUNS} generated servers`, async () => {
  const timersBefore = timers();
  await fc.assert(
    fc.asyncProperty(
      fc.array(stepArb, { maxLength: 14 }),
      fc.constantFrom<Op>('authenticateApi', 'getUserDetails', 'getUserDetails', 'refreshJwtToken', 'resetApiKey'),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 2 ** 30 }),
      async (script, op, maxRetries, seed) => {
        let guard: NodeJS.Timeout | undefined;
        const settled = await Promise.race([
          playCase(script, op, maxRetries, seed).then(() => true),
          new Promise<false>((resolve) => (guard = setTimeout(() => resolve(false), 10_000))),
        ]);
        clearTimeout(guard);
        expect(settled).toBe(true);
      },
    ),
    { numRuns: RUNS },
  );
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
  // No timer outlives its call: timeouts and back-off waits are all cleared.
  expect(timers()).toBeLessThanOrEqual(timersBefore);
}, 300_000);
