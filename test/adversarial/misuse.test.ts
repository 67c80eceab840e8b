// Caller misuse: random option objects and call arguments either work as documented or throw a
// DeepfenceConfigurationError at once, never another error, and never later, at request time.
import fc from 'fast-check';
import { DeepfenceConfigurationError, type DeepfenceClient } from '../../src/index';
import { FakeClock } from '../fake-console/clock';
import { createTestClient } from '../support/test-client';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

/** A console that always answers well, so that any failure after construction is the SDK's. */
const healthy: typeof fetch = async (input) => {
  const path = new URL((input as Request).url).pathname;
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2lnbmF0dXJl';
  const data = path.endsWith('/users/me')
    ? { id: 1, email: 'a@example.com' }
    : { access_token: jwt, refresh_token: jwt, api_key: 'new-key-1234567890' };
  return Response.json({ data, error: null, success: true });
};

const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.constantFrom('', '   ', '\n', 'NaN'),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
  fc.constant(() => undefined),
);
const url = fc.oneof(
  fc.constantFrom('https://console.example.com', 'http://10.0.0.5:8080', 'https://[::1]:8443', 'https://console.example.com/'),
  fc.constantFrom('console.example.com', '/deepfence', 'ftp://x', 'https://c.example.com/deepfence/v1.5', 'https://u:p@c.example.com', 'https://c.example.com?x=1', 'file:///etc/passwd', 'javascript:alert(1)'),
  fc.webUrl(),
  junk,
);
// Not a function: a function apiKey is documented to be checked when it is called, at authentication.
const apiKey = fc.oneof(fc.constantFrom('k-0123456789', '  k-0123456789  ', 'a b', '', ' \t'), fc.string({ minLength: 1 }), junk.filter((v) => typeof v !== 'function'));
const whole = fc.oneof(fc.integer({ min: -10, max: 100_000 }), fc.constantFrom(0, 1, 2 ** 31, 1e12, 1.5, Number.NaN, Infinity, -0), junk);

/** Mostly a good value, sometimes a bad one: so that both construction and refusal happen often. */
const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) => fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: bad });
const fine = (...values: unknown[]) => fc.constantFrom(undefined, ...values);

const optionsArb = fc
  .record({
    baseUrl: mostly(fc.constantFrom('https://console.example.com', 'http://10.0.0.5:8080', 'https://[::1]:8443', 'https://console.example.com/'), url),
    apiKey: mostly(fc.constantFrom('k-0123456789', '  k-0123456789  ', 'c4a1a3a2-0000-4000-8000-000000000001'), apiKey),
    timeoutMs: mostly(fine(1000, 30_000, 2 ** 31 - 1), whole),
    maxRetries: mostly(fine(0, 2, 10), whole),
    refreshMarginMs: mostly(fine(0, 60_000), whole),
    logLevel: mostly(fine('off', 'error', 'warn', 'info', 'debug'), fc.oneof(fc.constantFrom('verbose', 'WARN'), junk)),
    backoff: mostly(fine({}, { initialDelayMs: 1, maxDelayMs: 10 }), fc.oneof(fc.record({ initialDelayMs: whole, maxDelayMs: whole }, { requiredKeys: [] }), junk)),
    tokenStore: mostly(fine({ get: () => undefined, set: () => {}, clear: () => {} }), junk),
    onApiKeyRotated: mostly(fine(() => {}), junk),
    proxy: mostly(fine(false), fc.oneof(fc.constantFrom('socks5://p:1', 'not a url'), junk)),
    tls: mostly(fine({}), fc.oneof(fc.constantFrom({ pinnedSha256: 'zz' }, { cert: 'x' }, { verify: false }), junk)),
    unknown: mostly(fc.constant(undefined), fc.constantFrom('api_key', 'verifySsl', 'base_url', 'timeout')),
  })
  .map(({ unknown, ...options }) => {
    const out: Record<string, unknown> = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    if (unknown) out[unknown] = 'x';
    return out;
  });

const callOptionsArb = fc.oneof(
  fc.constant(undefined),
  fc.record({ timeoutMs: whole, signal: fc.oneof(fc.constant(new AbortController().signal), junk), extra: junk }, { requiredKeys: [] }),
  junk,
);

it(`accepts or refuses random options at construction, never later (${RUNS} cases)`, async () => {
  const outcomes = { refused: 0, constructed: 0 };
  await fc.assert(
    fc.asyncProperty(optionsArb, callOptionsArb, fc.constantFrom('authenticateApi', 'getUserDetails', 'refreshJwtToken', 'resetApiKey'), async (options, callOptions, op) => {
      let client: DeepfenceClient;
      try {
        client = createTestClient({ proxy: false, ...options, fetch: healthy, clock: new FakeClock() });
      } catch (error) {
        expect(error).toBeInstanceOf(DeepfenceConfigurationError);
        outcomes.refused++;
        expect((error as Error).message).toMatch(/^[\w. ]*(options|baseUrl|apiKey|timeoutMs|maxRetries|refreshMarginMs|logLevel|backoff|tokenStore|onApiKeyRotated|proxy|tls|createDeepfenceClient)\b/);
        return;
      }
      outcomes.constructed++;
      // Constructed: a call with good arguments works.
      await expect(client[op as 'getUserDetails']()).resolves.toBeDefined();
      // A call with random arguments either works or is refused before anything is sent.
      try {
        await client[op as 'getUserDetails'](callOptions as never);
      } catch (error) {
        expect(error).toBeInstanceOf(DeepfenceConfigurationError);
        expect((error as Error).message).toMatch(/^(call options|signal|timeoutMs)\b/);
      }
    }),
    { numRuns: RUNS },
  );
  // Both branches were exercised in earnest.
  expect(outcomes.constructed).toBeGreaterThan(RUNS / 20);
  expect(outcomes.refused).toBeGreaterThan(RUNS / 20);
}, 120_000);
