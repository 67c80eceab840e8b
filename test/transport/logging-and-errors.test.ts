// Logging levels and line content, and secret masking in every view of an error.
import { inspect } from 'node:util';
import { NotFoundError, type DeepfenceClientOptions } from '../../src/index';
import { FakeConsole } from '../fake-console/server';
import { captureLogger } from '../support/logger';
import { createTestClient } from '../support/test-client';

let fake: FakeConsole;
beforeAll(async () => {
  fake = await FakeConsole.start();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

function client(options: Partial<DeepfenceClientOptions> = {}) {
  return createTestClient({ baseUrl: fake.url, apiKey: fake.apiKey, clock: fake.clock, ...options });
}

/** Every secret the console handed out or was sent, so far. */
function secrets(): string[] {
  const tokens = fake.requests.flatMap((r) => (r.token ? [r.token] : []));
  return [fake.apiKey, ...tokens];
}

describe('logging', () => {
  it('at debug, shows method, path, status, duration and attempt of every request, and no secret', async () => {
    const logger = captureLogger();
    const c = client({ logger, logLevel: 'debug' });
    await c.getUserDetails();
    fake.flushAllowList();
    await c.getUserDetails();
    expect(logger.lines.filter((l) => l.startsWith('debug')).slice(0, 2)).toEqual([
      expect.stringMatching(/^debug \[deepfence\] POST \/deepfence\/v1\.5\/users\/auth → 200 in \d+\.\d ms \(attempt 1\)$/),
      expect.stringMatching(/^debug \[deepfence\] GET \/deepfence\/v1\.5\/users\/me → 200 in \d+\.\d ms \(attempt 1\)$/),
    ]);
    expect(logger.lines.some((l) => /^info .*refresh token refused: authenticating again/.test(l))).toBe(true);
    const all = logger.lines.join('\n');
    for (const secret of secrets()) expect(all).not.toContain(secret);
  });

  it('logs retries at warn (the default level) and nothing at debug or info', async () => {
    const logger = captureLogger();
    const c = client({ logger, backoff: { initialDelayMs: 10, maxDelayMs: 10 } });
    await c.authenticateApi();
    fake.fail('me', { kind: 'status', status: 503 });
    await c.getUserDetails();
    expect(logger.lines).toEqual([expect.stringMatching(/^warn \[deepfence\] GET \/deepfence\/v1\.5\/users\/me failed \(.*503.*\); retry 1 of 2 in \d+ ms$/)]);
  });

  it('says nothing at all at off', async () => {
    const logger = captureLogger();
    const c = client({ logger, logLevel: 'off' });
    fake.fail('me', { kind: 'status', status: 503 });
    await c.getUserDetails();
    expect(logger.lines).toEqual([]);
  });
});

describe('secrets in errors', () => {
  it('masks the API key the console echoes in its 404, in message, serverMessage, stack, toJSON, inspect and cause', async () => {
    const apiKey = 'b2d7c1e4-0000-4000-8000-1234567890ab';
    const error = (await client({ apiKey, logLevel: 'off' }).authenticateApi().catch((e: unknown) => e)) as NotFoundError;
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.serverMessage).toBe('user with api_key *** not found');
    const views = [error.message, error.stack, JSON.stringify(error), inspect(error, { depth: 5 }), String(error), inspect(error.cause)];
    for (const view of views) {
      expect(view).not.toContain(apiKey);
      expect(view).not.toContain(apiKey.slice(0, 12));
    }
    expect(error.toJSON()).toMatchObject({ name: 'NotFoundError', kind: 'not_found', status: 404, operation: 'authenticateApi' });
  });

  it('masks tokens a server reflects in an error body, whole or in part', async () => {
    const c = client({ logLevel: 'off', maxRetries: 0 });
    const { access_token } = await c.authenticateApi();
    fake.fail('me', { kind: 'status', status: 500, contentType: 'text/plain', body: `crash while handling Bearer ${access_token} (${access_token.slice(40, 80)})` });
    const error = (await c.getUserDetails().catch((e: unknown) => e)) as Error;
    const view = `${error.message}${inspect(error)}${JSON.stringify(error)}`;
    expect(view).not.toContain(access_token.slice(40, 80));
    expect(view).toContain('crash while handling Bearer ***');
  });

  it('shows no secret when the client itself is inspected or serialised', async () => {
    const c = client({ logLevel: 'off' });
    await c.getUserDetails();
    const views = [inspect(c, { depth: 10, showHidden: true }), JSON.stringify(c), String(c)];
    for (const view of views) for (const secret of secrets()) expect(view).not.toContain(secret);
    expect(inspect(c)).toMatch(/^DeepfenceClient \{ baseUrl: 'http:\/\/127\.0\.0\.1:\d+', apiKey: \*\*\* \}$/);
  });
});
