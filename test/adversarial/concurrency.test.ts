// Random interleavings (fast-check's scheduler decides when each answer arrives and when each event
// happens) of calls, expiries, revocations, refreshes, resets and logouts, against the fake console as an
// injected fetch. Invariants: at most one authentication or refresh in flight; no token sent once the
// client learned it was dead and had replaced it; every credential only on its own endpoint.
import fc from 'fast-check';
import { DeepfenceError, type DeepfenceClient } from '../../src/index';
import { ACCESS_LIFETIME_S, FakeConsole, endpointFor, type Endpoint } from '../fake-console/server';
import { createTestClient } from '../support/test-client';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

type Command =
  | { kind: 'call'; op: 'getUserDetails' | 'refreshJwtToken' | 'resetApiKey' | 'authenticateApi' | 'logout' }
  | { kind: 'event'; event: 'expire' | 'revokeAll' | 'revokeLatestAccess' };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('getUserDetails', 'getUserDetails', 'refreshJwtToken', 'resetApiKey', 'authenticateApi', 'logout').map((op) => ({ kind: 'call' as const, op })) },
  { weight: 2, arbitrary: fc.constantFrom('expire', 'revokeAll', 'revokeLatestAccess').map((event) => ({ kind: 'event' as const, event })) },
);

interface Trace {
  seq: number;
  endpoint: Endpoint | 'unknown';
  /** Which token was sent, as a number: the token itself must not appear in a failure report. */
  token: number | undefined;
  kind: 'start' | 'end';
  status?: number;
}

it(`keeps its invariants in ${RUNS} random interleavings`, async () => {
  const fake = new FakeConsole();
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), fc.array(commandArb, { minLength: 1, maxLength: 12 }), async (s, commands) => {
      fake.reset();
      const trace: Trace[] = [];
      let seq = 0;
      const tokenIds = new Map<string, number>();
      const idOf = (token: string | undefined) => (token === undefined ? undefined : tokenIds.get(token) ?? tokenIds.set(token, tokenIds.size + 1).get(token));
      let exchanges = 0;
      let maxExchanges = 0;
      const scheduledFetch: typeof fetch = async (input) => {
        const request = input as Request;
        const token = idOf(request.headers.get('authorization')?.replace(/^Bearer /, ''));
        const path = new URL(request.url).pathname;
        const endpoint = endpointFor(path);
        const exchange = endpoint === 'auth' || endpoint === 'refresh';
        if (exchange) maxExchanges = Math.max(maxExchanges, ++exchanges);
        trace.push({ seq: seq++, endpoint, token, kind: 'start' });
        try {
          await s.schedule(Promise.resolve(), `answer ${path}`);
          const response = await fake.fetch(request);
          trace.push({ seq: seq++, endpoint, token, kind: 'end', status: response.status });
          return response;
        } finally {
          if (exchange) exchanges--;
        }
      };
      const client: DeepfenceClient = createTestClient({ baseUrl: 'https://console.example.com', apiKey: fake.apiKey, fetch: scheduledFetch, clock: fake.clock, maxRetries: 0 });
      const events = {
        expire: () => fake.clock.advance(ACCESS_LIFETIME_S * 1000 + 1000),
        revokeAll: () => fake.flushAllowList(),
        revokeLatestAccess: () => {
          const latest = [...fake.requests].reverse().find((r) => r.tokenType === 'access');
          if (latest?.token) fake.revoke(latest.token);
        },
      };
      const running = commands.map((command) =>
        command.kind === 'call'
          ? (client[command.op] as () => Promise<unknown>)()
          : s.schedule(Promise.resolve(), command.event).then(() => events[command.event]()),
      );
      const outcomes = await s.waitFor(Promise.allSettled(running));
      // Every call settled; every failure is typed.
      for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(DeepfenceError);
      expect(maxExchanges).toBeLessThanOrEqual(1);
      // Credentials only on their own endpoints (as the console decoded them), and the key only in auth bodies.
      for (const r of fake.requests) {
        const expected = { auth: 'none', me: 'access', reset: 'access', refresh: 'refresh', unknown: 'none' }[r.endpoint];
        expect([r.endpoint, r.tokenType]).toEqual([r.endpoint, expected]);
        if (r.endpoint !== 'auth') for (const key of fake.keys) expect(JSON.stringify(r.headers) + r.body).not.toContain(key);
      }
      // Once a token was refused with a 401 and the client has moved on to a newer access token, the refused
      // token is never sent again.
      for (const refused of trace.filter((t) => t.kind === 'end' && t.status === 401 && t.token !== undefined && t.endpoint !== 'refresh')) {
        const movedOn = trace.find((t) => t.kind === 'start' && t.seq > refused.seq && t.endpoint !== 'refresh' && t.token !== undefined && t.token > refused.token!);
        if (!movedOn) continue;
        const reused = trace.filter((t) => t.kind === 'start' && t.seq > movedOn.seq && t.token === refused.token);
        if (reused.length > 0) throw new Error(`token ${refused.token} was refused (seq ${refused.seq}), the client moved on (seq ${movedOn.seq}), then sent it again: ${JSON.stringify(trace)}`);
      }
    }),
    { numRuns: RUNS },
  );
}, 120_000);
